// Retry what failed: a new batch holding only the failed URLs (or given codes), with
// the same options, linked to the first; its download merged onto the first gives one
// record per input URL of the first batch, the latest outcome winning.
import { describe, expect, it } from "vitest";
import type { ResultRecord } from "../../lib/schemas";
import { expectedRow, readParquet } from "../support/parquet-rows";
import { api, type BatchBody, download, json, KEY_B, ORIGIN, submit, unique, waitForPublished } from "./helpers";

type Created = BatchBody & { retryOf: string | null };

async function retry(id: string, body?: unknown, key?: string): Promise<Response> {
  return api(`/v1/batches/${id}/retry`, {
    method: "POST",
    key,
    ...(body === undefined ? {} : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
  });
}

async function fetchSigned(id: string, query: string): Promise<Response> {
  const link = await json<{ url: string; records: number }>(await api(`/v1/batches/${id}/download?${query}`));
  const url = new URL(link.url);
  return api(`${url.pathname}${url.search}`, { key: null });
}

describe("retrying what failed", () => {
  it("retries only the failed URLs with the same options, and merges the outcomes back onto the first batch", async () => {
    const run = unique("retry");
    const urls = [
      `${ORIGIN}/pages/0.html?run=${run}`,
      { url: `${ORIGIN}/fault/flaky/a?run=${run}`, id: "flaky-a" },
      `${ORIGIN}/pages/1.html?run=${run}`,
      `${ORIGIN}/status/404?run=${run}`,
      `${ORIGIN}/pages/0.html?run=${run}#dup`,
      { url: `${ORIGIN}/fault/flaky/b?run=${run}`, id: "flaky-b" },
    ];
    // Two attempts: the flaky route fails both, and serves the page on the third request.
    const first = await submit(urls, { maxAttempts: 2, retentionDays: 5 });
    const firstDone = await waitForPublished(first.id);
    expect(firstDone.counts).toMatchObject({ total: 6, succeeded: 2, failed: 3, skipped: 1 });

    const response = await retry(first.id);
    expect(response.status).toBe(202);
    const second = await json<Created>(response);
    expect(second.retryOf).toBe(first.id);
    expect(second.counts.total).toBe(3);
    const secondDone = await waitForPublished(second.id);
    expect(secondDone.counts).toMatchObject({ total: 3, succeeded: 2, failed: 1, skipped: 0 });
    const manifest = await json<{ options: { maxAttempts: number; retentionDays: number }; retryOf: unknown }>(
      await api(`/v1/batches/${second.id}/manifest`),
    );
    expect(manifest.options).toMatchObject({ maxAttempts: 2, retentionDays: 5 });
    expect(manifest.retryOf).toEqual({ batchId: first.id, codes: null });
    expect((await download(second.id)).map((r) => r.id)).toEqual(["flaky-a", null, "flaky-b"]);

    const mergedResponse = await fetchSigned(second.id, `merge=${first.id}`);
    expect(mergedResponse.status).toBe(200);
    const merged = (await mergedResponse.text())
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as ResultRecord);
    expect(merged.map((r) => r.index)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(merged.map((r) => r.url)).toEqual(urls.map((u) => (typeof u === "string" ? u : u.url)));
    expect(merged.map((r) => [r.status, r.error?.code ?? null])).toEqual([
      ["succeeded", null],
      ["succeeded", null],
      ["succeeded", null],
      ["failed", "http_error"],
      ["skipped", "duplicate"],
      ["succeeded", null],
    ]);
    expect(merged[1]).toMatchObject({ id: "flaky-a", title: "Recovered" });
    const firstRecords = (await download(first.id)) as unknown as ResultRecord[];
    expect(merged[0]).toEqual(firstRecords[0]);

    // The same merge as Parquet, row for row.
    const parquet = await fetchSigned(second.id, `format=parquet&merge=${first.id}`);
    const rows = await readParquet(await parquet.arrayBuffer());
    expect(rows).toEqual(merged.map(expectedRow));
  });

  it("retries the URLs with the given codes, skipped ones included", async () => {
    const run = unique("retry-codes");
    const first = await submit([`${ORIGIN}/pages/2.html?run=${run}`, `${ORIGIN}/pages/2.html?run=${run}#again`]);
    await waitForPublished(first.id);
    expect((await retry(first.id)).status).toBe(409); // nothing failed
    const keyed = (body: unknown) =>
      api(`/v1/batches/${first.id}/retry`, {
        method: "POST",
        headers: { "content-type": "application/json", "idempotency-key": `retry-${run}` },
        body: JSON.stringify(body),
      });
    const response = await keyed({ codes: ["duplicate"] });
    expect(response.status).toBe(202);
    const second = await json<Created>(response);
    expect(second.counts.total).toBe(1);
    // The same Idempotency-Key again is the same retry batch.
    const again = await keyed({ codes: ["duplicate"] });
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect((await json<Created>(again)).id).toBe(second.id);
    await waitForPublished(second.id);
    const merged = await fetchSigned(second.id, `merge=${first.id}`);
    const lines = (await merged.text()).split("\n").filter(Boolean);
    expect(lines.map((l) => (JSON.parse(l) as ResultRecord).status)).toEqual(["succeeded", "succeeded"]);
  });

  it("refuses what cannot be retried or merged, naming the field", async () => {
    const run = unique("retry-refusals");
    const running = await submit(Array.from({ length: 60 }, (_, n) => `${ORIGIN}/pages/${n}.html?run=${run}`));
    const notYet = await retry(running.id);
    expect([409, 202]).toContain(notYet.status); // 202 only if all 60 finished already
    if (notYet.status === 409) expect((await json<{ error: { code: string } }>(notYet)).error.code).toBe("not_ready");
    await waitForPublished(running.id);
    expect((await retry(running.id, undefined, KEY_B)).status).toBe(404);
    const badCode = await retry(running.id, { codes: ["no_such_code"] });
    expect(badCode.status).toBe(400);
    expect((await json<{ error: { details: { field: string }[] } }>(badCode)).error.details[0]?.field).toMatch(
      /^codes/,
    );
    const badMerge = await api(`/v1/batches/${running.id}/download?merge=${running.id}`);
    expect(badMerge.status).toBe(400);
    expect((await json<{ error: { details: { field: string }[] } }>(badMerge)).error.details[0]?.field).toBe("merge");
  });
});
