// The coordinator's invariants under at-least-once delivery: duplicate deliveries,
// duplicate reports, stale leases, lost messages and dead letters. The test env has
// CHUNK_SIZE 5 and MAX_CHUNKS_IN_FLIGHT 4, so in a 60-URL batch chunk 10 is not sent
// until six chunks have reported: the test can hold its lease without racing a consumer.
import {
  createExecutionContext,
  createMessageBatch,
  getQueueResult,
  runDurableObjectAlarm,
  runInDurableObject,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { shiftClock } from "../../lib/clock";
import { r2Keys } from "../../lib/r2-keys";
import { Manifest } from "../../lib/schemas";
import worker from "../../workers/index";
import {
  api,
  download,
  json,
  LEASE_MS,
  ORIGIN,
  originRequests,
  reportClaim,
  submit,
  unique,
  waitForPublished,
} from "./helpers";

const HELD_CHUNK = 10;

async function heldBatch() {
  const run = unique("held");
  const urls = Array.from({ length: 60 }, (_, n) => `${ORIGIN}/pages/${n}.html?run=${run}`);
  const created = await submit(urls);
  const stub = env.BATCH.get(env.BATCH.idFromString(created.id));
  const claim = await stub.claim(HELD_CHUNK);
  if (claim.kind !== "work") throw new Error(`expected to hold chunk ${HELD_CHUNK}, got ${claim.kind}`);
  return { run, created, stub, claim };
}

/** Waits until `pending` URLs of the batch are left (the held chunk's, once every other chunk is done). */
async function waitForPending(id: string, pending: number, timeoutMs = 25_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const counts = (await json<{ counts: { pending: number } }>(await api(`/v1/batches/${id}`))).counts;
    if (counts.pending === pending) return;
    if (Date.now() > until) throw new Error(`${counts.pending} URLs pending, not ${pending}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("BatchCoordinator", () => {
  it("counts a chunk reported twice once", async () => {
    const { created, claim } = await heldBatch();
    if (claim.kind !== "work") return;
    expect(await reportClaim(created.id, HELD_CHUNK, claim, "failed")).toBe(true);
    expect(await reportClaim(created.id, HELD_CHUNK, claim, "failed")).toBe(false);
    const done = await waitForPublished(created.id);
    expect(done.counts).toEqual({ total: 60, pending: 0, succeeded: 55, failed: 5, skipped: 0 });
    expect(await download(created.id)).toHaveLength(60);
  });

  it("finds a chunk busy while leased, so a duplicate delivery fetches nothing", async () => {
    const { stub, claim } = await heldBatch();
    expect(claim.kind).toBe("work");
    expect(await stub.claim(HELD_CHUNK)).toEqual({ kind: "busy" });
  });

  it("re-sends a chunk whose lease ran out and ignores the late report of the lost holder", async () => {
    const { run, created, stub, claim } = await heldBatch();
    if (claim.kind !== "work") return;
    // Every other chunk finishes while the holder sits on its lease...
    await waitForPending(created.id, 5);
    // ...then the holder "dies": its lease runs out, and the alarm sends the chunk again.
    const shiftBack = shiftClock(LEASE_MS + 1000);
    try {
      await runDurableObjectAlarm(stub);
      const done = await waitForPublished(created.id);
      expect(done.counts).toMatchObject({ total: 60, succeeded: 60, failed: 0 });
      // The lost holder comes back and reports: too late, nothing changes.
      expect(await reportClaim(created.id, HELD_CHUNK, claim, "failed")).toBe(false);
      expect((await json<{ counts: object }>(await api(`/v1/batches/${created.id}`))).counts).toEqual(done.counts);
      const fetched = (await originRequests()).filter((r) => r.path.includes(run));
      expect(new Set(fetched.map((r) => r.path)).size).toBe(60);
      expect(fetched).toHaveLength(60);
    } finally {
      shiftBack();
    }
  });

  it("acks a redelivered message for a finished chunk without fetching again", async () => {
    const run = unique("redeliver");
    const created = await submit(Array.from({ length: 5 }, (_, n) => `${ORIGIN}/pages/${n}.html?run=${run}`));
    await waitForPublished(created.id);
    const before = (await originRequests()).filter((r) => r.path.includes(run)).length;
    const batch = createMessageBatch("trawl-chunks", [
      { id: "m1", timestamp: new Date(), attempts: 1, body: { batchId: created.id, chunkId: 0 } },
      { id: "m2", timestamp: new Date(), attempts: 1, body: { batchId: created.id, chunkId: 0 } },
      { id: "m3", timestamp: new Date(), attempts: 1, body: { not: "a chunk message" } },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks.sort()).toEqual(["m1", "m2", "m3"]);
    expect(result.retryMessages).toEqual([]);
    expect((await originRequests()).filter((r) => r.path.includes(run)).length).toBe(before);
    expect(before).toBe(5);
  });

  it("records a dead-lettered chunk as failed, writes its records itself, and completes the batch", async () => {
    const { created } = await heldBatch();
    const batch = createMessageBatch("trawl-chunks-dlq", [
      { id: "d1", timestamp: new Date(), attempts: 1, body: { batchId: created.id, chunkId: HELD_CHUNK } },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env);
    expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual(["d1"]);
    // Once held by a test that vanished, the chunk is done: the alarm publishes without it.
    const done = await waitForPublished(created.id);
    expect(done.counts).toEqual({ total: 60, pending: 0, succeeded: 55, failed: 5, skipped: 0 });
    const records = await download(created.id);
    expect(records.filter((r) => (r.error as { code?: string } | null)?.code === "delivery_failed")).toHaveLength(5);
    expect(records.map((r) => r.index)).toEqual(Array.from({ length: 60 }, (_, i) => i));
  });

  it("keeps the first manifest when publication runs twice (create-only put)", async () => {
    const run = unique("manifest");
    const created = await submit([`${ORIGIN}/pages/1.html?run=${run}`]);
    await waitForPublished(created.id);
    const first = await env.RESULTS.get(r2Keys.manifest(created.id));
    const stub = env.BATCH.get(env.BATCH.idFromString(created.id));
    await runInDurableObject(stub, async (_instance, state) => {
      state.storage.sql.exec("UPDATE batch SET manifest_key = NULL, phase = 'running'");
      await state.storage.setAlarm(Date.now());
    });
    await runDurableObjectAlarm(stub);
    const second = await env.RESULTS.get(r2Keys.manifest(created.id));
    expect(second?.etag).toBe(first?.etag);
    expect((await json<{ status: string }>(await api(`/v1/batches/${created.id}`))).status).toBe("completed");
  });

  it("takes the finish time from the committed manifest when a crash came between its put and the row update", async () => {
    const run = unique("finished");
    const created = await submit([`${ORIGIN}/pages/2.html?run=${run}`]);
    await waitForPublished(created.id);
    const manifest = Manifest.parse(await (await env.RESULTS.get(r2Keys.manifest(created.id)))?.json());
    const stub = env.BATCH.get(env.BATCH.idFromString(created.id));
    // The put committed, the process died before the row said so: the alarm publishes again.
    await runInDurableObject(stub, async (_instance, state) => {
      state.storage.sql.exec("UPDATE batch SET manifest_key = NULL, finished_at = NULL, phase = 'running'");
      await state.storage.setAlarm(Date.now());
    });
    await new Promise((resolve) => setTimeout(resolve, 20)); // a retry's clock reads later
    await runDurableObjectAlarm(stub);
    const status = await json<{ status: string; finishedAt: string }>(await api(`/v1/batches/${created.id}`));
    expect(status).toMatchObject({ status: "completed", finishedAt: manifest.finishedAt });
    const served = await json<{ finishedAt: string }>(await api(`/v1/batches/${created.id}/manifest`));
    expect(served.finishedAt).toBe(manifest.finishedAt);
  });
});
