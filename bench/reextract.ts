// `npm run bench:reextract [PAGES]`: what keeping pages costs and what re-extracting
// them saves, through the real local service. Three rounds on new pages (default 1,000
// of about 12 KB): a plain crawl, the same pages crawled with `keepRaw`, then the kept
// batch re-extracted with other options. Printed per round and as medians with their
// spread: the kept crawl's time as a ratio of the plain one's, the re-extraction's time
// as a ratio of the kept crawl's, the origin requests the re-extraction made (0), and
// the service's peak memory during the re-extraction next to the crawl's.
import { startOrigin } from "../demo/origin-server";
import { TrawlClient } from "../test/e2e/client";
import { startWranglerDev } from "../test/support/wrangler-dev";
import { sampleGroupMemory } from "./memory-sampler";

const pageCount = Number(process.argv[2] ?? 1000);
const ROUNDS = 3;
const FILLER = Array.from(
  { length: 24 },
  (_, i) => `<p>Paragraph ${i} of a page: the words a real article or product page carries, to give it weight.</p>`,
).join("\n");

const origin = await startOrigin({
  routes: (_req, res, url) => {
    if (!url.pathname.startsWith("/doc/")) return false;
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(
      `<!doctype html><title>Doc ${url.pathname}</title><nav><a href="/">Home</a></nav>` +
        `<main><article><h1>Doc ${url.pathname}</h1>${FILLER}</article></main><footer>Footer</footer>`,
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

/** Runs one batch (a submission or a re-extraction) to its manifest: seconds, origin requests, peak MB. */
async function run(
  start: () => Promise<Response>,
): Promise<{ id: string; seconds: number; asked: number; mb: number }> {
  const logged = origin.requests.length;
  const memory = sampleGroupMemory(dev.pgid, 250);
  const started = performance.now();
  const response = await start();
  const body = (await response.json()) as { id: string };
  if (response.status !== 202) throw new Error(`answered ${response.status}: ${JSON.stringify(body)}`);
  await client.waitForPublished(body.id, 900_000);
  const seconds = (performance.now() - started) / 1000;
  return { id: body.id, seconds, asked: origin.requests.length - logged, mb: memory.stop() };
}

const post = (path: string, body: unknown) => () =>
  client.request(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
const spread = (values: number[]) => `${Math.min(...values).toFixed(2)}..${Math.max(...values).toFixed(2)}`;
const keepCost: number[] = [];
const reextractTime: number[] = [];
const memoryRatio: number[] = [];
try {
  for (let round = 0; round < ROUNDS; round++) {
    const urls = (tag: string) =>
      Array.from({ length: pageCount }, (_, n) => `${origin.url}/doc/${round}-${tag}-${Date.now()}/${n}`);
    const plain = await run(post("/v1/batches", { urls: urls("plain") }));
    const kept = await run(post("/v1/batches", { urls: urls("kept"), options: { keepRaw: true } }));
    const again = await run(
      post(`/v1/batches/${kept.id}/reextract`, { formats: ["markdown", "text"], onlyMainContent: false }),
    );
    keepCost.push(kept.seconds / plain.seconds);
    reextractTime.push(again.seconds / kept.seconds);
    memoryRatio.push(again.mb / kept.mb);
    console.log(
      `round ${round + 1}: plain ${plain.seconds.toFixed(1)} s; keepRaw ${kept.seconds.toFixed(1)} s, peak ${kept.mb.toFixed(0)} MB; ` +
        `re-extraction ${again.seconds.toFixed(1)} s, ${again.asked} origin requests, peak ${again.mb.toFixed(0)} MB`,
    );
    if (again.asked !== 0) throw new Error(`the re-extraction asked the origin ${again.asked} times`);
  }
  console.log(`\n${pageCount} pages, median of ${ROUNDS} rounds (spread):`);
  console.log(`  keepRaw crawl / plain crawl, time          ${median(keepCost).toFixed(2)}x (${spread(keepCost)})`);
  console.log(
    `  re-extraction / keepRaw crawl, time        ${median(reextractTime).toFixed(2)}x (${spread(reextractTime)})`,
  );
  console.log(
    `  re-extraction / keepRaw crawl, peak memory ${median(memoryRatio).toFixed(2)}x (${spread(memoryRatio)})`,
  );
  console.log("  origin requests during re-extraction       0");
} finally {
  await dev.stop();
  await origin.close();
}
