// `npm run bench:pipeline [N]`: N URLs (default 5,000) through the real local service
// (`wrangler dev`), served by a local origin from the pages of ../shared/corpus (or
// generated articles where the corpus is absent). Prints, in one run: pages/s end to
// end; the extractor alone over the same N pages in this Node process (the ceiling:
// everything else the pipeline does is overhead on top of it) and the ratio of the
// two; plain Node fetching the same pages (no extraction); per-URL fetch p50/p95; and
// the local runtime's peak memory.
//
// Fair to both sides: the ceiling runs `fetchAndExtract`, the consumer's own per-URL
// call, with the batch defaults the service applies, over the same bytes (read from
// memory instead of the network); both are warmed first (the service with a batch of
// every distinct page, the extractor with a pass over them), and BENCH_ROUNDS (default
// 3) batches alternate with BENCH_ROUNDS + 1 extractor rounds (E P E P E P E), so a
// change in the machine's load shows in both. Each batch's ratio is against the mean of
// the extractor rounds either side of it; the run's ratio is the median of those.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { articlePage, startOrigin } from "../demo/origin-server";
import { fetchAndExtract, type PageSource } from "../fetch/fetch-and-extract";
import { type FetchLimits, fetchLimitsFrom } from "../fetch/fetcher";
import { BatchOptions } from "../lib/schemas";
import { parseSettings } from "../lib/settings";
import { TrawlClient } from "../test/e2e/client";
import { pageFromMemory } from "../test/support/memory-page";
import { startWranglerDev } from "../test/support/wrangler-dev";
import { compareWithModel } from "./cost-model";
import { type CpuFigures, startCpuProfile } from "./cpu-profile";
import { sampleGroupMemory } from "./memory-sampler";

const total = Number(process.argv[2] ?? process.env.BENCH_URLS ?? 5000);
const rounds = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));
const corpusDir = process.env.TRAWL_CORPUS ?? join(import.meta.dirname, "../../shared/corpus/readability");
const pages: Buffer[] = existsSync(corpusDir)
  ? readdirSync(corpusDir, { withFileTypes: true })
      .filter((d) => d.isDirectory() && existsSync(join(corpusDir, d.name, "source.html")))
      .map((d) => readFileSync(join(corpusDir, d.name, "source.html")))
  : Array.from({ length: 100 }, (_, n) => Buffer.from(articlePage(n)));
const CONTENT_TYPE = "text/html; charset=utf-8";

const origin = await startOrigin({
  routes: (_req, res, url) => {
    const match = /^\/bench\/(\d+)$/.exec(url.pathname);
    if (!match) return false;
    res.writeHead(200, { "content-type": CONTENT_TYPE }).end(pages[Number(match[1]) % pages.length]);
    return true;
  },
});
/** Batch `r`'s URLs: the same pages in every batch, under paths of its own. */
const urlsOf = (r: number, n: number) =>
  Array.from(
    { length: n },
    (_, i) => `${origin.url}/bench/${r * 1_000_000 + (i % pages.length) + pages.length * Math.floor(i / pages.length)}`,
  );

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}
const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

// The ceiling: the consumer's per-URL call, with the service's defaults, over bytes in memory.
const options = BatchOptions.parse({});
const limits: FetchLimits = fetchLimitsFrom(parseSettings({}));
const fromMemory: PageSource = {
  read: async (url) => {
    const n = Number(/\/bench\/(\d+)$/.exec(url)?.[1] ?? 0);
    const page = pages[n % pages.length] as Buffer;
    return pageFromMemory(url, new Uint8Array(page), CONTENT_TYPE);
  },
};
async function extractRound(urls: string[]): Promise<number> {
  const started = performance.now();
  for (const [index, url] of urls.entries()) {
    const outcome = await fetchAndExtract(
      { index, id: null, url, key: url, attempts: 0 },
      options,
      limits,
      null,
      fromMemory,
    );
    if (outcome.kind !== "terminal" || outcome.record.status !== "succeeded") throw new Error(`${url} did not extract`);
  }
  return urls.length / ((performance.now() - started) / 1000);
}

// Baseline: the same pages fetched by plain Node, 6 at a time.
const baselineUrls = urlsOf(999, total);
const baselineStart = performance.now();
let next = 0;
await Promise.all(
  Array.from({ length: 6 }, async () => {
    while (next < baselineUrls.length) {
      const url = baselineUrls[next++] as string;
      await (await fetch(`${url}?baseline`)).arrayBuffer();
    }
  }),
);
const baselineRate = total / ((performance.now() - baselineStart) / 1000);

const dev = await startWranglerDev({ allowedOrigins: [origin.url] });
const memory = sampleGroupMemory(dev.pgid, 200);
const client = new TrawlClient(dev.url, "dev-key");

/** One batch of `urls` from submit to published manifest: its rate and what it ended as. */
async function batchRound(urls: string[]) {
  const started = performance.now();
  // A kept-alive connection the dev server closed while the extractor ran fails the first
  // send; the Idempotency-Key makes sending again safe.
  const submit = () =>
    client.request("/v1/batches", {
      method: "POST",
      headers: { "content-type": "text/plain", "idempotency-key": `bench-${urls[0]}` },
      body: urls.join("\n"),
    });
  const response = await submit().catch(submit);
  if (response.status !== 202) throw new Error(`submit failed: ${response.status} ${await response.text()}`);
  const { id } = (await response.json()) as { id: string };
  const done = await client.waitForPublished(id, 30 * 60_000);
  const seconds = (performance.now() - started) / 1000;
  if (done.counts.succeeded !== urls.length) throw new Error(`batch ${id} ended ${JSON.stringify(done.counts)}`);
  return { id, done, seconds, rate: urls.length / seconds };
}

try {
  // Warm-up: every distinct page once through each side (JIT, the language tables, the
  // origin's gate and robots.txt), as a long-running consumer's isolate is after a few chunks.
  await extractRound(urlsOf(0, pages.length));
  await batchRound(urlsOf(0, pages.length));

  const extractRates: number[] = [await extractRound(urlsOf(1, total))];
  const batches: Awaited<ReturnType<typeof batchRound>>[] = [];
  const profiler = process.env.BENCH_PROFILE ? await startCpuProfile(dev.inspectorPort) : null;
  for (let r = 1; r <= rounds; r++) {
    batches.push(await batchRound(urlsOf(r, total)));
    extractRates.push(await extractRound(urlsOf(r + 1, total)));
  }
  const figures = profiler ? await profiler.stop() : null;
  const last = batches.at(-1) as (typeof batches)[number];
  const records = await client.downloadAll(last.id).catch(() => client.downloadAll(last.id));
  const durations = records.map((r) => r.durationMs ?? 0).sort((a, b) => a - b);
  const bytes = records.reduce((sum, r) => sum + (r.markdown?.length ?? 0), 0);
  const ratios = batches.map((b, i) => b.rate / (((extractRates[i] as number) + (extractRates[i + 1] as number)) / 2));
  const fixed = (xs: number[], digits = 1) => xs.map((x) => x.toFixed(digits)).join(", ");
  if (figures) printProfile(figures, rounds * total);
  console.log(
    `pipeline bench: ${total} URLs a batch, ${rounds} batches, from ${pages.length} distinct pages (${existsSync(corpusDir) ? "corpus" : "generated"})`,
  );
  console.log(`  counts            ${JSON.stringify(last.done.counts)} (the last batch)`);
  console.log(
    `  trawl             ${median(batches.map((b) => b.rate)).toFixed(1)} pages/s median (${fixed(batches.map((b) => b.rate))}; submit → manifest published)`,
  );
  console.log(`  baseline fetch    ${baselineRate.toFixed(1)} pages/s  (plain Node fetch, 6 at a time, no extraction)`);
  console.log(
    `  extractor alone   ${median(extractRates).toFixed(1)} pages/s median (${fixed(extractRates)}; fetchAndExtract over the same bytes, in this Node process)`,
  );
  console.log(
    `  ratio             ${median(ratios).toFixed(2)}x of the extractor alone, median of ${rounds} (${fixed(ratios, 2)}; target 0.75)`,
  );
  console.log(
    `                    ${(median(batches.map((b) => b.rate)) / baselineRate).toFixed(2)}x of the plain fetch loop`,
  );
  console.log(`  per-URL fetch     p50 ${percentile(durations, 50)} ms, p95 ${percentile(durations, 95)} ms`);
  console.log(`  markdown out      ${(bytes / 1e6).toFixed(1)} MB a batch`);
  console.log(`  peak memory       ${memory.stop().toFixed(0)} MB RSS (wrangler + workerd, sampled every 200 ms)`);
  // The cost ledger of the last batch against the origin's own count and docs/scaling.md's model.
  const ledger = last.done.cost.counts;
  const batchOf = (path: string) => Math.floor(Number(/^\/bench\/(\d+)$/.exec(path)?.[1] ?? -1) / 1_000_000);
  const mine = origin.requests.filter((r) => batchOf(r.path) === rounds);
  const bodyBytes = mine.filter((r) => r.status === 200).reduce((sum, r) => sum + (r.bytes ?? 0), 0);
  console.log(`  cost ledger       ~$${last.done.cost.estimatedUsd} at the prices of ${last.done.cost.priceTableDate}`);
  console.log(
    `    fetches         ${ledger.fetches} counted, ${mine.length} pages answered by the origin (robots.txt was read in the warm-up)`,
  );
  console.log(`    bytes fetched   ${ledger.bytesFetched} counted, ${bodyBytes} sent in 200 answers by the origin`);
  const model = compareWithModel(ledger, total);
  console.log(
    `    per page against docs/scaling.md (${model.within ? "all within their margins" : "SOME OUTSIDE their margins"}):`,
  );
  for (const line of model.lines) console.log(line);
} catch (error) {
  console.error(`wrangler dev said:\n${dev.log().slice(-4000)}`);
  throw error;
} finally {
  memory.stop();
  await dev.stop();
  await origin.close();
}

/** Where the Worker's thread went: extraction (the work the ceiling measures) against the rest. */
function printProfile(figures: CpuFigures, pagesProfiled: number): void {
  const { byFile, byFunction, inclusive, totalMs, idleMs, under } = figures;
  const share = (ms: number) => `${((ms / totalMs) * 100).toFixed(1).padStart(5)}%`;
  console.log(`CPU profile of the Worker's thread (${(totalMs / 1000).toFixed(1)} s sampled, idle included):`);
  const extracting = under(isExtraction);
  const busy = totalMs - idleMs;
  console.log(`  ${share(idleMs)}  idle`);
  console.log(`  ${share(extracting)}  extraction (lib/extract and the parsers under it)`);
  const perPage = (ms: number) => `${(ms / pagesProfiled).toFixed(2)} ms a page`;
  console.log(
    `  ${share(busy - extracting)}  everything else, ${perPage(busy - extracting)} (extraction ${perPage(extracting)})`,
  );
  console.log("by file (self time):");
  for (const [file, ms] of byFile.slice(0, 30)) console.log(`  ${share(ms)}  ${file}`);
  console.log("busiest functions (self time):");
  for (const [fn, ms] of byFunction.slice(0, 30)) console.log(`  ${share(ms)}  ${fn}`);
  console.log("outside extraction, by function with its callees (inclusive time):");
  const outside = inclusive.filter(([fn]) => !isExtraction(fn.slice(fn.lastIndexOf(" ") + 1).replace(/:\d+$/, "")));
  for (const [fn, ms] of outside.slice(0, 40)) console.log(`  ${share(ms)}  ${fn}`);
}

/** The extractor's own files and the parsers it drives. */
function isExtraction(file: string): boolean {
  return (
    file.startsWith("lib/extract/") ||
    file === "lib/language.ts" ||
    file === "lib/simhash.ts" ||
    /^(htmlparser2|domhandler|domutils|css-select|css-what|nth-check|entities|dom-serializer|turndown|turndown-plugin-gfm|eld)$/.test(
      file,
    )
  );
}
