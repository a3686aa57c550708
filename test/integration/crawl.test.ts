// Crawls of the origin's linked site (demo/linked-site.ts, 2,000 pages): the pages found
// are exactly those the limits allow (an independent breadth-first walk of the same
// links says which), each ends in one terminal state, and every view agrees.
import { describe, expect, it } from "vitest";
import { SITE_PAGES, siteLinks, sitePath } from "../../demo/linked-site";
import type { FirecrawlBatchStatus } from "../support/api-types";
import { api, download, expectViewsAgree, json, ORIGIN, waitForPublished } from "./helpers";

/** The pages a crawl of the site may find: reachable from the root through pages read for links, shallowest first. */
function allowed(maxDepth: number | null, pathAllowed: (path: string) => boolean, limit = SITE_PAGES): Set<string> {
  const depth = new Map<number, number>([[0, 0]]);
  const queue = [0];
  while (queue.length > 0) {
    const n = queue.shift() as number;
    const d = depth.get(n) as number;
    if (maxDepth !== null && d >= maxDepth) continue;
    for (const to of siteLinks(n)) {
      if (depth.has(to) || !pathAllowed(sitePath(to))) continue;
      depth.set(to, d + 1);
      queue.push(to);
    }
  }
  expect(depth.size).toBeLessThanOrEqual(limit);
  return new Set([...depth.keys()].map((n) => `${ORIGIN}${sitePath(n)}`));
}

async function post(path: string, body: unknown): Promise<Response> {
  return api(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
}

async function crawlDocuments(id: string): Promise<FirecrawlBatchStatus> {
  await waitForPublished(id, undefined, 120_000);
  return json<FirecrawlBatchStatus>(await api(`/v2/crawl/${id}`));
}

describe("crawl", () => {
  it("finds exactly the pages a depth and a path limit allow, each once, each in one terminal state", async () => {
    const started = await post("/v2/crawl", {
      url: `${ORIGIN}/site/`,
      maxDiscoveryDepth: 2,
      excludePaths: ["^/site/blog/"],
      sitemap: "skip",
      limit: 2000,
    });
    const body = await json<{ success: boolean; id: string; url: string }>(started);
    expect(started.status, JSON.stringify(body)).toBe(200);
    expect(body.url).toBe(`http://trawl.test/v2/crawl/${body.id}`);
    const status = await crawlDocuments(body.id);
    const expected = allowed(2, (path) => !path.startsWith("/site/blog/"));
    expect(expected.size).toBeGreaterThan(40);
    const found = status.data.map((d) => d.metadata.sourceURL);
    expect(new Set(found).size).toBe(found.length);
    expect(new Set(found)).toEqual(expected);
    expect(status).toMatchObject({ status: "completed", total: expected.size, completed: expected.size });
    expect(status.data.every((d) => d.metadata.statusCode === 200)).toBe(true);
    const errors = await json<{ errors: unknown[]; robotsBlocked: string[] }>(await api(`/v2/crawl/${body.id}/errors`));
    expect(errors).toMatchObject({ errors: [], robotsBlocked: [] });
    await expectViewsAgree(body.id);
  }, 180_000);

  it("takes a crawl source on POST /v1/batches with include paths, and stops at maxUrls with every URL accounted", async () => {
    const response = await post("/v1/batches", {
      urls: [],
      sources: [{ crawl: `${ORIGIN}/site/`, maxDepth: 2, includePaths: ["^/site/docs/"], sitemap: "skip" }],
    });
    const created = await json<{ id: string }>(response);
    expect(response.status, JSON.stringify(created)).toBe(202);
    await waitForPublished(created.id, undefined, 120_000);
    await expectViewsAgree(created.id);
    const records = await download(created.id);
    // The start page is always taken; what it links to must match includePaths.
    const expected = allowed(2, (path) => path.startsWith("/site/docs/"));
    expect(new Set(records.map((r) => String(r.url)))).toEqual(expected);
    expect(records).toHaveLength(expected.size);

    const capped = await post("/v1/batches", {
      urls: [],
      sources: [{ crawl: `${ORIGIN}/site/`, sitemap: "skip" }],
      maxUrls: 25,
      options: { maxAttempts: 1 },
    });
    const cappedBody = await json<{ id: string }>(capped);
    expect(capped.status, JSON.stringify(cappedBody)).toBe(202);
    const done = await waitForPublished(cappedBody.id, undefined, 120_000);
    expect(done.counts).toMatchObject({ total: 25, pending: 0 });
    expect((await expectViewsAgree(cappedBody.id)).size).toBe(25);
  }, 240_000);

  it("refuses what a crawl cannot do by name, and a pattern that could backtrack without bound", async () => {
    const refused = await post("/v2/crawl", { url: `${ORIGIN}/site/`, prompt: "find docs" });
    expect(refused.status).toBe(400);
    expect(await json(refused)).toMatchObject({
      success: false,
      code: "unsupported_option",
      error: expect.stringContaining("prompt"),
    });
    const redos = await post("/v2/crawl", { url: `${ORIGIN}/site/`, includePaths: ["(a+)+$"] });
    expect(redos.status).toBe(400);
    expect(await json(redos)).toMatchObject({ success: false, error: expect.stringContaining("includePaths[0]") });
  });

  it("maps a site from its start page's links without fetching every page", async () => {
    const response = await post("/v2/map", { url: `${ORIGIN}/site/`, sitemap: "skip" });
    const body = await json<{ success: boolean; links: { url: string }[] }>(response);
    expect(response.status, JSON.stringify(body)).toBe(200);
    const expected = [0, ...siteLinks(0)].map((n) => `${ORIGIN}${sitePath(n)}`);
    expect(new Set(body.links.map((l) => l.url))).toEqual(new Set(expected));
    const v1 = await json<{ links: string[] }>(await post("/v1/map", { url: `${ORIGIN}/site/`, sitemap: "skip" }));
    expect(new Set(v1.links)).toEqual(new Set(expected));
  });
});
