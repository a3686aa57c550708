// Chunking benchmark: what the `chunking` option adds to a record, as a ratio of the
// extractor's own time on the same pages in the same process (the Readability corpus,
// as bench:extract times it). Rounds alternate extract and chunk, so load drift on a
// shared machine hits both alike; the ratio is the median round's, with the spread.
// Also: the tokenizers' load (module evaluation and first count), once, before anything
// else has warmed them, and the record hook with chunking off (what every batch pays).
// Run: npm run bench:chunk   (BENCH_ROUNDS, default 5; TRAWL_CORPUS points at another copy)
import { performance } from "node:perf_hooks";
import type { ChunkingOptions } from "../lib/chunk/options";
import type { BatchOptions } from "../lib/schemas";
import { loadReadability, readabilityDir } from "../test/support/corpora";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const PAGE_URL = "http://fakehost/test/page.html";

// Loaded first and timed: module evaluation (the BPE rank tables) and the first count.
const loads: string[] = [];
for (const encoding of ["cl100k_base", "o200k_base"] as const) {
  const t0 = performance.now();
  const mod = await import(`gpt-tokenizer/encoding/${encoding}`);
  const t1 = performance.now();
  mod.countTokens("Warm the merge cache with one sentence.");
  loads.push(`${encoding}: import ${(t1 - t0).toFixed(0)} ms, first count ${(performance.now() - t1).toFixed(1)} ms`);
}
const { chunkMarkdown } = await import("../lib/chunk/chunk-markdown");
const { extract } = await import("../lib/extract");
const { extractorOf } = await import("../lib/extract/provenance");
const { BatchOptions: BatchOptionsSchema } = await import("../lib/schemas");

const dir = readabilityDir();
if (!dir) {
  console.log("Readability corpus not found (../shared/corpus/readability or TRAWL_CORPUS): skipped");
  process.exit(0);
}
const pages = loadReadability(dir);

/** The record hook of fetch/fetch-and-extract.ts, as it runs for each page. */
function hook(markdown: string, options: BatchOptions) {
  return {
    ...(options.chunking && { chunks: chunkMarkdown(markdown, options.chunking) }),
    extractor: extractorOf(options),
  };
}

const settings: { label: string; chunking?: ChunkingOptions }[] = [
  { label: "chunking off" },
  { label: "512 cl100k_base", chunking: { maxTokens: 512, overlapTokens: 0, tokenizer: "cl100k_base" } },
  { label: "256 cl100k_base, overlap 32", chunking: { maxTokens: 256, overlapTokens: 32, tokenizer: "cl100k_base" } },
  { label: "512 o200k_base", chunking: { maxTokens: 512, overlapTokens: 0, tokenizer: "o200k_base" } },
];
const optionsOf = settings.map((s) => BatchOptionsSchema.parse(s.chunking ? { chunking: s.chunking } : {}));

async function extractAll(): Promise<{ seconds: number; markdown: string[] }> {
  const markdown: string[] = [];
  const t0 = performance.now();
  for (const p of pages) {
    const r = await extract({ body: p.bytes, contentType: "text/html", url: PAGE_URL });
    if (r.ok) markdown.push(r.value.markdown);
  }
  return { seconds: (performance.now() - t0) / 1000, markdown };
}

function chunkAll(markdown: string[], options: BatchOptions): { seconds: number; chunks: number } {
  let chunks = 0;
  const t0 = performance.now();
  for (const md of markdown) chunks += hook(md, options).chunks?.length ?? 0;
  return { seconds: (performance.now() - t0) / 1000, chunks };
}

// Warm-up: JIT and the tokenizers' merge caches, as a long-running consumer has them.
const { markdown } = await extractAll();
for (const options of optionsOf) chunkAll(markdown, options);

// The floor any exact chunker pays: the tokenizer counting each page's Markdown once.
const { countTokens } = await import("gpt-tokenizer/encoding/cl100k_base");
const floor: number[] = [];
const ratios: number[][] = settings.map(() => []);
const chunkCounts: number[] = settings.map(() => 0);
const extractSeconds: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  const ex = await extractAll();
  extractSeconds.push(ex.seconds);
  const t0 = performance.now();
  for (const md of ex.markdown) countTokens(md);
  floor.push((performance.now() - t0) / 1000 / ex.seconds);
  optionsOf.forEach((options, i) => {
    const c = chunkAll(ex.markdown, options);
    ratios[i]?.push(c.seconds / ex.seconds);
    chunkCounts[i] = c.chunks;
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
const bytes = markdown.reduce((s, m) => s + m.length, 0);
console.log(`chunking, Readability corpus: ${markdown.length} pages, ${(bytes / 1e6).toFixed(2)} M chars of Markdown`);
console.log(`extractor: median ${(median(extractSeconds) * 1000).toFixed(0)} ms a pass, ${ROUNDS} rounds`);
settings.forEach((s, i) => {
  const r = ratios[i] ?? [];
  const sorted = [...r].sort((a, b) => a - b);
  console.log(
    `${s.label.padEnd(30)} ${String(chunkCounts[i]).padStart(6)} chunks   cost ${pct(median(r)).padStart(7)} of extract (rounds ${pct(sorted[0] ?? 0)}..${pct(sorted[sorted.length - 1] ?? 0)})`,
  );
});
console.log(`floor: cl100k_base counting each page once costs ${pct(median(floor))} of extract`);
console.log(`tokenizer load (once per isolate): ${loads.join("; ")}`);
