// Firecrawl's own SDK (v2 client and the legacy v1 client), unchanged, pointed at
// `wrangler dev` with `apiUrl`: start, wait, page past 100 documents, errors, cancel,
// invalid URLs, a wrong key, the v1 waiters and single scrapes.

import { createHmac, timingSafeEqual } from "node:crypto";
import Firecrawl, { type Document, FirecrawlAppV1 } from "@mendable/firecrawl-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { siteLinks, sitePath } from "../../demo/linked-site";
import { type Origin, startOrigin } from "../../demo/origin-server";
import { receivedHooks, webhookRoutes } from "../support/webhook-receiver";
import { type DevServer, startWranglerDev } from "../support/wrangler-dev";

let origin: Origin;
let dev: DevServer;
let firecrawl: Firecrawl;
let v1: FirecrawlAppV1;

const KEY = "dev-key";

beforeAll(async () => {
  origin = await startOrigin({
    robots: "User-agent: *\nDisallow: /private/\n",
    // Slow pages keep a batch running long enough to cancel it.
    routes: async (req, res, url) => {
      if (await webhookRoutes(req, res, url)) return true;
      if (!url.pathname.startsWith("/slow/")) return false;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      res.writeHead(200, { "content-type": "text/html" }).end("<main><h1>Slow</h1><p>Slow page body text.</p></main>");
      return true;
    },
  });
  // Two chunks of ten in flight: a cancelled batch still has chunks no consumer holds.
  dev = await startWranglerDev({
    allowedOrigins: [origin.url],
    vars: { CHUNK_SIZE: "10", MAX_CHUNKS_IN_FLIGHT: "2" },
  });
  firecrawl = new Firecrawl({ apiKey: KEY, apiUrl: dev.url });
  v1 = new FirecrawlAppV1({ apiKey: KEY, apiUrl: dev.url });
});

afterAll(async () => {
  await dev?.stop();
  await origin?.close();
});

const page = (n: number) => `${origin.url}/pages/${n}.html`;

/** Firecrawl's documented receiver check (docs.firecrawl.dev/webhooks/security): `sha256=` HMAC of the raw body. */
function firecrawlVerify(secret: string, header: string, rawBody: string): boolean {
  const [algorithm, hash] = header.split("=");
  if (algorithm !== "sha256" || !hash) return false;
  const expected = createHmac("sha256", secret).update(rawBody).digest("hex");
  return hash.length === expected.length && timingSafeEqual(Buffer.from(hash, "hex"), Buffer.from(expected, "hex"));
}
const sources = (docs: Document[]) => docs.map((d) => d.metadata?.sourceURL);

describe("Firecrawl's SDK against Trawl", () => {
  // 110 articles, a 404, a duplicate, a blocked address and a URL robots.txt forbids:
  // 111 documents (the 404 is one), four entries in the errors.
  let batchId = "";
  let input: string[] = [];
  let documentUrls: string[] = [];

  it("runs a batch to completion with batchScrape and pages past 100 documents, in input order", async () => {
    const articles = Array.from({ length: 110 }, (_, n) => page(n));
    input = [
      ...articles.slice(0, 40),
      `${origin.url}/status/404`,
      `${page(3)}#again`,
      "http://10.0.0.1/internal",
      `${origin.url}/private/1.html`,
      ...articles.slice(40),
    ];
    documentUrls = input.filter(
      (url) => (url.includes("/pages/") && !url.includes("#")) || url.endsWith("/status/404"),
    );

    const job = await firecrawl.batchScrape(input, {
      options: { formats: ["markdown", "links"], onlyMainContent: true },
      pollInterval: 1,
      timeout: 120,
    });
    expect(job.status).toBe("completed");
    expect(job.total).toBe(114);
    expect(job.completed).toBe(114);
    expect(Number.isInteger(job.creditsUsed)).toBe(true);
    expect(job.data).toHaveLength(111);
    expect(sources(job.data)).toEqual(documentUrls);
    batchId = job.id;

    const first = job.data[0] as Document;
    expect(first.markdown).toContain("Paragraph 1 of article 0");
    expect(first.links).toContain(page(1));
    expect(first.metadata).toMatchObject({ title: "Article 0", statusCode: 200, language: "en", url: page(0) });
    const missing = job.data.find((d) => d.metadata?.statusCode === 404);
    expect(missing?.metadata?.error).toMatch(/^http_error: /);

    // Pages are cut by size (10 MiB), as Firecrawl's are: one page holds this batch whole.
    const firstPage = await firecrawl.getBatchScrapeStatus(batchId, { autoPaginate: false });
    expect(firstPage.data).toHaveLength(111);
    expect(firstPage.next ?? null).toBeNull();
  });

  it("lists failed and skipped URLs with their codes, robots.txt refusals apart", async () => {
    const { errors, robotsBlocked } = await firecrawl.getBatchScrapeErrors(batchId);
    expect(errors.map((e) => [e.url, e.code])).toEqual([
      [`${origin.url}/status/404`, "http_error"],
      [`${page(3)}#again`, "duplicate"],
      ["http://10.0.0.1/internal", "blocked_address"],
    ]);
    expect(errors.every((e) => typeof e.error === "string" && e.error.length > 0)).toBe(true);
    expect(robotsBlocked).toEqual([`${origin.url}/private/1.html`]);
  });

  it("gives back the same batch for the same idempotency key", async () => {
    const a = await firecrawl.startBatchScrape([page(1)], { idempotencyKey: "fc-e2e-once" });
    const b = await firecrawl.startBatchScrape([page(1)], { idempotencyKey: "fc-e2e-once" });
    expect(b.id).toBe(a.id);
    expect(a.url).toBe(`${dev.url}/v2/batch/scrape/${a.id}`);
  });

  it("cancels a running batch; the URLs it never fetched are listed as cancelled", async () => {
    const slow = Array.from({ length: 60 }, (_, n) => `${origin.url}/slow/${n}`);
    const started = await firecrawl.startBatchScrape(slow);
    expect(await firecrawl.cancelBatchScrape(started.id)).toBe(true);
    const job = await firecrawl.getBatchScrapeStatus(started.id);
    expect(job.status).toBe("cancelled");
    // At most the two chunks consumers hold (20 URLs) are still fetched; the rest end cancelled.
    const { errors } = await firecrawl.getBatchScrapeErrors(started.id);
    expect(errors.filter((e) => e.code === "cancelled").length).toBeGreaterThanOrEqual(40);
    expect(job.completed).toBeGreaterThanOrEqual(40);
  });

  it("reports invalid URLs when told to ignore them, and refuses them otherwise", async () => {
    const started = await firecrawl.startBatchScrape(["not a url", page(5)], { ignoreInvalidURLs: true });
    expect(started.invalidURLs).toEqual(["not a url"]);
    await expect(firecrawl.startBatchScrape(["not a url", page(5)])).rejects.toMatchObject({
      status: 400,
      message: expect.stringContaining("urls[0]"),
    });
  });

  it("refuses an option Trawl cannot honour, naming it, through the SDK", async () => {
    await expect(
      firecrawl.startBatchScrape([page(1)], { options: { actions: [{ type: "wait", milliseconds: 10 }] } }),
    ).rejects.toMatchObject({ status: 400, message: expect.stringContaining("actions") });
    await expect(
      firecrawl.startBatchScrape([page(1)], { webhook: { url: "http://169.254.169.254/hook" } }),
    ).rejects.toMatchObject({ status: 400, message: expect.stringContaining("webhook.url") });
  });

  it("answers a wrong key with 401", async () => {
    const stranger = new Firecrawl({ apiKey: "not-a-key", apiUrl: dev.url });
    await expect(stranger.startBatchScrape([page(1)])).rejects.toMatchObject({ status: 401 });
    const strangerV1 = new FirecrawlAppV1({ apiKey: "not-a-key", apiUrl: dev.url });
    await expect(strangerV1.checkBatchScrapeStatus(batchId)).rejects.toThrow(/Status code: 401/);
  });

  it("works with the v1 client's waiter, which polls /v1/crawl/{id}, and its pagination", async () => {
    const done = await v1.batchScrapeUrls([page(200), page(201), page(202)], { formats: ["markdown"] }, 1);
    expect(done).toMatchObject({ success: true, status: "completed", total: 3, completed: 3 });
    if (!("data" in done)) throw new Error("no data");
    expect(done.data.map((d) => d.metadata?.sourceURL)).toEqual([page(200), page(201), page(202)]);

    const all = await v1.checkBatchScrapeStatus(batchId, true);
    if (!("data" in all)) throw new Error("no data");
    expect(all.data.map((d) => d.metadata?.sourceURL)).toEqual(documentUrls);

    // The v1 client reads errors with DELETE; that deletes nothing.
    const errors = await v1.checkBatchScrapeErrors(batchId);
    expect(errors).toMatchObject({ robotsBlocked: [`${origin.url}/private/1.html`] });

    const started = await v1.asyncBatchScrapeUrls([`${origin.url}/slow/a`, `${origin.url}/slow/b`], {});
    if (!("id" in started) || !started.id) throw new Error("not started");
    expect(await v1.cancelCrawl(started.id)).toMatchObject({ status: "cancelled" });
  });

  it("answers the cancel of a finished batch as Firecrawl does, and any unknown id (a UUID too) with 404", async () => {
    expect(await firecrawl.cancelBatchScrape(batchId)).toBe(true);
    expect((await firecrawl.getBatchScrapeStatus(batchId, { autoPaginate: false })).status).toBe("completed");
    const uuid = "3c90c3cc-0d44-4b50-8888-8dd25736052a";
    await expect(firecrawl.getBatchScrapeStatus(uuid)).rejects.toMatchObject({ status: 404 });
    await expect(firecrawl.getCrawlStatus(uuid)).rejects.toMatchObject({ status: 404 });
  });

  it("scrapes a page of a site a batch is crawling, waiting its turn rather than refusing", async () => {
    const busy = await firecrawl.startBatchScrape(Array.from({ length: 30 }, (_, n) => `${origin.url}/slow/busy-${n}`));
    const doc = await firecrawl.scrape(`${origin.url}/slow/single`);
    expect(doc.metadata?.statusCode).toBe(200);
    await firecrawl.cancelBatchScrape(busy.id);
  });

  it("crawls with crawl (waits), startCrawl/getCrawlStatus/getCrawlErrors/cancelCrawl, and maps with map", async () => {
    const site = `${origin.url}/site/`;
    const depthOne = new Set([0, ...siteLinks(0)].map((n) => `${origin.url}${sitePath(n)}`));
    const job = await firecrawl.crawl(site, { limit: 100, maxDiscoveryDepth: 1, pollInterval: 1, timeout: 180 });
    expect(job.status).toBe("completed");
    expect(new Set(sources(job.data))).toEqual(depthOne);
    expect(job.data[0]?.markdown).toMatch(/^# Site page \d+\n/);

    const started = await firecrawl.startCrawl(site, { limit: 4, maxDiscoveryDepth: 1 });
    expect(started.url).toBe(`${dev.url}/v2/crawl/${started.id}`);
    let status = await firecrawl.getCrawlStatus(started.id);
    for (let i = 0; status.status !== "completed" && i < 120; i++) {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      status = await firecrawl.getCrawlStatus(started.id);
    }
    expect(status).toMatchObject({ status: "completed", total: 4, completed: 4 });
    expect(await firecrawl.getCrawlErrors(started.id)).toMatchObject({ errors: [], robotsBlocked: [] });
    const running = await firecrawl.startCrawl(site, { limit: 50 });
    expect(await firecrawl.cancelCrawl(running.id)).toBe(true);

    const mapped = await firecrawl.map(site, { sitemap: "skip" });
    expect(new Set(mapped.links.map((l) => l.url))).toEqual(depthOne);
  });

  it("crawls and maps with the v1 client's crawlUrl, asyncCrawlUrl/checkCrawlStatus and mapUrl", async () => {
    const site = `${origin.url}/site/`;
    const depthOne = new Set([0, ...siteLinks(0)].map((n) => `${origin.url}${sitePath(n)}`));
    const done = await v1.crawlUrl(site, { limit: 100, maxDiscoveryDepth: 1 }, 1);
    if (!("data" in done)) throw new Error("no data");
    expect(done.status).toBe("completed");
    expect(new Set(done.data.map((d) => d.metadata?.sourceURL))).toEqual(depthOne);
    const started = await v1.asyncCrawlUrl(site, { limit: 3, maxDiscoveryDepth: 1 });
    if (!("id" in started) || !started.id) throw new Error("not started");
    let status = await v1.checkCrawlStatus(started.id);
    for (let i = 0; "status" in status && status.status !== "completed" && i < 120; i++) {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      status = await v1.checkCrawlStatus(started.id);
    }
    expect(status).toMatchObject({ status: "completed", total: 3 });
    const mapped = await v1.mapUrl(site, { ignoreSitemap: true });
    if (!("links" in mapped)) throw new Error("no links");
    expect(new Set(mapped.links)).toEqual(depthOne);
  });

  it("sends Firecrawl-shaped webhooks, signed as Firecrawl documents, on Trawl's outbox", async () => {
    const secret = (
      (await (await fetch(`${dev.url}/v1/webhook-secret`, { headers: { authorization: `Bearer ${KEY}` } })).json()) as {
        secret: string;
      }
    ).secret;
    const job = await firecrawl.batchScrape([page(40), page(41)], {
      webhook: {
        url: `${origin.url}/hooks/fc-batch`,
        metadata: { run: "e2e" },
        events: ["started", "page", "completed"],
      },
      pollInterval: 1,
      timeout: 120,
    });
    expect(job.status).toBe("completed");
    let hooks = receivedHooks("fc-batch");
    for (let i = 0; hooks.filter((h) => h.body.includes('"batch_scrape.completed"')).length === 0 && i < 60; i++) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      hooks = receivedHooks("fc-batch");
    }
    const bodies = hooks.map(
      (h) =>
        JSON.parse(h.body) as {
          type: string;
          id: string;
          success: boolean;
          metadata: unknown;
          data: { metadata: { sourceURL: string } }[];
        },
    );
    expect(new Set(bodies.map((b) => b.type))).toEqual(
      new Set(["batch_scrape.started", "batch_scrape.page", "batch_scrape.completed"]),
    );
    for (const body of bodies) expect(body).toMatchObject({ id: job.id, success: true, metadata: { run: "e2e" } });
    const pages = bodies
      .filter((b) => b.type === "batch_scrape.page")
      .flatMap((b) => b.data.map((d) => d.metadata.sourceURL));
    expect(pages.sort()).toEqual([page(40), page(41)].sort());
    for (const hook of hooks)
      expect(firecrawlVerify(secret, hook.headers["x-firecrawl-signature"] ?? "", hook.body)).toBe(true);
  });

  it("scrapes one URL synchronously with either client; a 404 is a document", async () => {
    const doc = await firecrawl.scrape(page(7), { formats: ["markdown", "html", "links"] });
    expect(doc.markdown).toContain("Paragraph 1 of article 7");
    expect(doc.html).toContain("<p>");
    expect(doc.links).toContain(page(8));
    expect(doc.metadata).toMatchObject({ title: "Article 7", statusCode: 200, sourceURL: page(7) });

    const missing = await firecrawl.scrape(`${origin.url}/status/404`);
    expect(missing.metadata?.statusCode).toBe(404);

    await expect(firecrawl.scrape("http://169.254.169.254/latest/meta-data")).rejects.toMatchObject({ status: 403 });
    await expect(firecrawl.scrape(`${origin.url}/private/2.html`)).rejects.toMatchObject({ status: 403 });

    const legacy = await v1.scrapeUrl(page(9), { formats: ["markdown"] });
    expect(legacy).toMatchObject({ success: true, metadata: { title: "Article 9", statusCode: 200 } });
  });
});
