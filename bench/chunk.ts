// What the content options cost: the `chunking` record hook (512 tokens, cl100k_base) and
// `analysis` (simhash, language, quality score) together, as a share of the extractor's
// time on the Readability corpus (as bench:extract times it), in the same process. The
// issue's budget: at most 15% together, nothing with both off.
//
// Each round makes every page's record four ways: both options off, analysis only,
// chunking only, both on, REPEATS times each, interleaved page by page in an order
// rotated from page to page and round to round, so drifting load and warm caches fall
// on all four alike; a page's time in a setting is the median of its repeats (a
// preemption or a neighbour's burst lands on one repeat, not the median), and a round's
// figure for a setting is the sum over pages / the sum with both off - 1. Then, over the
// Markdown of that round, each part alone (the page's simhash, with its chunks' from the
// same scan, chunks' simhashes each read again, language, quality score, chunking at 512,
// at 256 with overlap 32, with o200k_base) and the record hook with the options off,
// timed the same way, each as a share of the round's extraction with both off.
// Wall-clock time (performance.now): the process's CPU time moves in steps of a few
// milliseconds, as long as a page, and counts the runtime's background threads.
// Figures are the median round's, with the range of rounds. Also: the tokenizers' and the
// language tables' load (module evaluation and first use), once, before anything else
// has warmed them.
// Run: BENCH_ROUNDS=9 npm run bench:chunk   (default 7 rounds; TRAWL_CORPUS points at another copy)
import { performance } from "node:perf_hooks";
import type { ChunkingOptions } from "../lib/chunk/options";
import type { BatchOptions } from "../lib/schemas";
import { loadReadability, readabilityDir } from "../test/support/corpora";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const PAGE_URL = "http://fakehost/test/page.html";

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const median = (xs: number[]) => sorted(xs)[Math.floor(xs.length / 2)] ?? 0;

// Loaded first and timed: module evaluation (the BPE rank tables) and the first count.
const loads: string[] = [];
for (const encoding of ["cl100k_base", "o200k_base"] as const) {
  const t0 = performance.now();
  const mod = await import(`gpt-tokenizer/encoding/${encoding}`);
  const t1 = performance.now();
  mod.countTokens("Warm the merge cache with one sentence.");
  loads.push(`${encoding}: import ${(t1 - t0).toFixed(0)} ms, first count ${(performance.now() - t1).toFixed(1)} ms`);
}
const { detectLanguage, loadLanguageDetector } = await import("../lib/language");
{
  const t0 = performance.now();
  await loadLanguageDetector();
  loads.push(`language tables (eld small, packed): import and unpack ${(performance.now() - t0).toFixed(0)} ms`);
}
const { chunkMarkdown } = await import("../lib/chunk/chunk-markdown");
const { extract } = await import("../lib/extract");
const { extractionQuality, markdownShape } = await import("../lib/extract/quality");
const { extractorOf } = await import("../lib/extract/provenance");
const { pageSimhash, rangeSimhashes, simhash64, withRangeSimhashes } = await import("../lib/simhash");
const { BatchOptions: BatchOptionsSchema } = await import("../lib/schemas");

const dir = readabilityDir();
if (!dir) {
  console.log("Readability corpus not found (../shared/corpus/readability or TRAWL_CORPUS): skipped");
  process.exit(0);
}
const pages = loadReadability(dir);

const chunking = (maxTokens: number, overlapTokens: number, tokenizer: ChunkingOptions["tokenizer"]) => ({
  maxTokens,
  overlapTokens,
  tokenizer,
});
const SETTINGS = [
  { label: "both off", options: BatchOptionsSchema.parse({ analysis: false }) },
  { label: "analysis only", options: BatchOptionsSchema.parse({}) },
  {
    label: "chunking 512 cl100k_base only",
    options: BatchOptionsSchema.parse({ analysis: false, chunking: chunking(512, 0, "cl100k_base") }),
  },
  { label: "BOTH ON", options: BatchOptionsSchema.parse({ chunking: chunking(512, 0, "cl100k_base") }) },
];
const OFF = (SETTINGS[0] as (typeof SETTINGS)[number]).options;

/** The record hook of fetch/fetch-and-extract.ts, as it runs for each page (a chunk's simhash with analysis on). */
function hook(markdown: string, options: BatchOptions) {
  const chunks = options.chunking ? chunkMarkdown(markdown, options.chunking) : null;
  return {
    ...(chunks && {
      chunks: options.analysis === false ? chunks : withRangeSimhashes(markdown, chunks),
    }),
    extractor: extractorOf(options),
  };
}

/** One page's record as the consumer makes it: extraction (analysis on or off), then the hook. */
async function record(bytes: Uint8Array, options: BatchOptions): Promise<string | null> {
  const analyze = options.analysis !== false;
  const r = await extract({ body: bytes, contentType: "text/html", url: PAGE_URL, options: { analyze } });
  if (!r.ok) return null;
  hook(r.value.markdown, options);
  return r.value.markdown;
}

/** Times each page's record is made in each setting per round; the page's time is their median. */
const REPEATS = 5;

/**
 * Every page's record in each setting, REPEATS times, interleaved page by page in an
 * order rotated from page to page: the seconds of each setting over the corpus (each
 * page's median), and the Markdown.
 */
async function round(r: number): Promise<{ seconds: number[]; markdown: string[] }> {
  const seconds = SETTINGS.map(() => 0);
  const markdown: string[] = [];
  for (const [i, p] of pages.entries()) {
    const times: number[][] = SETTINGS.map(() => []);
    for (let rep = 0; rep < REPEATS; rep++) {
      for (let k = 0; k < SETTINGS.length; k++) {
        const which = (i + r + rep + k) % SETTINGS.length;
        const t0 = performance.now();
        const md = await record(p.bytes, (SETTINGS[which] as (typeof SETTINGS)[number]).options);
        times[which]?.push(performance.now() - t0);
        if (which === 0 && rep === 0 && md !== null) markdown.push(md);
      }
    }
    times.forEach((ts, which) => {
      seconds[which] = (seconds[which] as number) + median(ts) / 1000;
    });
  }
  return { seconds, markdown };
}

/** Chunks of each page at 512 tokens (cl100k_base), made untimed for the simhash part. */
let roundChunks: { start: number; end: number }[][] = [];

/** Each part alone over a round's Markdown: what it is timed doing to the page at `index`. */
const parts: { label: string; run: (markdown: string, index: number) => unknown }[] = [
  { label: "simhash, page", run: (md) => pageSimhash(md) },
  {
    // As the record hook does it: the page's chunks take their words from the page's scan.
    label: "simhash, page and its chunks",
    run: (md, i) => {
      pageSimhash(md);
      rangeSimhashes(md, roundChunks[i] ?? []);
    },
  },
  {
    label: "simhash, chunks each read",
    run: (md, i) => (roundChunks[i] ?? []).map((c) => simhash64(md.slice(c.start, c.end))),
  },
  { label: "language", run: (md) => detectLanguage(md) },
  {
    label: "quality score",
    run: (md) =>
      extractionQuality({
        method: "main",
        contentChars: md.length,
        pageChars: md.length,
        wordCount: 100,
        truncated: false,
        needsRendering: false,
        ...markdownShape(md),
      }),
  },
  { label: "chunking 512 cl100k_base", run: (md) => chunkMarkdown(md, chunking(512, 0, "cl100k_base")) },
  { label: "chunking 256/32 cl100k_base", run: (md) => chunkMarkdown(md, chunking(256, 32, "cl100k_base")) },
  { label: "chunking 512 o200k_base", run: (md) => chunkMarkdown(md, chunking(512, 0, "o200k_base")) },
  { label: "record hook, options off", run: (md) => hook(md, OFF) },
];

/** Seconds of `run` over every page's Markdown (each page's median of REPEATS). */
function time(markdown: string[], run: (md: string, index: number) => unknown): number {
  roundChunks = markdown.map((md) => chunkMarkdown(md, chunking(512, 0, "cl100k_base")));
  let total = 0;
  for (const [i, md] of markdown.entries()) {
    const times: number[] = [];
    for (let rep = 0; rep < REPEATS; rep++) {
      const t0 = performance.now();
      run(md, i);
      times.push(performance.now() - t0);
    }
    total += median(times);
  }
  return total / 1000;
}

// Warm-up: JIT, the tokenizers' piece memos and merge caches, as a long-running consumer has them.
const warm = await round(0);
for (const part of parts) time(warm.markdown, part.run);

const added: number[][] = SETTINGS.map(() => []);
const extractSeconds: number[] = [];
const shares: number[][] = parts.map(() => []);
for (let r = 1; r <= ROUNDS; r++) {
  const { seconds, markdown } = await round(r);
  const off = seconds[0] as number;
  extractSeconds.push(off);
  seconds.forEach((s, i) => {
    added[i]?.push(s / off - 1);
  });
  parts.forEach((part, i) => {
    shares[i]?.push(time(markdown, part.run) / off);
  });
}

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
const spread = (xs: number[]) =>
  `median ${pct(median(xs)).padStart(7)} (rounds ${pct(sorted(xs)[0] ?? 0)}..${pct(sorted(xs).at(-1) ?? 0)})`;
const sumOf = (labels: string[]) =>
  Array.from({ length: ROUNDS }, (_, r) =>
    parts.reduce((s, p, i) => s + (labels.includes(p.label) ? (shares[i]?.[r] ?? 0) : 0), 0),
  );
const bytes = warm.markdown.reduce((s, m) => s + m.length, 0);

console.log(
  `Readability corpus: ${warm.markdown.length} pages, ${(bytes / 1e6).toFixed(2)} M chars of Markdown; ${ROUNDS} rounds`,
);
console.log(
  `extractor, both options off: median ${(median(extractSeconds) * 1000).toFixed(0)} ms a pass (each page's median of ${REPEATS})`,
);
console.log("records made in the same rounds, against both off:");
SETTINGS.forEach((setting, i) => {
  if (i === 0) return;
  const budget = i === SETTINGS.length - 1 ? "   (the issue's budget: 15%)" : "";
  console.log(`  ${setting.label.padEnd(30)} adds ${spread(added[i] ?? [])}${budget}`);
});
// What a record with both options on does besides extracting: the page's analysis, and its chunks with their simhashes.
const summed = ["simhash, page and its chunks", "language", "quality score", "chunking 512 cl100k_base"];
console.log(`each part alone, as a share of the extractor with both off:`);
parts.forEach((part, i) => {
  console.log(`  ${part.label.padEnd(30)} ${spread(shares[i] ?? [])}`);
});
console.log(`  ${"simhashes, language, quality, chunking 512: summed".padEnd(30)} ${spread(sumOf(summed))}`);
console.log(`tokenizer and language tables' load (once per isolate): ${loads.join("; ")}`);
