import { countTokens as cl100k } from "gpt-tokenizer/encoding/cl100k_base";
import { describe, expect, it } from "vitest";
import { chunkMarkdown } from "../../lib/chunk";
import { headingText } from "../../lib/chunk/markdown-blocks";
import { extract } from "../../lib/extract";
import { loadReadability, loadWcxb, readabilityDir, wcxbDir } from "../support/corpora";

// Both development corpora, extracted and chunked at 256 and 512 tokens: no chunk over
// its limit by the tokenizer called directly, every chunk's text its offsets' slice,
// every non-blank character of the page in some chunk, and every heading path the
// headings above the chunk's start (cut to what they share with any heading inside the
// chunk, where small sections were merged). Runs only where the corpora exist.
const rdir = readabilityDir();
const wdir = wcxbDir();
if (!rdir)
  console.log("Readability corpus not found (../shared/corpus/readability or TRAWL_CORPUS): chunk checks skipped");
if (!wdir) console.log("wcxb-dev corpus not found (../shared/corpus/wcxb-dev or TRAWL_WCXB): chunk checks skipped");

const AS_TEXT = { disallowedSpecial: new Set<string>() };

interface Heading {
  at: number;
  level: number;
  text: string;
}

/** The ATX headings of a page outside fenced code, written here apart from the chunker's parser. */
function headingsOf(markdown: string): Heading[] {
  const headings: Heading[] = [];
  let fence: string | null = null;
  let at = 0;
  for (const line of markdown.split("\n")) {
    const open = /^ {0,3}(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence === null && open) fence = open;
    else if (fence !== null && new RegExp(`^ {0,3}\\${fence[0]}{${fence.length},}\\s*$`).test(line)) fence = null;
    else if (fence === null) {
      const m = /^ {0,3}(#{1,6})(?:[ \t]|$)/.exec(line);
      if (m?.[1]) headings.push({ at, level: m[1].length, text: headingText(line) });
    }
    at += line.length + 1;
  }
  return headings;
}

/** The heading stack in force at character `offset` (headings starting at or before it). */
function pathAt(headings: Heading[], offset: number): string[] {
  const stack: Heading[] = [];
  for (const h of headings) {
    if (h.at > offset) break;
    while (stack.length > 0 && (stack[stack.length - 1] as Heading).level >= h.level) stack.pop();
    stack.push(h);
  }
  return stack.map((h) => h.text);
}

function shared(a: string[], b: string[]): string[] {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return a.slice(0, n);
}

async function markdownOf(pages: { bytes: Uint8Array; url: string }[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of pages) {
    const r = await extract({ body: p.bytes, contentType: "text/html", url: p.url });
    if (r.ok) out.push(r.value.markdown);
  }
  return out;
}

/** What is wrong with the chunks of each page (none, if all is well), and how many there were. */
function checkCorpus(pages: string[], maxTokens: number): { chunks: number; merged: number; problems: string[] } {
  let chunks = 0;
  let merged = 0;
  const problems: string[] = [];
  pages.forEach((markdown, page) => {
    const found = chunkMarkdown(markdown, { maxTokens, overlapTokens: 0, tokenizer: "cl100k_base" });
    const headings = headingsOf(markdown);
    const say = (i: number, what: string) => problems.push(`page ${page} chunk ${i} at ${maxTokens}: ${what}`);
    let covered = 0;
    found.forEach((chunk, i) => {
      if (chunk.text !== markdown.slice(chunk.start, chunk.end)) say(i, "text is not its offsets' slice");
      const tokens = cl100k(chunk.text, AS_TEXT);
      if (tokens !== chunk.tokens || tokens > maxTokens) say(i, `${tokens} tokens, says ${chunk.tokens}`);
      const above = pathAt(headings, chunk.start);
      let expected = above;
      for (const h of headings)
        if (h.at > chunk.start && h.at < chunk.end) expected = shared(expected, pathAt(headings, h.at));
      if (expected.length < above.length) merged++;
      if (JSON.stringify(chunk.headingPath) !== JSON.stringify(expected)) {
        say(i, `heading path ${JSON.stringify(chunk.headingPath)}, headings above ${JSON.stringify(expected)}`);
      }
      if (markdown.slice(covered, chunk.start).trim() !== "") say(i, `text before it is in no chunk (from ${covered})`);
      covered = Math.max(covered, chunk.end);
    });
    if (markdown.slice(covered).trim() !== "") problems.push(`page ${page}: text after the last chunk is in no chunk`);
    chunks += found.length;
  });
  return { chunks, merged, problems };
}

describe("chunks over both corpora", () => {
  it.skipIf(!rdir)(
    "Readability pages at 256 and 512 tokens",
    async () => {
      const pages = await markdownOf(
        loadReadability(rdir as string).map((p) => ({ bytes: p.bytes, url: "http://fakehost/test/page.html" })),
      );
      expect(pages.length).toBeGreaterThan(100);
      for (const max of [256, 512]) {
        const { chunks, merged } = checkCorpus(pages, max);
        console.log(
          `readability: ${pages.length} pages, ${chunks} chunks at ${max} tokens, ${merged} merging small sections`,
        );
        expect(chunks).toBeGreaterThan(pages.length);
      }
    },
    300_000,
  );

  it.skipIf(!wdir)(
    "wcxb-dev pages at 256 and 512 tokens",
    async () => {
      const pages = await markdownOf(loadWcxb(wdir as string));
      expect(pages.length).toBeGreaterThan(1000);
      for (const max of [256, 512]) {
        const { chunks, merged } = checkCorpus(pages, max);
        console.log(
          `wcxb-dev: ${pages.length} pages, ${chunks} chunks at ${max} tokens, ${merged} merging small sections`,
        );
        expect(chunks).toBeGreaterThan(pages.length);
      }
    },
    600_000,
  );
});
