// `npm run bench:incremental [PAGES] [CHANGED_PERCENT]`: what an incremental run saves,
// through the real local service. PAGES pages of about 60 KB (default 1,000) are crawled
// once, CHANGED_PERCENT of them (default 5) change, and a second run names the first as
// `previousBatch`: it sends their validators, and the unchanged ones answer 304 without a
// body. Three such pairs, each on new pages; printed per pair and as medians: the second
// run's time and bodies fetched as ratios of the first's, and its exact change counts.
import { startOrigin } from "../demo/origin-server";
import { TrawlClient } from "../test/e2e/client";
import { startWranglerDev } from "../test/support/wrangler-dev";

const pageCount = Number(process.argv[2] ?? 1000);
const changedPercent = Number(process.argv[3] ?? 5);
const PAIRS = 3;

/** Page versions by path; a page never bumped is at version 1. */
const versions = new Map<string, number>();
const FILLER = Array.from(
  { length: 120 },
  (_, i) => `<p>Paragraph ${i} of a long page: the words a real article or product page carries, to make it heavy.</p>`,
).join("\n");

const origin = await startOrigin({
  routes: (req, res, url) => {
    if (!url.pathname.startsWith("/item/")) return false;
    const version = versions.get(url.pathname) ?? 1;
    const etag = `"${version}"`;
    if (req.headers["if-none-match"] === etag) {
      res.writeHead(304, { etag }).end();
      return true;
    }
    res.writeHead(200, { "content-type": "text/html; charset=utf-8", etag });
    res.end(
      `<!doctype html><title>Item ${url.pathname}</title><main><article><h1>Item ${url.pathname}</h1>` +
        `<p>Revision ${version}.</p>${FILLER}</article></main>`,
    );
    return true;
  },
});
// Politeness is not what this measures: one origin, no pacing, as many at once as a consumer holds.
const dev = await startWranglerDev({
  allowedOrigins: [origin.url],
  vars: { HOST_MIN_INTERVAL_MS: "0", HOST_MAX_CONCURRENCY: "16" },
});
const client = new TrawlClient(dev.url, "dev-key");

interface Changes {
  new: number;
  changed: number;
  unchanged: number;
  removed: number;
}

/** Runs one batch to its manifest; answers seconds taken, bodies the origin sent for it, and its change counts. */
async function run(
  urls: string[],
  previousBatch?: string,
): Promise<{ id: string; seconds: number; bodies: number; changes: Changes }> {
  const logged = origin.requests.length;
  const started = performance.now();
  const created = await client.submit(previousBatch ? { urls, previousBatch } : { urls });
  if (created.status !== 202) throw new Error(`submit answered ${created.status}: ${JSON.stringify(created.body)}`);
  await client.waitForPublished(created.body.id, 600_000);
  const seconds = (performance.now() - started) / 1000;
  const bodies = origin.requests.slice(logged).filter((r) => r.path.startsWith("/item/") && r.status === 200).length;
  const status = (await (await client.request(`/v1/batches/${created.body.id}`)).json()) as { changes: Changes };
  return { id: created.body.id, seconds, bodies, changes: status.changes };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
const timeRatios: number[] = [];
const bodyRatios: number[] = [];
try {
  for (let pair = 0; pair < PAIRS; pair++) {
    const urls = Array.from({ length: pageCount }, (_, n) => `${origin.url}/item/${pair}-${Date.now()}-${n}`);
    const first = await run(urls);
    const changed = Math.round((pageCount * changedPercent) / 100);
    for (let n = 0; n < changed; n++)
      versions.set(new URL(urls[n * Math.floor(pageCount / changed)] as string).pathname, 2);
    const second = await run(urls, first.id);
    timeRatios.push(second.seconds / first.seconds);
    bodyRatios.push(second.bodies / first.bodies);
    console.log(
      `pair ${pair + 1}: first ${first.seconds.toFixed(1)} s, ${first.bodies} bodies; ` +
        `second ${second.seconds.toFixed(1)} s, ${second.bodies} bodies; changes ${JSON.stringify(second.changes)}`,
    );
  }
  const spread = (values: number[]) => `${Math.min(...values).toFixed(2)}..${Math.max(...values).toFixed(2)}`;
  console.log(
    `\nincremental run vs first run, ${pageCount} pages, ${changedPercent}% changed (median of ${PAIRS} pairs):`,
  );
  console.log(`  time          ${median(timeRatios).toFixed(2)}x (${spread(timeRatios)})`);
  console.log(`  bodies fetched ${median(bodyRatios).toFixed(2)}x (${spread(bodyRatios)})`);
} finally {
  await dev.stop();
  await origin.close();
}
