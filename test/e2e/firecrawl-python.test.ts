// Firecrawl's Python SDK (../shared/sdk/firecrawl-py, unchanged) against `wrangler dev`:
// each usual call of its v2 client and of its legacy v1 client is one test, as its users
// write them. Skipped, saying so, where ../shared does not exist.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { siteLinks, sitePath } from "../../demo/linked-site";
import { type Origin, startOrigin } from "../../demo/origin-server";
import { PYTHON_SDK_DIR, type PythonSdk, pythonSdk } from "../support/python-sdk";
import { type DevServer, startWranglerDev } from "../support/wrangler-dev";

let origin: Origin;
let dev: DevServer;
let sdk: PythonSdk | null = null;

const available = await pythonSdk().catch((error: unknown) => {
  throw new Error(`installing the Python SDK from ${PYTHON_SDK_DIR} failed: ${String(error)}`);
});
if (!available) console.warn(`skipping the Python SDK tests: ${PYTHON_SDK_DIR} does not exist`);

beforeAll(async () => {
  if (!available) return;
  sdk = available;
  origin = await startOrigin({
    robots: "User-agent: *\nDisallow: /private/\n",
    routes: async (_req, res, url) => {
      if (!url.pathname.startsWith("/slow/")) return false;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      res.writeHead(200, { "content-type": "text/html" }).end("<main><h1>Slow</h1><p>Slow page body text.</p></main>");
      return true;
    },
  });
  dev = await startWranglerDev({
    allowedOrigins: [origin.url],
    vars: { CHUNK_SIZE: "10", MAX_CHUNKS_IN_FLIGHT: "2" },
  });
}, 900_000);

afterAll(async () => {
  await dev?.stop();
  await origin?.close();
});

const page = (n: number) => `${origin.url}/pages/${n}.html`;
const py = <T>(code: string) => {
  if (!sdk) throw new Error("no SDK");
  return sdk.call<T>(code, { FC_API: dev.url, FC_KEY: "dev-key", FC_ORIGIN: origin.url });
};
/** The pages a depth-1 crawl of the site finds: the root and what it links to. */
const depthOne = () => new Set([0, ...siteLinks(0)].map((n) => `${origin.url}${sitePath(n)}`));

interface Doc {
  markdown?: string;
  html?: string;
  links?: string[];
  metadata?: Record<string, unknown> | null;
  metadata_dict?: Record<string, unknown>;
}
const source = (d: Doc) => (d.metadata?.source_url ?? d.metadata?.sourceURL) as string;

describe.skipIf(!available)("Firecrawl's Python SDK against Trawl", () => {
  it("v2 scrape: formats and tag filters; Markdown keeps the title heading", async () => {
    const doc = await py<Doc>(`out(fc.scrape(ORIGIN + "/pages/7.html", formats=["markdown", "html", "links"],
      include_tags=["article"], exclude_tags=["ul"]))`);
    expect(doc.markdown).toMatch(/^# Article 7\n/);
    expect(doc.markdown).toContain("Paragraph 1 of article 7");
    expect(doc.markdown).not.toContain("first point");
    expect(doc.html).toContain("<p>");
    expect(doc.links).toContain(page(8));
    expect(doc.metadata).toMatchObject({ title: "Article 7", status_code: 200 });
  });

  it("v2 batch_scrape: waits and gets a 130-URL batch whole from one status page", async () => {
    const job = await py<{ status: string; total: number; data: Doc[] }>(
      `urls = [ORIGIN + "/pages/%d.html" % n for n in range(300, 430)]
out(fc.batch_scrape(urls, formats=["markdown"], poll_interval=1, wait_timeout=180))`,
    );
    expect(job.status).toBe("completed");
    expect(job.total).toBe(130);
    expect(job.data.map(source)).toEqual(Array.from({ length: 130 }, (_, i) => page(300 + i)));
  });

  it("v2 start_batch_scrape and get_batch_scrape_status (one status page, no pagination)", async () => {
    const job = await py<{ status: string; completed: number; data: Doc[]; next: string | null }>(
      `import time
started = fc.start_batch_scrape([ORIGIN + "/pages/1.html", ORIGIN + "/pages/2.html"], formats=["markdown"])
for _ in range(120):
    status = fc.get_batch_scrape_status(started.id)
    if status.status == "completed": break
    time.sleep(1)
out(status)`,
    );
    expect(job).toMatchObject({ status: "completed", completed: 2, next: null });
    expect(job.data.map(source)).toEqual([page(1), page(2)]);
  });

  it("v2 get_batch_scrape_errors: failed and skipped URLs, robots.txt refusals apart", async () => {
    const errors = await py<{ errors: { url: string; code: string }[]; robots_blocked: string[] }>(
      `import time
urls = [ORIGIN + "/pages/1.html", ORIGIN + "/status/404", ORIGIN + "/private/1.html"]
started = fc.start_batch_scrape(urls)
while fc.get_batch_scrape_status(started.id).status != "completed": time.sleep(1)
out(fc.get_batch_scrape_errors(started.id))`,
    );
    expect(errors.errors.map((e) => [e.url, e.code])).toEqual([[`${origin.url}/status/404`, "http_error"]]);
    expect(errors.robots_blocked).toEqual([`${origin.url}/private/1.html`]);
  });

  it("v2 cancel_batch_scrape: a running batch, then the same batch again (answered as Firecrawl does)", async () => {
    const result = await py<{ first: boolean; again: boolean; status: string }>(
      `started = fc.start_batch_scrape([ORIGIN + "/slow/%d" % n for n in range(40)])
first = fc.cancel_batch_scrape(started.id)
again = fc.cancel_batch_scrape(started.id)
out({"first": first, "again": again, "status": fc.get_batch_scrape_status(started.id).status})`,
    );
    expect(result).toEqual({ first: true, again: true, status: "cancelled" });
  });

  it("v2 crawl: waits for a depth-limited crawl of the linked site", async () => {
    const job = await py<{ status: string; total: number; data: Doc[] }>(
      `out(fc.crawl(ORIGIN + "/site/", limit=100, max_discovery_depth=1, poll_interval=1, timeout=180))`,
    );
    expect(job.status).toBe("completed");
    expect(new Set(job.data.map(source))).toEqual(depthOne());
    expect(job.total).toBe(depthOne().size);
  });

  it("v2 start_crawl, get_crawl_status, get_crawl_errors and cancel_crawl", async () => {
    const result = await py<{ status: string; errors: unknown[]; cancelled: boolean; id: string }>(
      `import time
started = fc.start_crawl(ORIGIN + "/site/", limit=5, max_discovery_depth=1)
for _ in range(120):
    status = fc.get_crawl_status(started.id)
    if status.status == "completed": break
    time.sleep(1)
errors = fc.get_crawl_errors(started.id)
running = fc.start_crawl(ORIGIN + "/site/", limit=50, include_paths=["^/slow/"])
cancelled = fc.cancel_crawl(running.id)
out({"status": status.status, "total": status.total, "errors": errors.errors, "cancelled": cancelled,
     "id": running.id})`,
    );
    expect(result).toMatchObject({ status: "completed", total: 5, errors: [], cancelled: true });
    // This SDK's CrawlJob cannot hold Firecrawl's own "cancelled" status, so it is read over HTTP.
    const after = await fetch(`${dev.url}/v2/crawl/${result.id}`, { headers: { authorization: "Bearer dev-key" } });
    expect(["cancelled", "completed"]).toContain(((await after.json()) as { status: string }).status);
  });

  it("v2 map: the start page's links without fetching every page", async () => {
    const mapped = await py<{ links: { url: string }[] }>(`out(fc.map(ORIGIN + "/site/", sitemap="skip"))`);
    expect(new Set(mapped.links.map((l) => l.url))).toEqual(depthOne());
  });

  it("v1 scrape_url", async () => {
    const doc = await py<Doc>(`out(v1.scrape_url(ORIGIN + "/pages/9.html", formats=["markdown"]))`);
    expect(doc.markdown).toMatch(/^# Article 9\n/);
    expect(doc.metadata).toMatchObject({ title: "Article 9", statusCode: 200 });
  });

  it("v1 batch_scrape_urls (waits, follows pages)", async () => {
    const job = await py<{ status: string; data: Doc[] }>(
      `out(v1.batch_scrape_urls([ORIGIN + "/pages/%d.html" % n for n in range(500, 630)], formats=["markdown"], poll_interval=1))`,
    );
    expect(job.status).toBe("completed");
    expect(job.data.map(source)).toEqual(Array.from({ length: 130 }, (_, i) => page(500 + i)));
  });

  it("v1 async_batch_scrape_urls, check_batch_scrape_status and check_batch_scrape_errors", async () => {
    const result = await py<{ status: string; data: Doc[]; errors: { robotsBlocked: string[] } }>(
      `import time
started = v1.async_batch_scrape_urls([ORIGIN + "/pages/3.html", ORIGIN + "/private/3.html"], formats=["markdown"])
for _ in range(120):
    status = v1.check_batch_scrape_status(started.id)
    if status.status == "completed": break
    time.sleep(1)
out({"status": status.status, "data": status.data, "errors": v1.check_batch_scrape_errors(started.id)})`,
    );
    expect(result.status).toBe("completed");
    expect(result.data.map(source)).toEqual([page(3)]);
    expect(result.errors.robotsBlocked).toEqual([`${origin.url}/private/3.html`]);
  });

  it("v1 crawl_url (waits)", async () => {
    const job = await py<{ status: string; data: Doc[] }>(
      `out(v1.crawl_url(ORIGIN + "/site/", limit=100, max_discovery_depth=1, poll_interval=1))`,
    );
    expect(job.status).toBe("completed");
    expect(new Set(job.data.map(source))).toEqual(depthOne());
  });

  it("v1 async_crawl_url, check_crawl_status, check_crawl_errors and cancel_crawl", async () => {
    const result = await py<{ status: string; total: number; errors: unknown; cancel: { status: string } }>(
      `import time
started = v1.async_crawl_url(ORIGIN + "/site/", limit=3, max_discovery_depth=1)
for _ in range(120):
    status = v1.check_crawl_status(started.id)
    if status.status == "completed": break
    time.sleep(1)
running = v1.async_crawl_url(ORIGIN + "/site/", limit=50)
out({"status": status.status, "total": status.total, "errors": v1.check_crawl_errors(started.id),
     "cancel": v1.cancel_crawl(running.id)})`,
    );
    expect(result).toMatchObject({ status: "completed", total: 3, cancel: { status: "cancelled" } });
  });

  it("v1 map_url", async () => {
    const mapped = await py<{ links: string[] }>(`out(v1.map_url(ORIGIN + "/site/", ignore_sitemap=True))`);
    expect(new Set(mapped.links)).toEqual(depthOne());
  });
});
