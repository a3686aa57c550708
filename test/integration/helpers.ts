import { env, exports } from "cloudflare:workers";
import { expect } from "vitest";
import type { OriginRequest } from "../../demo/origin-server";
import type { ClaimResult } from "../../lib/coordinator-protocol";
import { r2Keys } from "../../lib/r2-keys";
import { unfetchedRecord, writePart } from "../../lib/result-parts";
import type { Manifest } from "../../lib/schemas";
import { readSettings } from "../../lib/settings";
import type { BatchView, CreatedBatch, FirecrawlBatchErrors, ResultsPage } from "../support/api-types";

export const KEY_A = "test-key";
export const KEY_B = "test-key-b";
/** The real local origins started by test/support/global-origin.ts. */
const [
  ORIGIN_URL = "",
  POLITE_URL = "",
  HUGE_ROBOTS_URL = "",
  LOOP_ROBOTS_URL = "",
  RESET_ROBOTS_URL = "",
  RECOVERING_ROBOTS_URL = "",
  PACED_URL = "",
] = env.DEV_ALLOWED_ORIGINS.split(",");
/** Serves pages, statuses and faults; robots.txt allows all; no pacing beyond the gate's. */
export const ORIGIN = ORIGIN_URL;
/** Its robots.txt sets Crawl-delay: 1 and disallows /private/. */
export const POLITE_ORIGIN = POLITE_URL;
/** Its robots.txt is 10 MiB and disallows /private/ in its first lines. */
export const HUGE_ROBOTS_ORIGIN = HUGE_ROBOTS_URL;
/** Its robots.txt redirects in a loop. */
export const LOOP_ROBOTS_ORIGIN = LOOP_ROBOTS_URL;
/** Its robots.txt answers 200, then the connection drops mid-file. */
export const RESET_ROBOTS_ORIGIN = RESET_ROBOTS_URL;
/** Its robots.txt answers 503 twice, then allows all. */
export const RECOVERING_ROBOTS_ORIGIN = RECOVERING_ROBOTS_URL;
/** Its robots.txt sets Crawl-delay: 0.25; it serves test/support/pace-routes.ts. */
export const PACED_ORIGIN = PACED_URL;

/** One lease of the test env (LEASE_SECONDS): shift lib/clock.ts past it and a lease has run out. */
export const LEASE_MS = readSettings(env).LEASE_SECONDS * 1000;

/** Calls the Worker's public HTTP API as a client would. */
export function api(path: string, init: RequestInit & { key?: string | null } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  const key = init.key === undefined ? KEY_A : init.key;
  if (key) headers.set("authorization", `Bearer ${key}`);
  return exports.default.fetch(new Request(`http://trawl.test${path}`, { ...init, headers }));
}

export async function json<T = Record<string, unknown>>(response: Response): Promise<T> {
  return (await response.json()) as T;
}

/** A batch as the API answers it: its status view, and after a submission what the upload took. */
export type BatchBody = BatchView & Partial<Pick<CreatedBatch, "accepted" | "duplicates" | "invalid">>;

/** Submits a JSON batch and returns the 202 body. */
export async function submit(urls: unknown[], options?: unknown, key = KEY_A): Promise<CreatedBatch> {
  const response = await api("/v1/batches", {
    method: "POST",
    key,
    headers: { "content-type": "application/json" },
    body: JSON.stringify(options === undefined ? { urls } : { urls, options }),
  });
  expect(response.status, await response.clone().text()).toBe(202);
  return json<CreatedBatch>(response);
}

/** Polls a batch until its manifest is published (or the deadline passes). */
export async function waitForPublished(id: string, key = KEY_A, timeoutMs = 25_000): Promise<BatchBody> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const batch = await json<BatchBody>(await api(`/v1/batches/${id}`, { key }));
    if (batch.published) return batch;
    if (Date.now() > deadline) throw new Error(`batch ${id} not published in time: ${JSON.stringify(batch)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Downloads the complete result set through its signed link. */
export async function download(id: string, key = KEY_A): Promise<Record<string, unknown>[]> {
  const link = await json<{ url: string }>(await api(`/v1/batches/${id}/download`, { key }));
  const url = new URL(link.url);
  const response = await exports.default.fetch(new Request(`http://trawl.test${url.pathname}${url.search}`));
  expect(response.status).toBe(200);
  const text = await response.text();
  return text
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Every request the origin has answered so far. */
export async function originRequests(origin = ORIGIN): Promise<OriginRequest[]> {
  return (await (await fetch(`${origin}/__requests`)).json()) as OriginRequest[];
}

/** A path on the origin unique to this test run, so request counts are not shared. */
export function unique(prefix: string): string {
  return `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
}

type RecordView = ResultsPage["records"][number];

/** Follows `nextCursor` through every page of a listing route. */
async function allPages<T>(path: string, field: string, key: string): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  do {
    const sep = path.includes("?") ? "&" : "?";
    const page: Record<string, unknown> = await json(
      await api(`${path}${sep}limit=200${cursor ? `&cursor=${cursor}` : ""}`, { key }),
    );
    items.push(...(page[field] as T[]));
    cursor = page.nextCursor as string | null;
  } while (cursor);
  return items;
}

/**
 * Checks, for a published batch, that every view says the same thing about every URL:
 * the status counts, `/results`, `/errors`, the manifest totals and the signed download
 * each hold each input index exactly once, in the same state with the same code.
 * Returns the state of each index, for the caller's own expectations.
 */
export async function expectViewsAgree(id: string, key = KEY_A): Promise<Map<number, string>> {
  const status = await json<BatchBody>(await api(`/v1/batches/${id}`, { key }));
  expect(status.published).toBe(true);
  const { total, pending, succeeded, failed, skipped } = status.counts;
  expect(pending).toBe(0);
  expect(succeeded + failed + skipped).toBe(total);

  const downloaded = (await download(id, key)) as unknown as RecordView[];
  expect(downloaded.map((r) => r.index)).toEqual(Array.from({ length: total }, (_, i) => i));
  const states = new Map(downloaded.map((r) => [r.index, r.status]));
  const tally = (state: string) => downloaded.filter((r) => r.status === state).length;
  expect({ succeeded: tally("succeeded"), failed: tally("failed"), skipped: tally("skipped") }).toEqual({
    succeeded,
    failed,
    skipped,
  });

  const results = await allPages<RecordView>(`/v1/batches/${id}/results`, "records", key);
  expect(results.map((r) => [r.index, r.status, r.error?.code ?? null])).toEqual(
    downloaded.map((r) => [r.index, r.status, r.error?.code ?? null]),
  );
  // Near-duplicate marks (merged in at publication) are the same in both.
  const marks = (r: RecordView) => [r.index, r.nearDuplicateOf ?? null, r.duplicateOf ?? null];
  expect(results.map(marks)).toEqual(downloaded.map(marks));

  const errors = await allPages<{ index: number; status: string; code: string | null }>(
    `/v1/batches/${id}/errors`,
    "errors",
    key,
  );
  expect(errors.map((e) => [e.index, e.status, e.code])).toEqual(
    downloaded.filter((r) => r.status !== "succeeded").map((r) => [r.index, r.status, r.error?.code ?? null]),
  );

  // Firecrawl's errors view: only robots.txt refusals under robotsBlocked, every other
  // failed or skipped URL under errors with its code (an unreachable robots.txt included).
  const firecrawl = await json<FirecrawlBatchErrors>(await api(`/v2/batch/scrape/${id}/errors`, { key }));
  const notOk = downloaded.filter((r) => r.status !== "succeeded");
  const refused = (r: RecordView) => r.error?.code === "robots_disallowed";
  expect(firecrawl.robotsBlocked).toEqual(notOk.filter(refused).map((r) => r.url));
  expect(firecrawl.errors.map((e) => [e.url, e.code])).toEqual(
    notOk.filter((r) => !refused(r)).map((r) => [r.url, r.error?.code ?? r.status]),
  );

  const manifest = await json<Manifest>(await api(`/v1/batches/${id}/manifest`, { key }));
  expect(manifest.totals).toEqual({ total, succeeded, failed, skipped });

  // The status's exact count per error code is the download's, code by code.
  const byCode: Record<string, number> = {};
  for (const r of downloaded) if (r.error) byCode[r.error.code] = (byCode[r.error.code] ?? 0) + 1;
  expect(status.errorsByCode).toEqual(byCode);

  // Each record's change, counted, is what the manifest and the status say.
  const changes = (change: string) => downloaded.filter((r) => r.change === change).length;
  const counted = { new: changes("new"), changed: changes("changed"), unchanged: changes("unchanged") };
  expect(manifest.changes).toMatchObject(counted);
  expect(status.changes).toMatchObject({ ...counted, removed: manifest.changes?.removed });
  return states;
}

/**
 * Plays the queue consumer for a chunk the test claimed itself: writes a part with a
 * record per claimed URL, all ending `status` (code `network_error` when failed), and
 * reports it as the consumer does. Answers whether the coordinator accepted the report.
 */
export async function reportClaim(
  batchId: string,
  chunkId: number,
  claim: Extract<ClaimResult, { kind: "work" }>,
  status: "succeeded" | "failed",
): Promise<boolean> {
  const records = claim.entries.map((e) =>
    status === "failed"
      ? { ...unfetchedRecord(e, "failed", "network_error", "the test says so"), attempts: e.attempts + 1 }
      : { ...unfetchedRecord(e, "failed", "network_error", ""), status, error: null, attempts: e.attempts + 1 },
  );
  const key = r2Keys.part(batchId, chunkId, claim.attempt);
  const part = records.length > 0 ? await writePart(env.RESULTS, key, records) : null;
  const stub = env.BATCH.get(env.BATCH.idFromString(batchId));
  const { accepted } = await stub.reportChunk({
    chunkId,
    token: claim.token,
    part,
    urls: records.map((r) => ({
      index: r.index,
      outcome: r.status,
      code: r.error?.code ?? null,
      message: r.error?.message ?? null,
      fetched: true,
    })),
    retryAfterSeconds: null,
  });
  // A rejected report's part stays: the same claim reported twice shares the accepted one's key.
  return accepted;
}
