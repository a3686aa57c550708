// The windows a crash can leave between a coordinator's own commit and what it tells
// others (the queue, the tenant's listing). Property: after any crash, every listed batch
// reaches a terminal state, and its listing says so, within a bound (an alarm away); an
// upload that never sealed is never listed, and its batch says why it failed.
// "The process died here" is played by a queue that refuses, or by cutting a step short.
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { INGEST_TIMEOUT_MS } from "../../durable-objects/batch/ingest";
import type { BatchCoordinator } from "../../durable-objects/batch-coordinator";
import { parseAllowList } from "../../lib/address-policy";
import { shiftClock } from "../../lib/clock";
import { toIngestRow } from "../../lib/ingest-row";
import { BatchOptions } from "../../lib/schemas";
import { api, json, LEASE_MS, ORIGIN, unique, waitForPublished } from "./helpers";

const TENANT = "tenant-a";

async function listing(id: string): Promise<string | undefined> {
  const body = await json<{ batches: { id: string; status: string }[] }>(await api("/v1/batches?limit=100"));
  return body.batches.find((b) => b.id === id)?.status;
}

/** Begins an upload of `n` pages straight on a coordinator, as the API does, and appends them. */
async function upload(n: number): Promise<{ id: string; stub: DurableObjectStub<BatchCoordinator>; token: string }> {
  const objectId = env.BATCH.newUniqueId();
  const stub = env.BATCH.get(objectId);
  const begun = await stub.begin({
    batchId: objectId.toString(),
    tenant: TENANT,
    options: BatchOptions.parse({}),
    chunkSize: 5,
  });
  if (!begun.created) throw new Error("a new id names a new batch");
  const run = unique("crash");
  const allow = parseAllowList(env.DEV_ALLOWED_ORIGINS);
  const rows = Array.from({ length: n }, (_, i) => toIngestRow(`${ORIGIN}/pages/${i}.html?run=${run}`, allow));
  await stub.append(begun.token, rows);
  return { id: objectId.toString(), stub, token: begun.token };
}

describe("crash windows", () => {
  it("lists and finishes a batch whose seal died after committing, at an alarm within the heartbeat", async () => {
    const { id, stub, token } = await upload(12);
    // The seal commits, then "the process dies": the queue refuses, so nothing after the
    // commit runs (no chunk sent, no listing row, no alarm of the seal's own).
    const before = Date.now(); // the alarm is armed a moment later, within the 30 s heartbeat
    await runInDurableObject(stub, async (instance) => {
      const coordinator = instance as unknown as { env: Env };
      const queue = coordinator.env.CHUNKS;
      coordinator.env.CHUNKS = {
        sendBatch: () => Promise.reject(new Error("the process died")),
      } as unknown as Queue;
      try {
        await expect(instance.seal(token)).rejects.toThrow("the process died");
      } finally {
        coordinator.env.CHUNKS = queue;
      }
    });
    expect(await listing(id)).toBeUndefined();
    // An alarm is armed within the heartbeat, not the upload's ten minutes.
    const alarm = await runInDurableObject(stub, (_instance, state) => state.storage.getAlarm());
    expect(alarm).not.toBeNull();
    expect((alarm ?? Infinity) - before).toBeLessThanOrEqual(31_000);
    await runDurableObjectAlarm(stub);
    expect(await listing(id)).toBe("queued");
    // The chunks marked sent died with the process: their lease (LEASE_SECONDS) runs out,
    // and the alarm sends them again.
    const shiftBack = shiftClock(LEASE_MS + 1000);
    try {
      await runDurableObjectAlarm(stub);
      await waitForPublished(id);
      expect(await listing(id)).toBe("completed");
    } finally {
      shiftBack();
    }
  });

  it("brings the listing up to date at the next alarm when the process died between publication and listing", async () => {
    const { id, stub, token } = await upload(3);
    await stub.seal(token);
    await waitForPublished(id);
    // The listing as the seal left it: the update after publication "was lost".
    await env.TENANT.getByName(TENANT).upsert({ id, createdAt: new Date().toISOString(), status: "queued", total: 3 });
    expect(await listing(id)).toBe("queued");
    // The publication armed one more look; when it runs, the listing says completed.
    expect(await runInDurableObject(stub, (_instance, state) => state.storage.getAlarm())).not.toBeNull();
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await listing(id)).toBe("completed");
  });

  it("never lists an upload that was not sealed, and fails it at its alarm with the reason", async () => {
    const { id, stub } = await upload(4);
    expect(await listing(id)).toBeUndefined();
    // Its request died with the process: before the upload's timeout the alarm waits...
    const shiftBack = shiftClock(INGEST_TIMEOUT_MS - 60_000);
    try {
      await runDurableObjectAlarm(stub);
      expect((await json<{ status: string }>(await api(`/v1/batches/${id}`))).status).not.toBe("failed");
    } finally {
      shiftBack();
    }
    // ...and once nothing has been appended for longer, it fails the upload.
    const shiftBackAgain = shiftClock(INGEST_TIMEOUT_MS + 1000);
    try {
      await runDurableObjectAlarm(stub);
      expect(await listing(id)).toBeUndefined();
      const status = await json<{ status: string; failure: string }>(await api(`/v1/batches/${id}`));
      expect(status).toMatchObject({ status: "failed", failure: "the URL list upload was abandoned" });
    } finally {
      shiftBackAgain();
    }
  });
});
