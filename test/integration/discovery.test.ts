// Discovery end to end, against the real local origin (test/support/sitemap-routes.ts
// serves sitemaps, indexes and feeds described by their query strings): every
// discovered URL ends in exactly one terminal state, and every view agrees.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { shiftClock } from "../../lib/clock";
import type { DiscoveryStatus } from "../../lib/discovery";
import { BatchOptions } from "../../lib/schemas";
import { ROBOTS_SITEMAP_PATH } from "../support/sitemap-routes";
import {
  api,
  type BatchBody,
  download,
  expectViewsAgree,
  json,
  LEASE_MS,
  ORIGIN,
  originRequests,
  POLITE_ORIGIN,
  RESET_ROBOTS_ORIGIN,
  unique,
  waitForPublished,
} from "./helpers";

type DiscoveryBatch = BatchBody & { discovery: DiscoveryStatus | null };

function createBatch(body: Record<string, unknown>): Promise<Response> {
  return api("/v1/batches", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

async function discover(body: Record<string, unknown>): Promise<DiscoveryBatch> {
  const response = await createBatch(body);
  expect(response.status, await response.clone().text()).toBe(202);
  return json<DiscoveryBatch>(response);
}

/** Waits for publication, checks every view agrees, and answers the final status with the downloaded URLs. */
async function finished(
  id: string,
  timeoutMs?: number,
): Promise<{ batch: DiscoveryBatch; urls: string[]; records: Record<string, unknown>[] }> {
  await waitForPublished(id, undefined, timeoutMs);
  await expectViewsAgree(id);
  const batch = await json<DiscoveryBatch>(await api(`/v1/batches/${id}`));
  const records = await download(id);
  return { batch, urls: records.map((r) => String(r.url)), records };
}

const urls = (query: string) => `${ORIGIN}/sitemap/urls.xml?${query}`;
const page = (n: number, tag: string) => `${ORIGIN}/pages/${n}.html?t=${tag}`;
const range = (from: number, to: number, tag: string) =>
  Array.from({ length: to - from + 1 }, (_, i) => page(from + i, tag));
const path = (full: string) => full.slice(ORIGIN.length);

describe("discovery", () => {
  it("follows a sitemap index to gzip children, dedups against the list and across sitemaps, fetches each sitemap once", async () => {
    const t = unique("index");
    const gz = `/sitemap/urls.xml?n=10&start=1&t=${t}&gz=1`;
    const encoded = `/sitemap/urls.xml?n=10&start=6&t=${t}&enc=gzip`;
    const index = `${ORIGIN}/sitemap/index.xml?child=${encodeURIComponent(gz)}&child=${encodeURIComponent(encoded)}&child=${encodeURIComponent(gz)}&t=${t}`;
    const created = await discover({ urls: [page(1, t), page(1, t)], sources: [{ sitemap: index }] });
    expect(created.discovery).toMatchObject({ state: "discovering", sources: { pending: 1, done: 0, failed: 0 } });

    const { batch, urls: done, records } = await finished(created.id);
    // The explicit list keeps its indices (its own duplicate recorded as such); discovered pages follow, once each.
    expect(done.slice(0, 2)).toEqual([page(1, t), page(1, t)]);
    expect(new Set(done.slice(2))).toEqual(new Set(range(2, 15, t)));
    expect(records.filter((r) => (r.error as { code?: string } | null)?.code === "duplicate")).toHaveLength(1);
    expect(batch.counts).toMatchObject({ total: 16, succeeded: 15, skipped: 1 });
    expect(batch.discovery).toEqual({
      state: "done",
      sources: { pending: 0, done: 3, failed: 0 },
      found: 14,
      invalid: 0,
      filtered: 0,
      capped: false,
      errors: [],
    });
    const log = (await originRequests()).map((r) => r.path);
    expect(log.filter((p) => p === gz)).toHaveLength(1);
    expect(log.filter((p) => p === encoded)).toHaveLength(1);
    expect(log.filter((p) => p === path(index))).toHaveLength(1);
  });

  it("reads RSS 2.0 and Atom feeds", async () => {
    const t = unique("feeds");
    const created = await discover({
      sources: [
        { feed: `${ORIGIN}/sitemap/rss.xml?n=3&start=1&t=${t}` },
        { feed: `${ORIGIN}/sitemap/atom.xml?n=3&start=3&t=${t}` },
      ],
    });
    const { batch, urls: done } = await finished(created.id);
    expect(new Set(done)).toEqual(new Set(range(1, 5, t)));
    expect(batch.counts).toMatchObject({ total: 5, succeeded: 5 });
    expect(batch.discovery?.found).toBe(5);
  });

  it("reads the Sitemap lines of an origin's robots.txt", async () => {
    const created = await discover({ sources: [{ robots: ORIGIN }] });
    const { batch, urls: done } = await finished(created.id);
    expect(done).toEqual(range(900, 902, "robots"));
    expect(batch.discovery?.sources).toEqual({ pending: 0, done: 2, failed: 0 });
    expect((await originRequests()).some((r) => r.path === ROBOTS_SITEMAP_PATH)).toBe(true);
  });

  it("keeps only discovered URLs that match an include and no exclude, and counts the rest", async () => {
    const t = unique("filter");
    const created = await discover({
      urls: [page(99, t)],
      sources: [{ sitemap: urls(`n=30&start=1&t=${t}`) }],
      include: ["*/pages/1*.html*"],
      exclude: ["*/pages/15.html*"],
    });
    const { batch, urls: done } = await finished(created.id);
    expect(done[0]).toBe(page(99, t));
    expect(new Set(done.slice(1))).toEqual(new Set([1, 10, 11, 12, 13, 14, 16, 17, 18, 19].map((n) => page(n, t))));
    expect(batch.discovery).toMatchObject({ found: 10, filtered: 20, invalid: 0, capped: false });
  });

  it("stops at maxUrls and says the discovery was capped", async () => {
    const t = unique("cap");
    const created = await discover({ sources: [{ sitemap: urls(`n=30&start=1&t=${t}`) }], maxUrls: 7 });
    const { batch, urls: done } = await finished(created.id);
    expect(done).toEqual(range(1, 7, t));
    expect(batch.counts.total).toBe(7);
    expect(batch.discovery).toMatchObject({ state: "done", found: 7, capped: true });
  });

  it("ends a loop of sitemap indexes, reading each once", async () => {
    const t = unique("loop");
    const a = `/sitemap/loop.xml?t=${t}&side=a`;
    const created = await discover({ sources: [{ sitemap: `${ORIGIN}${a}` }] });
    const { batch, urls: done } = await finished(created.id);
    expect(done).toEqual(range(1, 2, t));
    expect(batch.discovery?.sources).toEqual({ pending: 0, done: 3, failed: 0 });
    expect((await originRequests()).filter((r) => r.path === a)).toHaveLength(1);
  });

  it("records missing, malformed, disallowed and oversized sources as source errors; the batch completes", async () => {
    const t = unique("faults");
    const created = await discover({
      sources: [
        { sitemap: `${ORIGIN}/status/404` },
        { sitemap: `${ORIGIN}/pages/1.html` },
        { sitemap: `${POLITE_ORIGIN}/private/sitemap.xml` },
        { sitemap: `${ORIGIN}/sitemap/huge.xml.gz` },
        { sitemap: urls(`n=2&start=1&t=${t}`) },
        { sitemap: `${RESET_ROBOTS_ORIGIN}/sitemap.xml` },
      ],
    });
    const { batch, urls: done } = await finished(created.id, 60_000);
    expect(batch.status).toBe("completed");
    // The two URLs before the oversized sitemap's cap stay.
    expect(new Set(done)).toEqual(new Set([...range(1, 2, t), page(801, "huge"), page(802, "huge")]));
    expect(batch.discovery?.sources).toEqual({ pending: 0, done: 1, failed: 5 });
    expect(Object.fromEntries(batch.discovery?.errors.map((e) => [e.url, e.code]) ?? [])).toEqual({
      [`${ORIGIN}/status/404`]: "http_error",
      [`${ORIGIN}/pages/1.html`]: "not_a_sitemap",
      [`${POLITE_ORIGIN}/private/sitemap.xml`]: "robots_disallowed",
      [`${ORIGIN}/sitemap/huge.xml.gz`]: "too_large",
      // Its robots.txt is never read whole: not a refusal, a code of its own.
      [`${RESET_ROBOTS_ORIGIN}/sitemap.xml`]: "robots_unreachable",
    });
  }, 90_000);

  it("completes with zero URLs when every source failed and there was no list, the errors in its status", async () => {
    const created = await discover({ sources: [{ sitemap: `${ORIGIN}/status/410` }] });
    const { batch, urls: done } = await finished(created.id);
    expect(done).toEqual([]);
    expect(batch).toMatchObject({ status: "completed", counts: { total: 0 } });
    expect(batch.discovery?.errors).toEqual([
      { url: `${ORIGIN}/status/410`, kind: "sitemap", code: "http_error", message: "HTTP 410" },
    ]);
  });

  it("counts a source read twice (a lost lease, then a re-delivered message) once", async () => {
    const t = unique("redeliver");
    const created = await discover({ urls: [page(1, t)], sources: [{ sitemap: urls(`n=3&start=1&t=${t}`) }] });
    const stub = env.BATCH.get(env.BATCH.idFromString(created.id));
    // Claimed before the queue's first delivery (its batch waits a second): the real consumer then finds it busy.
    const first = await stub.claimSource(1);
    expect(first.kind).toBe("work");
    expect((await stub.claimSource(1)).kind).toBe("busy");
    // The first holder's lease runs out: the source can be claimed again.
    const shiftBack = shiftClock(LEASE_MS + 1000);
    const second = await stub.claimSource(1).finally(shiftBack);
    if (first.kind !== "work" || second.kind !== "work") throw new Error("expected two leases");
    const slice = { urls: range(1, 3, t).map((url) => ({ url, norm: url })), sitemaps: [], invalid: 1, filtered: 0 };
    expect(await stub.discovered(1, first.token, slice)).toEqual({ stop: true });
    expect(await stub.discovered(1, second.token, slice)).toEqual({ stop: false });
    expect(await stub.discovered(1, second.token, slice)).toEqual({ stop: false });
    await stub.finishSource(1, second.token, { ok: true });
    await stub.finishSource(1, first.token, { ok: false, code: "timeout", message: "late", transient: true });
    const { batch, urls: done } = await finished(created.id);
    expect(done).toEqual(range(1, 3, t));
    expect(batch.discovery).toMatchObject({ found: 2, invalid: 2, sources: { pending: 0, done: 1, failed: 0 } });
  });

  it("cancels a discovering batch: discovery ends, every URL found so far ends once", async () => {
    const t = unique("cancel");
    const created = await discover({ urls: [page(1, t)], sources: [{ sitemap: urls(`n=200&start=2&t=${t}`) }] });
    const cancelled = await json<DiscoveryBatch>(await api(`/v1/batches/${created.id}/cancel`, { method: "POST" }));
    expect(cancelled.discovery?.state).toBe("done");
    const { batch } = await finished(created.id);
    expect(batch.status).toBe("cancelled");
    expect(batch.counts.total).toBe(1 + (batch.discovery?.found ?? 0));
  });

  it("gives a new run the explicit list only, and the sources to discover afresh (beginRun copies both)", async () => {
    const t = unique("rerun");
    const created = await discover({ urls: [page(50, t)], sources: [{ sitemap: urls(`n=3&start=1&t=${t}`) }] });
    await finished(created.id);
    const source = env.BATCH.get(env.BATCH.idFromString(created.id));
    expect(await source.exportInputs(0, 100)).toEqual([{ index: 0, url: page(50, t), id: null }]);

    const runId = env.BATCH.newUniqueId();
    const run = env.BATCH.get(runId);
    const input = { batchId: runId.toString(), tenant: "tenant-a", options: BatchOptions.parse({}), chunkSize: 5 };
    expect(await run.beginRun(input, created.id)).toBe(true);
    const { urls: done, batch } = await finished(runId.toString());
    expect(done).toEqual([page(50, t), ...range(1, 3, t)]);
    expect(batch.discovery?.found).toBe(3);
  });

  it.each([
    [{ sources: [{ sitemap: "not a url" }] }, "sources[0].sitemap"],
    [{ sources: [{ sitemap: "http://169.254.169.254/sitemap.xml" }] }, "sources[0].sitemap"],
    [{ sources: [{ robots: "ftp://example.com" }] }, "sources[0].robots"],
    [{ sources: [{ page: "https://example.com/" }] }, "sources[0]"],
    [{ sources: [{ sitemap: "https://example.com/a.xml", feed: "https://example.com/b.xml" }] }, "sources[0]"],
    [{ urls: [] }, "urls"],
    [{}, "urls"],
    [{ sources: [] }, "urls"],
    [{ urls: ["https://example.com/"], include: ["*"] }, "include"],
    [{ urls: ["https://example.com/"], maxUrls: 5 }, "maxUrls"],
    [{ sources: [{ sitemap: `${ORIGIN}/s.xml` }], maxUrls: 0 }, "maxUrls"],
    [{ sources: [{ sitemap: `${ORIGIN}/s.xml` }], maxUrls: 20_000_000 }, "maxUrls"],
    [{ sources: [{ sitemap: `${ORIGIN}/s.xml` }], exclude: [""] }, "exclude[0]"],
  ])("refuses %j naming %s", async (body, field) => {
    const response = await createBatch(body);
    expect(response.status).toBe(400);
    const { error } = await json<{ error: { details: { field: string }[] } }>(response);
    expect(error.details.map((d) => d.field)).toContain(field);
  });
});
