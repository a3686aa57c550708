// Politeness, counted on a real origin whose robots.txt says Crawl-delay: 1 and
// Disallow: /private/ (test/support/global-origin.ts).
import { describe, expect, it } from "vitest";
import {
  api,
  download,
  expectViewsAgree,
  json,
  ORIGIN,
  originRequests,
  POLITE_ORIGIN,
  RECOVERING_ROBOTS_ORIGIN,
  RESET_ROBOTS_ORIGIN,
  submit,
  unique,
  waitForPublished,
} from "./helpers";

/**
 * Requests stamped at the origin (sorted) kept `intervalMs` apart. A request the gate let
 * go on time can still leave late, while another test file's isolate holds workerd's one
 * thread (a full run saw one gap of 748 ms at Crawl-delay 1), and then the gap after it
 * is short by what the gap before it gained. So every gap is at least half the interval
 * (two requests together would fail), and every two gaps together are two intervals
 * (5% slack for the clocks).
 */
function expectCrawlDelay(starts: number[], intervalMs: number): void {
  const gap = (i: number, span: number) => (starts[i] ?? 0) - (starts[i - span] ?? 0);
  for (let i = 1; i < starts.length; i++) expect(gap(i, 1)).toBeGreaterThanOrEqual(intervalMs / 2);
  for (let i = 2; i < starts.length; i++) expect(gap(i, 2)).toBeGreaterThanOrEqual(2 * intervalMs * 0.95);
}

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
    expectCrawlDelay(pages, 1000);
    expect(log.filter((r) => r.path === "/robots.txt" && r.at >= since).length).toBeLessThanOrEqual(1);
  });

  it("keeps the crawl delay and robots.txt on redirect hops, to its own origin and from another", async () => {
    const run = unique("polite-hops");
    const since = Date.now();
    const urls = [
      // Same origin: each page is two requests, both paced.
      `${POLITE_ORIGIN}/moved/pages/4.html?run=${run}`,
      `${POLITE_ORIGIN}/pages/5.html?run=${run}`,
      `${POLITE_ORIGIN}/moved/pages/6.html?run=${run}`,
      // Into a folder robots.txt forbids: skipped, never requested.
      `${POLITE_ORIGIN}/moved/private/3.html?run=${run}`,
      // From another origin: the hop takes its turn at the polite origin's gate.
      `${ORIGIN}/away?to=${encodeURIComponent(`${POLITE_ORIGIN}/pages/7.html?run=${run}`)}`,
      `${ORIGIN}/away?to=${encodeURIComponent(`${POLITE_ORIGIN}/private/4.html?run=${run}`)}`,
    ];
    const created = await submit(urls);
    const done = await waitForPublished(created.id, undefined, 60_000);
    expect(done.counts).toEqual({ total: 6, pending: 0, succeeded: 4, failed: 0, skipped: 2 });
    const records = await download(created.id);
    expect(records.map((r) => (r.error as { code: string } | null)?.code ?? r.status)).toEqual([
      "succeeded",
      "succeeded",
      "succeeded",
      "robots_disallowed",
      "succeeded",
      "robots_disallowed",
    ]);
    expect(records[0]?.finalUrl).toBe(`${POLITE_ORIGIN}/pages/4.html?run=${run}`);
    await expectViewsAgree(created.id);

    const log = (await originRequests(POLITE_ORIGIN)).filter((r) => r.at >= since);
    expect(log.filter((r) => r.path.startsWith("/private/"))).toHaveLength(0);
    // Every request this batch made of the polite origin (hops, pages and robots.txt) is
    // its Crawl-delay after the one before.
    const starts = log
      .filter((r) => r.path.includes(run) || r.path === "/robots.txt")
      .map((r) => r.at)
      .sort((a, b) => a - b);
    expect(starts.length).toBeGreaterThanOrEqual(7);
    expectCrawlDelay(starts, 1000);
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

  it("asks an unreachable robots.txt again with backoff within the run, and fetches once it answers", async () => {
    const run = unique("robots-recovering");
    // Its robots.txt answers 503 twice, then allows all (test/support/fault-routes.ts).
    const urls = [1, 2].map((n) => `${RECOVERING_ROBOTS_ORIGIN}/pages/${n}.html?run=${run}`);
    const created = await submit(urls, { maxAttempts: 4 });
    const done = await waitForPublished(created.id, undefined, 60_000);
    expect(done.counts).toMatchObject({ total: 2, succeeded: 2, failed: 0, skipped: 0 });
    await expectViewsAgree(created.id);

    const log = await originRequests(RECOVERING_ROBOTS_ORIGIN);
    const asked = log.filter((r) => r.path === "/robots.txt").map((r) => r.at);
    expect(asked).toHaveLength(3);
    // Not a hot loop: 2 s after the first 503, then 4 s after the second.
    expect((asked[1] ?? 0) - (asked[0] ?? 0)).toBeGreaterThanOrEqual(1900);
    expect((asked[2] ?? 0) - (asked[1] ?? 0)).toBeGreaterThanOrEqual(3900);
    expect(log.filter((r) => r.path.includes(run))).toHaveLength(2);
  }, 60_000);

  it("fails URLs whose robots.txt stays unreachable with robots_unreachable, which the default retry takes", async () => {
    const run = unique("robots-unreachable");
    const since = Date.now();
    // Its robots.txt answers 200, then drops the connection: never read.
    const urls = [1, 2].map((n) => `${RESET_ROBOTS_ORIGIN}/pages/${n}.html?run=${run}`);
    const created = await submit([...urls, `${POLITE_ORIGIN}/private/1.html?run=${run}`], { maxAttempts: 3 });
    const done = await waitForPublished(created.id, undefined, 60_000);
    expect(done.counts).toMatchObject({ total: 3, succeeded: 0, failed: 2, skipped: 1 });
    const records = await download(created.id);
    expect(records.map((r) => [r.status, (r.error as { code: string }).code, r.attempts])).toEqual([
      ["failed", "robots_unreachable", 3],
      ["failed", "robots_unreachable", 3],
      ["skipped", "robots_disallowed", 0],
    ]);
    // Views agree, and Firecrawl's errors view lists them as errors, not robotsBlocked.
    await expectViewsAgree(created.id);
    // Asked again on each attempt, never the pages themselves.
    const log = await originRequests(RESET_ROBOTS_ORIGIN);
    expect(log.filter((r) => r.path === "/robots.txt" && r.at >= since).length).toBeGreaterThanOrEqual(3);
    expect(log.filter((r) => r.path.includes(run))).toHaveLength(0);

    const retry = await json<{ id: string; counts: { total: number } }>(
      await api(`/v1/batches/${created.id}/retry`, { method: "POST" }),
    );
    expect(retry.counts.total).toBe(2);
  }, 60_000);
});
