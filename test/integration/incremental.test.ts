// A later run of the same list: validators from the previous run go with each request,
// a 304 carries the previous content forward without a body, and every record and
// count says what moved. The origin is demo/catalog.ts, whose pages change on request.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { r2Keys } from "../../lib/r2-keys";
import type { ResultRecord } from "../../lib/schemas";
import type { BatchView } from "../support/api-types";
import { readParquet } from "../support/parquet-rows";
import {
  api,
  type BatchBody,
  download,
  expectViewsAgree,
  json,
  KEY_B,
  ORIGIN,
  originRequests,
  submit,
  unique,
  waitForPublished,
} from "./helpers";

type Record = ResultRecord;

type Published = BatchView;

const page = (prefix: string, n: number) => `${ORIGIN}/catalog/${prefix}/${n}.html`;

async function edit(action: "bump" | "remove" | "bare" | "dated", url: string): Promise<void> {
  const response = await fetch(`${ORIGIN}/__catalog/${action}?path=${encodeURIComponent(new URL(url).pathname)}`, {
    method: "POST",
  });
  expect(response.status).toBe(200);
}

async function submitAfter(previousBatch: string, urls: string[], key?: string): Promise<Response> {
  return api("/v1/batches", {
    method: "POST",
    key,
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ urls, previousBatch }),
  });
}

async function run(urls: string[], previousBatch?: string): Promise<Published> {
  const id = previousBatch
    ? (await json<BatchBody>(await submitAfter(previousBatch, urls))).id
    : (await submit(urls)).id;
  await waitForPublished(id);
  return json<Published>(await api(`/v1/batches/${id}`));
}

async function changesOnly(id: string): Promise<Record[]> {
  const link = await json<{ url: string; records: number }>(await api(`/v1/batches/${id}/download?changes=only`));
  const url = new URL(link.url);
  const response = await api(`${url.pathname}${url.search}`, { key: null });
  expect(response.status).toBe(200);
  const records = new TextDecoder()
    .decode(await response.arrayBuffer())
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record);
  expect(records).toHaveLength(link.records);
  return records;
}

/** What the origin answered for each path since `since` requests had been logged. */
async function answersSince(since: number, prefix: string): Promise<Map<string, number[]>> {
  const answers = new Map<string, number[]>();
  for (const request of (await originRequests()).slice(since)) {
    if (!request.path.startsWith(`/catalog/${prefix}/`)) continue;
    answers.set(request.path, [...(answers.get(request.path) ?? []), request.status ?? 0]);
  }
  return answers;
}

describe("incremental runs", () => {
  it("fetches no body for unchanged pages and counts every change exactly", async () => {
    const p = unique("inc");
    await edit("bare", page(p, 10)); // no validators: compared by content hash
    await edit("dated", page(p, 9)); // Last-Modified only: If-Modified-Since
    await edit("dated", page(p, 3));
    const first = await run(Array.from({ length: 12 }, (_, n) => page(p, n)));
    expect(first.changes).toEqual({ new: 12, changed: 0, unchanged: 0, removed: 0 });
    const before = new Map((await download(first.id)).map((r) => [r.url as string, r as unknown as Record]));

    await edit("bump", page(p, 2));
    await edit("bump", page(p, 3));
    await edit("remove", page(p, 4));
    const logged = (await originRequests()).length;
    // 11 is dropped from the list; 12 and 13 are new; a bad line and a duplicate are no pages.
    const list = [
      ...Array.from({ length: 11 }, (_, n) => page(p, n)),
      page(p, 12),
      page(p, 13),
      "not a url",
      page(p, 0),
    ];
    const second = await run(list, first.id);

    expect(second.previousBatch).toBe(first.id);
    expect(second.changes).toEqual({ new: 2, changed: 3, unchanged: 8, removed: 1 });
    const manifest = await json<{ changes: object; totals: { total: number } }>(
      await api(`/v1/batches/${second.id}/manifest`),
    );
    expect(manifest.changes).toMatchObject(second.changes as object);
    await expectViewsAgree(second.id);

    const records = (await download(second.id)) as unknown as Record[];
    const changeOf = (n: number) => records.find((r) => r.url === page(p, n))?.change;
    expect([0, 1, 5, 6, 7, 8, 9, 10].map(changeOf)).toEqual(Array(8).fill("unchanged"));
    expect([2, 3, 4].map(changeOf)).toEqual(["changed", "changed", "changed"]);
    expect([12, 13].map(changeOf)).toEqual(["new", "new"]);
    expect(records.slice(13).map((r) => [r.change, r.error?.code])).toEqual([
      [null, "invalid_url"],
      [null, "duplicate"],
    ]);

    // Unchanged pages with validators were answered 304, once each, and keep their content.
    const answers = await answersSince(logged, p);
    for (const n of [0, 1, 5, 6, 7, 8, 9]) {
      expect(answers.get(`/catalog/${p}/${n}.html`), `page ${n}`).toEqual([304]);
      const carried = records.find((r) => r.url === page(p, n));
      expect(carried?.httpStatus).toBe(304);
      expect(carried?.markdown).toBe(before.get(page(p, n))?.markdown);
    }
    expect(answers.get(`/catalog/${p}/10.html`)).toEqual([200]);
    expect(answers.get(`/catalog/${p}/2.html`)).toEqual([200]);
    // Page 9 has only Last-Modified: If-Modified-Since alone got its 304; page 3 was dated later.
    expect(answers.get(`/catalog/${p}/3.html`)).toEqual([200]);
    expect(answers.get(`/catalog/${p}/4.html`)).toEqual([404]);
    expect(records.find((r) => r.url === page(p, 2))?.markdown).toContain("Revision 2");

    // The change-only download: the moved records in input order, then the removed one past the list.
    const moved = await changesOnly(second.id);
    expect(moved.map((r) => [r.url, r.change])).toEqual([
      [page(p, 2), "changed"],
      [page(p, 3), "changed"],
      [page(p, 4), "changed"],
      [page(p, 12), "new"],
      [page(p, 13), "new"],
      [page(p, 11), "removed"],
    ]);
    const removed = moved[5] as Record;
    expect([removed.index, removed.status, removed.error?.code]).toEqual([list.length, "skipped", "removed"]);

    // The same set as Parquet: one row per moved record.
    const parquetLink = await json<{ url: string; records: number }>(
      await api(`/v1/batches/${second.id}/download?changes=only&format=parquet`),
    );
    const parquetUrl = new URL(parquetLink.url);
    const rows = await readParquet(
      await (await api(`${parquetUrl.pathname}${parquetUrl.search}`, { key: null })).arrayBuffer(),
    );
    expect(rows.map((row) => [row.url, row.change])).toEqual(moved.map((r) => [r.url, r.change]));
  });

  it("fetches a page whole when the previous record it would carry forward is gone", async () => {
    const p = unique("gone");
    const urls = Array.from({ length: 6 }, (_, n) => page(p, n));
    const first = await run(urls);
    const listed = await env.RESULTS.list({ prefix: `${r2Keys.batchPrefix(first.id)}parts/` });
    await Promise.all(listed.objects.map((object) => env.RESULTS.delete(object.key)));
    const logged = (await originRequests()).length;

    const second = await run(urls, first.id);
    expect(second.changes).toEqual({ new: 0, changed: 0, unchanged: 6, removed: 0 });
    const answers = await answersSince(logged, p);
    for (const url of urls) expect(answers.get(new URL(url).pathname)).toEqual([304, 200]);
    const records = (await download(second.id)) as unknown as Record[];
    expect(records.every((r) => r.status === "succeeded" && r.httpStatus === 200 && r.markdown)).toBe(true);
  });

  it("chains: a third run compares with the second, whose content was carried", async () => {
    const p = unique("chain");
    const urls = Array.from({ length: 4 }, (_, n) => page(p, n));
    const first = await run(urls);
    const second = await run(urls, first.id);
    await edit("bump", page(p, 1));
    const third = await run(urls, second.id);
    expect([second.changes, third.changes]).toEqual([
      { new: 0, changed: 0, unchanged: 4, removed: 0 },
      { new: 0, changed: 1, unchanged: 3, removed: 0 },
    ]);
    const records = (await download(third.id)) as unknown as Record[];
    expect(records.map((r) => [r.httpStatus, Boolean(r.markdown)])).toEqual([
      [304, true],
      [200, true],
      [304, true],
      [304, true],
    ]);
  });

  it("a cancelled later run accounts for every page: fetched, cancelled or removed", async () => {
    const p = unique("cancel");
    const first = await run([...Array.from({ length: 4 }, (_, n) => page(p, n)), `${ORIGIN}/slow/10/${Date.now()}`]);
    const slow = Array.from({ length: 30 }, (_, n) => `${ORIGIN}/slow/400/${Date.now() + n}`);
    const created = await json<BatchBody>(await submitAfter(first.id, [page(p, 0), page(p, 1), ...slow]));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await api(`/v1/batches/${created.id}/cancel`, { method: "POST" })).status).toBe(200);
    await waitForPublished(created.id);
    await expectViewsAgree(created.id);
    const second = await json<Published>(await api(`/v1/batches/${created.id}`));
    const changes = second.changes as NonNullable<Published["changes"]>;
    // Every page of the list has a change but those it never looked at (cancelled: null);
    // the previous run's pages 2, 3 and its slow page are removed.
    const records = (await download(created.id)) as unknown as Record[];
    const cancelled = records.filter((r) => r.error?.code === "cancelled");
    expect(cancelled.every((r) => r.change === null)).toBe(true);
    expect(changes.new + changes.changed + changes.unchanged + cancelled.length).toBe(second.counts.total);
    expect(changes.removed).toBe(3);
    expect((await changesOnly(created.id)).filter((r) => r.change === "removed")).toHaveLength(3);
  });

  it("says no change for pages a cancelled run never fetched, and the next run compares with the last run that did", async () => {
    const p = unique("cancelled-run");
    const urls = Array.from({ length: 4 }, (_, n) => page(p, n));
    const first = await run(urls);
    // Slow pages fill the dispatch window (4 chunks of 5), so the catalog pages after them
    // are still waiting when the run is cancelled: they are never fetched.
    const slow = Array.from({ length: 20 }, (_, n) => `${ORIGIN}/slow/800/${Date.now() + n}`);
    const created = await json<BatchBody>(await submitAfter(first.id, [...slow, ...urls]));
    expect((await api(`/v1/batches/${created.id}/cancel`, { method: "POST" })).status).toBe(200);
    await waitForPublished(created.id, undefined, 40_000);
    await expectViewsAgree(created.id);
    const second = (await download(created.id)) as unknown as Record[];
    expect(second.slice(20).map((r) => [r.status, r.error?.code, r.change])).toEqual(
      urls.map(() => ["skipped", "cancelled", null]),
    );
    expect((await changesOnly(created.id)).some((r) => urls.includes(r.url))).toBe(false);

    // The third run sends the first run's validators: 304 where nothing moved, with the
    // first run's content; the page edited since is fetched and changed.
    await edit("bump", page(p, 2));
    const logged = (await originRequests()).length;
    const third = await run(urls, created.id);
    await expectViewsAgree(third.id);
    const answers = await answersSince(logged, p);
    expect(urls.map((url) => answers.get(new URL(url).pathname))).toEqual([[304], [304], [200], [304]]);
    const records = (await download(third.id)) as unknown as Record[];
    expect(records.map((r) => [r.change, r.httpStatus, Boolean(r.markdown)])).toEqual([
      ["unchanged", 304, true],
      ["unchanged", 304, true],
      ["changed", 200, true],
      ["unchanged", 304, true],
    ]);
    expect(third.changes).toMatchObject({ new: 0, changed: 1, unchanged: 3 });
  }, 60_000);

  it("finds removed URLs across the scan's slices, each once, numbered past the list", async () => {
    const p = unique("many");
    // 10,050 pages, cancelled at once: a cheap previous run larger than one slice of the scan.
    const many = Array.from({ length: 10_050 }, (_, n) => `${ORIGIN}/slow/5000/${p}-${n}`);
    const first = await submit(many);
    expect((await api(`/v1/batches/${first.id}/cancel`, { method: "POST" })).status).toBe(200);
    await waitForPublished(first.id);
    const second = await run([many[7] as string], first.id);
    expect(second.changes?.removed).toBe(10_049);
    const removed = (await changesOnly(second.id)).filter((r) => r.change === "removed");
    expect(removed.map((r) => r.index)).toEqual(Array.from({ length: 10_049 }, (_, k) => 1 + k));
    expect(new Set(removed.map((r) => r.url)).size).toBe(10_049);
    expect(removed.some((r) => r.url === many[7])).toBe(false);
  });

  it("refuses a previous batch that is not the caller's, not published, or not a batch", async () => {
    const mine = await submit([`${ORIGIN}/slow/3000/${Date.now()}`]);
    const theirs = await submit([page(unique("b"), 0)], undefined, KEY_B);
    await waitForPublished(theirs.id, KEY_B);
    for (const [previous, reason] of [
      [mine.id, "compare with a published batch"],
      [theirs.id, "no such batch of yours"],
      ["f".repeat(64), "no such batch of yours"],
    ] as const) {
      const response = await submitAfter(previous, [page(unique("x"), 0)]);
      expect(response.status).toBe(400);
      const body = await json<{ error: { message: string; details: { field: string }[] } }>(response);
      expect(body.error.details[0]?.field).toBe("previousBatch");
      expect(body.error.message).toContain(reason);
    }
    // Another extraction than the previous run's: the content a 304 carries would not be what was asked.
    const other = await api("/v1/batches", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ urls: [page(unique("x"), 0)], previousBatch: theirs.id, options: { images: false } }),
      key: KEY_B,
    });
    expect(other.status).toBe(400);
    expect(await other.text()).toContain("another options.images");
    const malformed = await submitAfter("nope", [page(unique("x"), 0)]);
    expect(malformed.status).toBe(400);
    expect(await malformed.text()).toContain("previousBatch");
  });

  it("refuses a change-only download of a batch combined with a merge", async () => {
    const first = await run([page(unique("m"), 0)]);
    const response = await api(`/v1/batches/${first.id}/download?changes=only&merge=${first.id}`);
    expect(response.status).toBe(400);
    expect(await response.text()).toContain("changes");
  });
});
