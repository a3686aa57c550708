// What the content options cost: the `chunking` record hook (512 tokens, cl100k_base) and
// `analysis` (simhash, language, quality score) together, as a share of the extractor's
// time on the Readability corpus (as bench:extract times it), in the same process. The
// issue's budget: at most 15% together, nothing with both off.
//
// Each round makes every page's record four times: both options off, analysis only,
// chunking only, both on, rotating which goes first from page to page and round to round,
// so load on a shared machine and warm caches hit all four alike; a round's figure for a
// setting is its time over the corpus / the time with both off - 1. Then, over the
// Markdown of that round, each part alone (simhash, language, quality score, chunking at
// 512, at 256 with overlap 32, with o200k_base) and the record hook with the options off,
// each as a share of the round's extraction time with both off.
// Times are the process's CPU time (process.cpuUsage, microseconds; the thread's own is
// counted in 4 ms ticks), not the wall clock: on a shared machine another process taking
// the core mid-page then costs neither side.
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

/** Milliseconds of CPU time this process has used. */
function cpuNow(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

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
const { simhash64 } = await import("../lib/simhash");
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
      chunks: options.analysis === false ? chunks : chunks.map((c) => ({ ...c, simhash: simhash64(c.text) })),
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

/** Every page's record in each setting, interleaved: CPU seconds of each, and the Markdown. */
async function round(r: number): Promise<{ seconds: number[]; markdown: string[] }> {
  const seconds = SETTINGS.map(() => 0);
  const markdown: string[] = [];
  for (const [i, p] of pages.entries()) {
    for (let k = 0; k < SETTINGS.length; k++) {
      const which = (i + r + k) % SETTINGS.length;
      const t0 = cpuNow();
      const md = await record(p.bytes, (SETTINGS[which] as (typeof SETTINGS)[number]).options);
      seconds[which] = (seconds[which] as number) + (cpuNow() - t0) / 1000;
      if (which === 0 && md !== null) markdown.push(md);
    }
  }
  return { seconds, markdown };
}

/** Each part alone over a round's Markdown: what it is timed doing to one page. */
const parts: { label: string; run: (markdown: string) => unknown }[] = [
  { label: "simhash", run: (md) => simhash64(md) },
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
  {
    label: "chunking 512 + chunk simhashes",
    run: (md) => {
      for (const c of chunkMarkdown(md, chunking(512, 0, "cl100k_base"))) simhash64(c.text);
    },
  },
  { label: "chunking 256/32 cl100k_base", run: (md) => chunkMarkdown(md, chunking(256, 32, "cl100k_base")) },
  { label: "chunking 512 o200k_base", run: (md) => chunkMarkdown(md, chunking(512, 0, "o200k_base")) },
  { label: "record hook, options off", run: (md) => hook(md, OFF) },
];

/** CPU seconds of `run` over every page's Markdown. */
function time(markdown: string[], run: (md: string) => unknown): number {
  const t0 = cpuNow();
  for (const md of markdown) run(md);
  return (cpuNow() - t0) / 1000;
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

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const median = (xs: number[]) => sorted(xs)[Math.floor(xs.length / 2)] ?? 0;
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
console.log(`extractor, both options off: median ${(median(extractSeconds) * 1000).toFixed(0)} ms of CPU a pass`);
console.log("records made in the same rounds, against both off:");
SETTINGS.forEach((setting, i) => {
  if (i === 0) return;
  const budget = i === SETTINGS.length - 1 ? "   (the issue's budget: 15%)" : "";
  console.log(`  ${setting.label.padEnd(30)} adds ${spread(added[i] ?? [])}${budget}`);
});
// What a record with both options on does besides extracting: the page's analysis, and its chunks with their simhashes.
const summed = ["simhash", "language", "quality score", "chunking 512 + chunk simhashes"];
console.log(`each part alone, as a share of the extractor with both off:`);
parts.forEach((part, i) => {
  console.log(`  ${part.label.padEnd(30)} ${spread(shares[i] ?? [])}`);
});
console.log(`  ${"the first four, summed".padEnd(30)} ${spread(sumOf(summed))}`);
console.log(`tokenizer and language tables' load (once per isolate): ${loads.join("; ")}`);
