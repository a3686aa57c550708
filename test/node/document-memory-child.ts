// Reads one document (the file named by its argument) and prints what it took; run by
// document-memory.test.ts under a 128 MB heap.
import { readFileSync } from "node:fs";
import { extract } from "../../lib/extract";
import { DEFAULT_DOCUMENT_LIMITS } from "../../lib/extract/document-limits";

const bytes = new Uint8Array(readFileSync(process.argv[2] ?? ""));
globalThis.gc?.();
const base = process.memoryUsage();
let peakHeap = base.heapUsed;
let peakIsolate = base.heapUsed + base.external;
let peakRss = base.rss;
const sampler = setInterval(() => {
  const m = process.memoryUsage();
  peakHeap = Math.max(peakHeap, m.heapUsed);
  peakIsolate = Math.max(peakIsolate, m.heapUsed + m.external);
  peakRss = Math.max(peakRss, m.rss);
}, 2);
const result = await extract({
  body: bytes,
  contentType: "application/pdf",
  url: "https://memory.test/near-caps.pdf",
  options: { documents: { ...DEFAULT_DOCUMENT_LIMITS, timeBudgetMs: 600_000 } },
});
clearInterval(sampler);
const m = process.memoryUsage();
console.log(
  JSON.stringify({
    bytes: bytes.length,
    ok: result.ok,
    code: result.ok ? null : result.error.code,
    pageCount: result.ok ? result.value.pageCount : null,
    words: result.ok ? result.value.wordCount : null,
    truncated: result.ok ? (result.value.truncated ?? false) : null,
    peakHeap: Math.max(peakHeap, m.heapUsed),
    peakIsolate: Math.max(peakIsolate, m.heapUsed + m.external),
    peakRss: Math.max(peakRss, m.rss),
    baseRss: base.rss,
  }),
);
