// Politeness, counted on a real origin whose robots.txt says Crawl-delay: 1 and
// Disallow: /private/ (test/support/global-origin.ts).
import { describe, expect, it } from "vitest";
import { api, download, json, originRequests, POLITE_ORIGIN, submit, unique, waitForPublished } from "./helpers";

describe("politeness", () => {
  it("skips URLs robots.txt disallows, fetches robots.txt once, and keeps the crawl delay between requests", async () => {
    const run = unique("polite");
    // The origin's log is shared by every test file, and each file has storage (and a
    // robots cache) of its own: only what this batch caused is counted.
    const since = Date.now();
    const allowed = [1, 2, 3].map((n) => `${POLITE_ORIGIN}/pages/${n}.html?run=${run}`);
    const forbidden = [1, 2].map((n) => `${POLITE_ORIGIN}/private/${n}.html?run=${run}`);
    const created = await submit([...allowed, ...forbidden]);
    const done = await waitForPublished(created.id);
    expect(done.counts).toEqual({ total: 5, pending: 0, succeeded: 3, failed: 0, skipped: 2 });

    const records = await download(created.id);
    expect(records.slice(3).map((r) => (r.error as { code: string }).code)).toEqual([
      "robots_disallowed",
      "robots_disallowed",
    ]);
    const log = await originRequests(POLITE_ORIGIN);
    expect(log.filter((r) => r.path.includes("/private/"))).toHaveLength(0);
    const pages = log.filter((r) => r.path.includes(run)).map((r) => r.at);
    expect(pages).toHaveLength(3);
    // Crawl-delay: 1 → starts at least a second apart (a little slack for clocks).
    for (let i = 1; i < pages.length; i++) expect((pages[i] ?? 0) - (pages[i - 1] ?? 0)).toBeGreaterThanOrEqual(950);
    expect(log.filter((r) => r.path === "/robots.txt" && r.at >= since).length).toBeLessThanOrEqual(1);
  });

  it("fetches disallowed URLs only when robots is turned off, and records that in the manifest", async () => {
    const run = unique("impolite");
    const created = await submit([`${POLITE_ORIGIN}/private/9.html?run=${run}`], { respectRobots: false });
    const done = await waitForPublished(created.id);
    expect(done.counts.succeeded).toBe(1);
    const manifest = await json<{ options: { respectRobots: boolean } }>(
      await api(`/v1/batches/${created.id}/manifest`),
    );
    expect(manifest.options.respectRobots).toBe(false);
  });
});
