// `npm run bench:pipeline [N]`: N URLs (default 5,000) through the real local service
// (`wrangler dev`), served by a local origin from the pages of ../shared/corpus (or
// generated articles where the corpus is absent). Prints, in one run: pages/s end to
// end; the extractor alone over the same N pages in this Node process (the ceiling:
// everything else the pipeline does is overhead on top of it) and the ratio of the
// two; plain Node fetching the same pages (no extraction); per-URL fetch p50/p95; and
// the local runtime's peak memory.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { articlePage, startOrigin } from "../demo/origin-server";
import { extract } from "../lib/extract";
import { TrawlClient } from "../test/e2e/client";
import { startWranglerDev } from "../test/support/wrangler-dev";
import { compareWithModel } from "./cost-model";
import { startCpuProfile } from "./cpu-profile";
import { sampleGroupMemory } from "./memory-sampler";

const total = Number(process.argv[2] ?? process.env.BENCH_URLS ?? 5000);
const corpusDir = process.env.TRAWL_CORPUS ?? join(import.meta.dirname, "../../shared/corpus/readability");
const pages: Buffer[] = existsSync(corpusDir)
  ? readdirSync(corpusDir, { withFileTypes: true })
      .filter((d) => d.isDirectory() && existsSync(join(corpusDir, d.name, "source.html")))
      .map((d) => readFileSync(join(corpusDir, d.name, "source.html")))
  : Array.from({ length: 100 }, (_, n) => Buffer.from(articlePage(n)));

const origin = await startOrigin({
  routes: (_req, res, url) => {
    const match = /^\/bench\/(\d+)$/.exec(url.pathname);
    if (!match) return false;
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(pages[Number(match[1]) % pages.length]);
    return true;
  },
});
const urls = Array.from({ length: total }, (_, i) => `${origin.url}/bench/${i}`);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

// Baseline: the same pages fetched by plain Node, 6 at a time.
const baselineStart = performance.now();
let next = 0;
await Promise.all(
  Array.from({ length: 6 }, async () => {
    while (next < urls.length) {
      const url = urls[next++] as string;
      await (await fetch(`${url}?baseline`)).arrayBuffer();
    }
  }),
);
const baselineSeconds = (performance.now() - baselineStart) / 1000;

// Ceiling: the extractor alone, one page after another, over the same N pages.
const extractStart = performance.now();
for (let i = 0; i < total; i++) {
  const body = new Uint8Array(pages[i % pages.length] as Buffer);
  await extract({ body, contentType: "text/html; charset=utf-8", url: `${origin.url}/bench/${i}`, options: {} });
}
const extractSeconds = (performance.now() - extractStart) / 1000;

// What the origin answered before the batch (the baseline's requests), so the batch's own are the rest.
const answeredBefore = origin.requests.length;
const dev = await startWranglerDev({ allowedOrigins: [origin.url] });
const memory = sampleGroupMemory(dev.pgid, 200);

try {
  const client = new TrawlClient(dev.url, "dev-key");
  const profiler = process.env.BENCH_PROFILE ? await startCpuProfile(dev.inspectorPort) : null;
  const started = performance.now();
  const response = await client.request("/v1/batches", {
    method: "POST",
    headers: { "content-type": "text/plain" },
    body: urls.join("\n"),
  });
  if (response.status !== 202) throw new Error(`submit failed: ${response.status} ${await response.text()}`);
  const { id } = (await response.json()) as { id: string };
  const done = await client.waitForPublished(id, 30 * 60_000);
  const seconds = (performance.now() - started) / 1000;
  if (profiler) {
    const { byFile, byFunction, totalMs } = await profiler.stop();
    const share = (ms: number) => `${((ms / totalMs) * 100).toFixed(1).padStart(5)}%`;
    console.log(`CPU profile of the Worker's thread (${(totalMs / 1000).toFixed(1)} s sampled, idle included):`);
    for (const [file, ms] of byFile.slice(0, 25)) console.log(`  ${share(ms)}  ${file}`);
    console.log("busiest functions:");
    for (const [fn, ms] of byFunction.slice(0, 25)) console.log(`  ${share(ms)}  ${fn}`);
  }
  const records = await client.downloadAll(id);
  const durations = records.map((r) => r.durationMs ?? 0).sort((a, b) => a - b);
  const bytes = records.reduce((sum, r) => sum + (r.markdown?.length ?? 0), 0);
  const trawlRate = total / seconds;
  const baselineRate = total / baselineSeconds;
  console.log(
    `pipeline bench: ${total} URLs from ${pages.length} distinct pages (${existsSync(corpusDir) ? "corpus" : "generated"})`,
  );
  console.log(`  counts            ${JSON.stringify(done.counts)}`);
  console.log(
    `  trawl             ${trawlRate.toFixed(1)} pages/s  (${seconds.toFixed(1)} s, submit → manifest published)`,
  );
  console.log(`  baseline fetch    ${baselineRate.toFixed(1)} pages/s  (plain Node fetch, 6 at a time, no extraction)`);
  const extractRate = total / extractSeconds;
  console.log(`  extractor alone   ${extractRate.toFixed(1)} pages/s  (the same pages, in this Node process)`);
  console.log(`  ratio             ${(trawlRate / extractRate).toFixed(2)}x of the extractor alone (target 0.5)`);
  console.log(`                    ${(trawlRate / baselineRate).toFixed(2)}x of the plain fetch loop`);
  console.log(`  per-URL fetch     p50 ${percentile(durations, 50)} ms, p95 ${percentile(durations, 95)} ms`);
  console.log(`  markdown out      ${(bytes / 1e6).toFixed(1)} MB`);
  console.log(`  peak memory       ${memory.stop().toFixed(0)} MB RSS (wrangler + workerd, sampled every 200 ms)`);
  // The cost ledger against the origin's own count and docs/scaling.md's model.
  const ledger = done.cost.counts;
  const answered = origin.requests.slice(answeredBefore);
  const bodyBytes = answered.filter((r) => r.status === 200).reduce((sum, r) => sum + (r.bytes ?? 0), 0);
  console.log(`  cost ledger       ~$${done.cost.estimatedUsd} at the prices of ${done.cost.priceTableDate}`);
  console.log(`    fetches         ${ledger.fetches} counted, ${answered.length} answered by the origin`);
  console.log(`    bytes fetched   ${ledger.bytesFetched} counted, ${bodyBytes} sent in 200 answers by the origin`);
  const model = compareWithModel(ledger, total);
  console.log(
    `    per page against docs/scaling.md (${model.within ? "all within their margins" : "SOME OUTSIDE their margins"}):`,
  );
  for (const line of model.lines) console.log(line);
} finally {
  memory.stop();
  await dev.stop();
  await origin.close();
}
