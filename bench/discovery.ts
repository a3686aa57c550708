// `npm run bench:discovery [FILES] [PER_FILE]`: discovery at catalog scale through the
// real local service. A sitemap index of FILES gzip sitemaps of PER_FILE URLs each
// (default 50 × 50,000: 2.5 million URLs, the protocol's largest files) is served by a
// local origin and discovered by one batch, beside a 1-file reference run in the same
// process, each on a fresh `wrangler dev`:
//   - URLs discovered, and the time until discovery is done;
//   - peak memory of wrangler + workerd meanwhile, as a ratio against the reference;
//   - status latency p50/p95 while discovering.
// Page fetching is held to two chunks in flight so the run measures discovery, and the
// batch is deleted once discovery ends (bench:scale measures fetching and cancelling).
import type { ServerResponse } from "node:http";
import { createGzip } from "node:zlib";
import { startOrigin } from "../demo/origin-server";
import { TrawlClient } from "../test/e2e/client";
import { startWranglerDev } from "../test/support/wrangler-dev";
import { sampleGroupMemory } from "./memory-sampler";

const files = Number(process.argv[2] ?? 50);
const perFile = Number(process.argv[3] ?? 50_000);
/**
 * `same` as a third argument: the same FILES discovered twice, the pages on another
 * origin than the sitemaps, then on the sitemaps' own origin (where sitemap reads
 * share the host gate with the batch's page chunks), and the ratio of the two times.
 */
const sameOrigin = process.argv[4] === "same";

/** The pages the sitemaps list: answered, but barely asked for (two chunks in flight). */
const pages = await startOrigin({
  routes: (_req, res, url) => {
    if (!url.pathname.startsWith("/p/")) return false;
    res.writeHead(200, { "content-type": "text/html" }).end(`<title>${url.pathname}</title><main><p>Item</p></main>`);
    return true;
  },
});

/** Writes a gzip sitemap of `perFile` URLs (pages under `base`) as it is made: the bench holds no list either. */
function streamSitemap(res: ServerResponse, file: number, base: string): void {
  res.writeHead(200, { "content-type": "application/x-gzip" });
  const gzip = createGzip({ level: 1 });
  gzip.pipe(res);
  gzip.write('<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n');
  let i = 0;
  const more = () => {
    while (i < perFile) {
      const lines: string[] = [];
      for (const end = Math.min(perFile, i + 1000); i < end; i++) {
        lines.push(`<url><loc>${base}/p/${file}-${i}</loc><lastmod>2026-11-01</lastmod></url>`);
      }
      if (!gzip.write(`${lines.join("\n")}\n`)) return void gzip.once("drain", more);
    }
    gzip.end("</urlset>\n");
  };
  more();
}

const sitemaps = await startOrigin({
  routes: (_req, res, url) => {
    if (url.pathname.startsWith("/p/")) {
      res.writeHead(200, { "content-type": "text/html" }).end(`<title>${url.pathname}</title><main><p>Item</p></main>`);
      return true;
    }
    if (url.pathname === "/index.xml") {
      const count = Number(url.searchParams.get("files"));
      const same = url.searchParams.has("same") ? "?same" : "";
      const children = Array.from(
        { length: count },
        (_, f) => `<sitemap><loc>${sitemaps.url}/part/${f}.xml.gz${same}</loc></sitemap>`,
      );
      res.writeHead(200, { "content-type": "application/xml" });
      res.end(
        `<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">${children.join("\n")}</sitemapindex>`,
      );
      return true;
    }
    const part = /^\/part\/(\d+)\.xml\.gz$/.exec(url.pathname);
    if (!part) return false;
    streamSitemap(res, Number(part[1]), url.searchParams.has("same") ? sitemaps.url : pages.url);
    return true;
  },
});

interface Row {
  files: number;
  found: number;
  seconds: number;
  peakMb: number;
  statusP50: number;
  statusP95: number;
  failed: number;
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

interface DiscoveryView {
  state: string;
  found: number;
  sources: { failed: number };
  errors: unknown[];
}

async function measure(count: number, same = false): Promise<Row> {
  const dev = await startWranglerDev({
    allowedOrigins: [pages.url, sitemaps.url],
    // Comparing origins, page chunks run at the default window (40 in flight), as a real batch's would.
    vars: { MAX_URLS_PER_BATCH: "3000000", ...(!sameOrigin && { MAX_CHUNKS_IN_FLIGHT: "2" }) },
  });
  const memory = sampleGroupMemory(dev.pgid, 250);
  try {
    const client = new TrawlClient(dev.url, "dev-key");
    const t0 = performance.now();
    const index = `${sitemaps.url}/index.xml?files=${count}${same ? "&same" : ""}`;
    const created = await client.submit({ sources: [{ sitemap: index }] });
    if (created.status !== 202) throw new Error(`submit: ${created.status} ${JSON.stringify(created.body)}`);
    const id = created.body.id;
    const latencies: number[] = [];
    let discovery: DiscoveryView | null = null;
    for (;;) {
      const s = performance.now();
      const batch = (await client.status(id)) as unknown as { discovery: DiscoveryView };
      latencies.push(performance.now() - s);
      discovery = batch.discovery;
      if (discovery.state === "done") break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const seconds = (performance.now() - t0) / 1000;
    const peakMb = memory.stop();
    if (discovery.errors.length > 0) console.log(`  source errors: ${JSON.stringify(discovery.errors)}`);
    await client.request(`/v1/batches/${id}`, { method: "DELETE" });
    latencies.sort((a, b) => a - b);
    return {
      files: count,
      found: discovery.found,
      seconds,
      peakMb,
      statusP50: percentile(latencies, 50),
      statusP95: percentile(latencies, 95),
      failed: discovery.sources.failed,
    };
  } finally {
    memory.stop();
    await dev.stop();
  }
}

const rows: Row[] = [];
try {
  if (sameOrigin) {
    const other = await measure(files);
    console.log(`  pages on another origin: ${JSON.stringify(other)}`);
    const same = await measure(files, true);
    console.log(`  pages on the sitemaps' origin: ${JSON.stringify(same)}`);
    console.log(
      `\nsame-origin discovery of ${same.found} URLs: ${same.seconds.toFixed(1)} s against ${other.seconds.toFixed(1)} s with the pages elsewhere: ${(same.seconds / other.seconds).toFixed(2)}x (target under 2x)`,
    );
    if (same.found !== files * perFile || other.found !== files * perFile) process.exitCode = 1;
    process.exit();
  }
  for (const count of [1, files]) {
    const row = await measure(count);
    rows.push(row);
    console.log(`  ${count} files: ${JSON.stringify(row)}`);
  }
} finally {
  await pages.close();
  await sitemaps.close();
}
console.log(`\ndiscovery bench (sitemap index of gzip sitemaps, ${perFile} URLs each):`);
console.log("  files  discovered  seconds  URLs/s   peak MB  status p50/p95 ms  failed sources");
for (const r of rows) {
  console.log(
    `  ${String(r.files).padEnd(5)}  ${String(r.found).padStart(10)}  ${r.seconds.toFixed(1).padStart(7)}  ${Math.round(
      r.found / r.seconds,
    )
      .toString()
      .padStart(
        6,
      )}  ${r.peakMb.toFixed(0).padStart(7)}  ${`${r.statusP50.toFixed(0)}/${r.statusP95.toFixed(0)}`.padStart(
      17,
    )}  ${r.failed}`,
  );
}
const [reference, large] = rows;
if (reference && large) {
  console.log(
    `  memory ratio ${large.files} files / ${reference.files}: ${(large.peakMb / reference.peakMb).toFixed(2)}x`,
  );
}
if (rows.some((r) => r.found !== r.files * perFile || r.failed > 0)) process.exitCode = 1;
