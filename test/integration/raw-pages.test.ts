// Preserved pages (`keepRaw`) and re-extraction: bodies are stored once per batch by
// their bytes' SHA-256, listed by the manifest, deleted with the batch; a 304 refers to
// the body it confirms; a re-extraction reads them back and fetches nothing.
import { createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { r2Keys } from "../../lib/r2-keys";
import { gunzip, sha256Hex } from "../../lib/raw-pages";
import type { Manifest, ResultRecord } from "../../lib/schemas";
import worker from "../../workers/index";
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

const DAY = 86_400_000;

async function rawObjects(id: string): Promise<string[]> {
  return (await env.RESULTS.list({ prefix: r2Keys.rawPrefix(id) })).objects.map((o) => o.key);
}

async function records(id: string): Promise<ResultRecord[]> {
  return (await download(id)) as unknown as ResultRecord[];
}

async function reextract(id: string, body: unknown, key?: string): Promise<Response> {
  return api(`/v1/batches/${id}/reextract`, {
    method: "POST",
    key,
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

async function errorOf(response: Response): Promise<{ code: string; details?: { field: string }[] }> {
  return (await json<{ error: { code: string; details?: { field: string }[] } }>(response)).error;
}

/** A kept batch: two URLs with the same bytes, one other page, a 404, a duplicate and an invalid line. */
async function keptBatch(run: string): Promise<{ id: string; urls: string[] }> {
  const urls = [
    `${ORIGIN}/pages/1.html?run=${run}&v=a`,
    `${ORIGIN}/pages/1.html?run=${run}&v=b`,
    `${ORIGIN}/pages/2.html?run=${run}`,
    `${ORIGIN}/status/404?run=${run}`,
    `${ORIGIN}/pages/2.html?run=${run}`,
    "not a url",
  ];
  const created = await submit(
    urls.map((url, i) => ({ url, id: `u${i}` })),
    { keepRaw: true },
  );
  await waitForPublished(created.id);
  return { id: created.id, urls };
}

describe("keepRaw", () => {
  it("stores each fetched body once per batch by its bytes, lists it in the manifest and the records", async () => {
    const { id } = await keptBatch(unique("keep"));
    const all = await records(id);
    const kept = all.filter((r) => r.raw);
    expect(kept.map((r) => r.index)).toEqual([0, 1, 2]);
    // The same bytes under two URLs: one object.
    expect(kept[0]?.raw?.key).toBe(kept[1]?.raw?.key);
    expect(kept[2]?.raw?.key).not.toBe(kept[0]?.raw?.key);
    const objects = await rawObjects(id);
    expect(objects.sort()).toEqual([...new Set(kept.map((r) => r.raw?.key))].sort());
    for (const record of kept) {
      const raw = record.raw;
      if (!raw) throw new Error("no raw");
      const object = await env.RESULTS.get(raw.key);
      if (!object) throw new Error(`missing ${raw.key}`);
      const bytes = await gunzip(object.body);
      expect(await sha256Hex(bytes)).toBe(raw.sha256);
      expect(bytes.byteLength).toBe(raw.bytes);
      expect(raw.key).toBe(r2Keys.raw(id, raw.sha256));
      expect(raw.date).toBeTruthy();
    }
    const manifest = await json<Manifest>(await api(`/v1/batches/${id}/manifest`));
    expect(manifest.raw).toEqual({ prefix: r2Keys.rawPrefix(id) });
    expect(manifest.options.keepRaw).toBe(true);
  });

  it("keeps nothing without the option", async () => {
    const created = await submit([`${ORIGIN}/pages/3.html?run=${unique("plain")}`]);
    await waitForPublished(created.id);
    expect(await rawObjects(created.id)).toEqual([]);
    expect((await records(created.id))[0]?.raw).toBeUndefined();
    expect((await json<Manifest>(await api(`/v1/batches/${created.id}/manifest`))).raw).toBeUndefined();
  });

  it("deletes the stored bodies with the batch when its retention runs out", async () => {
    const created = await submit([`${ORIGIN}/pages/4.html?run=${unique("expire")}`], {
      keepRaw: true,
      retentionDays: 1,
    });
    await waitForPublished(created.id);
    expect((await rawObjects(created.id)).length).toBe(1);
    await worker.scheduled(
      createScheduledController({ scheduledTime: Date.now() + 2 * DAY, cron: "*/15 * * * *" }),
      env,
    );
    expect(await rawObjects(created.id)).toEqual([]);
    const response = await reextract(created.id, {});
    expect(response.status).toBe(410);
    expect((await errorOf(response)).code).toBe("expired");
  });

  it("refers a 304 in a later run to the stored body it confirms, storing nothing again", async () => {
    const url = `${ORIGIN}/catalog/${unique("kept304")}/1.html`;
    const first = await submit([url], { keepRaw: true });
    await waitForPublished(first.id);
    const response = await api("/v1/batches", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ urls: [url], previousBatch: first.id, options: { keepRaw: true } }),
    });
    expect(response.status).toBe(202);
    const second = await json<BatchBody>(response);
    await waitForPublished(second.id);
    const statuses = (await originRequests()).filter((r) => r.path === new URL(url).pathname).map((r) => r.status);
    expect(statuses).toEqual([200, 304]);
    const [before] = await records(first.id);
    const [after] = await records(second.id);
    expect(after?.httpStatus).toBe(304);
    expect(after?.raw).toEqual(before?.raw);
    expect(after?.raw?.key.startsWith(r2Keys.rawPrefix(first.id))).toBe(true);
    expect(await rawObjects(second.id)).toEqual([]);
  });
});

describe("POST /v1/batches/{id}/reextract", () => {
  it("extracts the stored bodies again with new options, fetching nothing, pairing and counting as the first", async () => {
    const run = unique("reex");
    const { id } = await keptBatch(run);
    const first = await records(id);
    const fetchedBefore = (await originRequests()).filter((r) => r.path.includes(run)).length;

    const response = await reextract(id, { formats: ["markdown", "text", "links"], onlyMainContent: false });
    expect(response.status, await response.clone().text()).toBe(202);
    const created = await json<BatchBody>(response);
    expect(created.reextractOf).toBe(id);
    await waitForPublished(created.id);

    expect((await originRequests()).filter((r) => r.path.includes(run)).length).toBe(fetchedBefore);
    await expectViewsAgree(created.id);
    const firstStatus = await json<BatchBody>(await api(`/v1/batches/${id}`));
    const status = await json<BatchBody>(await api(`/v1/batches/${created.id}`));
    expect(status.counts).toEqual(firstStatus.counts);
    expect(status.errorsByCode).toEqual(firstStatus.errorsByCode);
    expect(status.reextractOf).toBe(id);
    const manifest = await json<Manifest>(await api(`/v1/batches/${created.id}/manifest`));
    expect(manifest.reextractOf).toBe(id);
    expect(manifest.options.onlyMainContent).toBe(false);

    const again = await records(created.id);
    expect(again.map((r) => [r.index, r.id, r.finalUrl, r.status, r.error?.code ?? null])).toEqual(
      first.map((r) => [r.index, r.id, r.finalUrl, r.status, r.error?.code ?? null]),
    );
    for (const record of again.filter((r) => r.raw)) {
      expect(record.reextract).toEqual({ batchId: id, from: "raw", message: null });
      expect(record.text).toBeTruthy();
      expect(record.links?.length).toBeGreaterThan(0);
      // The whole page now: the navigation the first batch dropped is in.
      expect(record.markdown).toContain("Home");
      expect(first.find((r) => r.index === record.index)?.markdown).not.toContain("Home");
    }
    const notFound = again.find((r) => r.index === 3);
    expect(notFound?.reextract?.from).toBe("original");
    expect(notFound?.reextract?.message).toContain("http_error");
    // Refused and duplicate lines end as they did, through the upload itself.
    expect(again.find((r) => r.index === 4)?.error?.code).toBe("duplicate");
    expect(again.find((r) => r.index === 5)?.error?.code).toBe("invalid_url");
  });

  it("re-extracts a re-extraction from the same stored bodies", async () => {
    const { id } = await keptBatch(unique("twice"));
    const once = await json<BatchBody>(await reextract(id, { formats: ["text"] }));
    await waitForPublished(once.id);
    const twice = await reextract(once.id, { formats: ["markdown"] });
    expect(twice.status).toBe(202);
    const created = await json<BatchBody>(twice);
    await waitForPublished(created.id);
    const again = await records(created.id);
    expect(again.filter((r) => r.reextract?.from === "raw").map((r) => r.index)).toEqual([0, 1, 2]);
  });

  it("answers a clear 4xx for a missing, foreign, unkept or badly optioned source", async () => {
    const { id } = await keptBatch(unique("bad"));
    const missing = await reextract("f".repeat(64), {});
    expect(missing.status).toBe(404);
    const foreign = await reextract(id, {}, KEY_B);
    expect(foreign.status).toBe(404);

    const badFormat = await reextract(id, { formats: ["pdf"] });
    expect(badFormat.status).toBe(400);
    expect((await errorOf(badFormat)).details?.map((d) => d.field)).toContain("formats[0]");
    const fetchOption = await reextract(id, { respectRobots: false });
    expect(fetchOption.status).toBe(400);

    const plain = await submit([`${ORIGIN}/pages/5.html?run=${unique("unkept")}`]);
    await waitForPublished(plain.id);
    const unkept = await reextract(plain.id, {});
    expect(unkept.status).toBe(409);
    expect((await errorOf(unkept)).code).toBe("not_kept_raw");
    const warc = await api(`/v1/batches/${plain.id}/download?format=warc`);
    expect(warc.status).toBe(409);
    expect((await errorOf(warc)).code).toBe("not_kept_raw");
  });
});
