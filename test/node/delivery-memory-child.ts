// One queue delivery's worth of pages through the consumer's per-URL work, held the
// way the consumer holds it (workers/consumer.ts): each chunk's records kept until its
// part is encoded, the delivery's fetches FETCH_CONCURRENCY at a time, every chunk at
// once. The pages come from memory instead of an origin (fetch/fetch-and-extract.ts's
// PageSource seam), each read a fresh copy of its bytes as a fetch would give. Prints
// the peak of the JavaScript heap and of heap + buffers outside it, above the baseline
// taken once the pages are loaded. Past the isolate's held records (HELD_RECORD_BYTES), a
// URL goes back to the queue ("retry") as the consumer sends it. Run by delivery-memory.test.ts and
// bench/delivery-memory.ts under a capped heap: needing more than the cap ends it with
// an out-of-memory crash.
import { readFileSync } from "node:fs";
import { fetchAndExtract, type PageSource } from "../../fetch/fetch-and-extract";
import { fetchLimitsFrom } from "../../fetch/fetcher";
import { HeldRecords } from "../../fetch/held-records";
import { createLimiter } from "../../lib/concurrency";
import type { ClaimEntry } from "../../lib/coordinator-protocol";
import { encodePart } from "../../lib/result-parts";
import { BatchOptions, type ResultRecord } from "../../lib/schemas";
import { parseSettings } from "../../lib/settings";
import { FETCH_CONCURRENCY, HELD_RECORD_BYTES } from "../../workers/consumer";
import { pageFromMemory } from "../support/memory-page";
import { worstPages } from "../support/worst-pages";

interface Job {
  /** Files of the pages, or "generated" for the worst-case pages of test/support/worst-pages.ts. */
  pages: string[] | "generated";
  /** Chunks in the delivery and URLs in each (the queue's max_batch_size and CHUNK_SIZE). */
  chunks: number;
  chunkSize: number;
  /** Batch options (defaults where absent), e.g. every format. */
  options: Record<string, unknown>;
  /** Only the generated page of this position (to measure one kind alone). */
  only?: number;
  /** Chunks one after another instead of all at once (each page alone, with chunks of one). */
  sequential?: boolean;
}

const job = JSON.parse(process.argv[2] ?? "{}") as Job;
const settings = parseSettings({});
const limits = fetchLimitsFrom(settings);
const options = BatchOptions.parse(job.options);
const pages =
  job.pages === "generated"
    ? worstPages(settings.MAX_BODY_BYTES).filter((_, i) => job.only === undefined || i === job.only)
    : job.pages.map((file) => ({ name: file, bytes: new Uint8Array(readFileSync(file)) }));

const source: PageSource = {
  read: async (url) => {
    const page = pages[Number(new URL(url).pathname.slice(1)) % pages.length] as (typeof pages)[number];
    return pageFromMemory(url, new Uint8Array(page.bytes), "text/html; charset=utf-8");
  },
};

globalThis.gc?.();
const base = process.memoryUsage();
let peakHeap = 0;
let peakIsolate = 0;
const sample = () => {
  const m = process.memoryUsage();
  peakHeap = Math.max(peakHeap, m.heapUsed - base.heapUsed);
  peakIsolate = Math.max(peakIsolate, m.heapUsed + m.external - base.heapUsed - base.external);
};
const sampler = setInterval(sample, 1);

const limit = createLimiter(FETCH_CONCURRENCY);
const held = new HeldRecords(HELD_RECORD_BYTES);
const outcomes: Record<string, number> = {};
let recordBytes = 0;
let partBytes = 0;
const runChunk = async (c: number) => {
  const entries: ClaimEntry[] = Array.from({ length: job.chunkSize }, (_, i) => {
    const index = c * job.chunkSize + i;
    const url = `https://memory.test/${index}`;
    return { index, id: null, url, key: url, attempts: 0 };
  });
  const written: ResultRecord[] = [];
  const mine = held.chunk();
  await Promise.all(
    entries.map((entry) =>
      limit(async () => {
        // As fetch/origin-group.ts does: past the held records' limit, the URL goes back to the queue.
        const outcome = mine.full()
          ? ({ kind: "retry" } as const)
          : await fetchAndExtract(entry, options, limits, null, source);
        if (outcome.kind === "terminal") mine.hold(outcome.record);
        sample();
        const key =
          outcome.kind === "terminal" ? `${outcome.record.status} ${outcome.record.error?.code ?? ""}` : "retry";
        outcomes[key] = (outcomes[key] ?? 0) + 1;
        if (outcome.kind === "terminal") written.push(outcome.record);
      }),
    ),
  );
  for (const record of written) recordBytes += JSON.stringify(record).length;
  const part = await encodePart(written);
  partBytes += part.bytes;
  sample();
  mine.release();
};
const chunkIds = Array.from({ length: job.chunks }, (_, c) => c);
if (job.sequential) for (const c of chunkIds) await runChunk(c);
else await Promise.all(chunkIds.map(runChunk));
clearInterval(sampler);
sample();
console.log(
  JSON.stringify({
    pages: pages.map((p) => `${p.name} (${p.bytes.length} bytes)`),
    urls: job.chunks * job.chunkSize,
    outcomes,
    recordBytes,
    partBytes,
    peakHeap,
    peakIsolate,
  }),
);
