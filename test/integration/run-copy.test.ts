// A scheduled run copies its source's list by its own alarm, a bounded number of slices
// per alarm, so no single invocation (the cron's least of all) holds a long list.
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { BatchCoordinator } from "../../durable-objects/batch-coordinator";
import { BatchStore } from "../../durable-objects/batch-store";
import { copyRunSlices } from "../../durable-objects/run-copy";
import { toIngestRow } from "../../lib/ingest-row";
import { BatchOptions } from "../../lib/schemas";
import { readSettings } from "../../lib/settings";

/** A source batch of `total` submitted URLs (unusable ones: nothing is fetched), read as the run reads it. */
function fakeSource(total: number) {
  let reads = 0;
  const source = {
    exportInputs: async (cursor: number, limit: number) => {
      reads++;
      return Array.from({ length: Math.max(0, Math.min(limit, total - cursor)) }, (_, i) => ({
        index: cursor + i,
        url: `not a url ${cursor + i}`,
        id: null,
      }));
    },
    discoveryPlan: async () => null,
  };
  return { source: source as unknown as DurableObjectStub<BatchCoordinator>, reads: () => reads };
}

/** A new batch's coordinator with its upload begun, as beginRun leaves a run. */
async function beginBatch() {
  const stub = env.BATCH.get(env.BATCH.newUniqueId());
  const begun = await stub.begin({
    batchId: stub.id.toString(),
    tenant: "tenant-a",
    options: BatchOptions.parse({}),
    chunkSize: 5,
  });
  if (!begun.created) throw new Error("expected a new batch");
  return { stub, begun };
}

describe("a scheduled run's copy", () => {
  it("copies at most 20 slices of 1,000 per alarm, resumes where it stopped, and seals once the list is in", async () => {
    const { stub, begun } = await beginBatch();
    const { source, reads } = fakeSource(20_500);
    const sealed: string[] = [];
    const step = () =>
      runInDurableObject(stub, async (_instance, state) => {
        const store = new BatchStore(state.storage);
        store.setCopy("source", store.batch()?.copy_cursor ?? 0);
        const batch = store.batch();
        if (!batch) throw new Error("no batch");
        const done = await copyRunSlices(batch, {
          store,
          settings: readSettings(env),
          source,
          planDiscovery: async () => true,
          seal: async (token) => {
            sealed.push(token);
          },
          abandon: async () => {},
        });
        return { done, total: store.batch()?.total, cursor: store.batch()?.copy_cursor };
      });

    expect(await step()).toEqual({ done: false, total: 20_000, cursor: 20_000 });
    expect(reads()).toBe(20);
    expect(sealed).toEqual([]);
    expect(await step()).toMatchObject({ done: true, total: 20_500 });
    expect(sealed).toEqual([begun.token]);
  });
});

describe("cancelling a run still copying its list", () => {
  it("stops the copy and ends the run cancelled with what it holds", async () => {
    const { stub, begun } = await beginBatch();
    await stub.append(begun.token, [toIngestRow("not a url", { origins: new Set() })]);
    // As beginRun leaves it, before its alarm has copied the rest.
    await runInDurableObject(stub, (_instance, state) => new BatchStore(state.storage).setCopy("source", 1));

    const cancelled = await stub.cancel("tenant-a");
    expect(cancelled?.status).toBe("cancelled");
    for (let i = 0; i < 20 && !(await stub.view("tenant-a"))?.manifestKey; i++) await runDurableObjectAlarm(stub);
    const ended = await stub.view("tenant-a");
    expect(ended).toMatchObject({ status: "cancelled", counts: { total: 1, skipped: 1 } });
    expect(ended?.manifestKey).not.toBeNull();
  });
});
