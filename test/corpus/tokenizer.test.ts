import { countTokens as cl100k } from "gpt-tokenizer/encoding/cl100k_base";
import { countTokens as o200k } from "gpt-tokenizer/encoding/o200k_base";
import { describe, expect, it } from "vitest";
import type { Tokenizer } from "../../lib/chunk/options";
import { rangeCounter, tokenCounter } from "../../lib/chunk/tokenizer";
import { extract } from "../../lib/extract";
import { loadReadability, loadWcxb, readabilityDir, wcxbDir } from "../support/corpora";

// The chunker's counts are gpt-tokenizer's, got faster: pieces from a hand-written scan
// (cl100k_base) summed through a memo, and slices of a page from its line counts. Checked
// here against gpt-tokenizer called directly on both development corpora: every page's
// Markdown and its source HTML whole, and slices of the Markdown that start and end where
// the chunker cuts (line starts, line ends before blank lines, sentence ends) and at
// random (wcxb-dev sampled). Runs only where the corpora exist.
const rdir = readabilityDir();
const wdir = wcxbDir();
if (!rdir)
  console.log("Readability corpus not found (../shared/corpus/readability or TRAWL_CORPUS): tokenizer checks skipped");
if (!wdir) console.log("wcxb-dev corpus not found (../shared/corpus/wcxb-dev or TRAWL_WCXB): tokenizer checks skipped");

const AS_TEXT = { disallowedSpecial: new Set<string>() };
const REFERENCE: Record<Tokenizer, (text: string) => number> = {
  cl100k_base: (text) => cl100k(text, AS_TEXT),
  o200k_base: (text) => o200k(text, AS_TEXT),
};

/** A seeded generator, so a failure can be run again. */
function random(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % n;
  };
}

/** Offsets where the chunker starts or ends slices: line starts and ends, sentence ends, anywhere. */
function cutPoints(markdown: string, pick: (n: number) => number): number[] {
  const points = new Set<number>([0, markdown.length]);
  for (const m of markdown.matchAll(/\n+/g)) {
    points.add(m.index);
    points.add(m.index + m[0].length);
  }
  for (const m of markdown.matchAll(/[.!?]\s+/g)) points.add(m.index + 1);
  for (let i = 0; i < 20 && markdown.length > 0; i++) points.add(pick(markdown.length + 1));
  return [...points].sort((a, b) => a - b);
}

/** Mismatches between the fast counts and gpt-tokenizer's on `pages`, as messages. */
function mismatches(pages: { markdown: string; html: string }[], tokenizer: Tokenizer, every = 1): string[] {
  const fast = tokenCounter(tokenizer);
  const reference = REFERENCE[tokenizer];
  const problems: string[] = [];
  const pick = random(22);
  pages.forEach(({ markdown, html }, p) => {
    for (const text of p % every === 0 ? [markdown, html] : [markdown]) {
      if (fast(text) !== reference(text)) problems.push(`page ${p}: whole text ${fast(text)} != ${reference(text)}`);
    }
    const count = rangeCounter(markdown, tokenizer);
    const points = cutPoints(markdown, pick);
    for (let i = 0; i < 40 / every && points.length > 1; i++) {
      const a = points[pick(points.length)] as number;
      const b = points[pick(points.length)] as number;
      const [start, end] = a <= b ? [a, b] : [b, a];
      const expected = reference(markdown.slice(start, end));
      if (count(start, end) !== expected)
        problems.push(`page ${p} ${start}..${end}: ${count(start, end)} != ${expected}`);
    }
  });
  return problems;
}

async function pagesOf(pages: { bytes: Uint8Array; url: string }[]): Promise<{ markdown: string; html: string }[]> {
  const out: { markdown: string; html: string }[] = [];
  for (const p of pages) {
    const r = await extract({ body: p.bytes, contentType: "text/html", url: p.url });
    if (r.ok) out.push({ markdown: r.value.markdown, html: new TextDecoder().decode(p.bytes) });
  }
  return out;
}

describe("token counts against gpt-tokenizer", () => {
  it.skipIf(!rdir)(
    "Readability pages",
    async () => {
      const pages = await pagesOf(
        loadReadability(rdir as string).map((p) => ({ bytes: p.bytes, url: "http://fakehost/test/page.html" })),
      );
      expect(pages.length).toBeGreaterThan(100);
      for (const tokenizer of ["cl100k_base", "o200k_base"] as const) {
        expect(mismatches(pages, tokenizer).slice(0, 5)).toEqual([]);
      }
    },
    300_000,
  );

  it.skipIf(!wdir)(
    "wcxb-dev pages",
    async () => {
      // Every fourth page (369 of 1,476, all seven types), so the file stays under a minute.
      const pages = await pagesOf(loadWcxb(wdir as string).filter((_, i) => i % 4 === 0));
      expect(pages.length).toBeGreaterThan(300);
      for (const tokenizer of ["cl100k_base", "o200k_base"] as const) {
        // Sampled (whole HTML of every 8th page, 5 slices a page) to keep the run short.
        expect(mismatches(pages, tokenizer, 8).slice(0, 5)).toEqual([]);
      }
    },
    600_000,
  );
});
