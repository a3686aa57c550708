// Tenants never meet through derived object names: an Idempotency-Key of one tenant
// cannot name another tenant's batch, and a coordinator refuses a tenant not its own.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { submitBatch } from "../../api/submit-batch";
import { BatchOptions } from "../../lib/schemas";
import { ORIGIN, unique } from "./helpers";

async function* oneUrl(url: string) {
  yield { entry: url };
}

/** Submits a one-URL batch as `tenant` with `key`, as the API does. */
function submitAs(tenant: string, key: string, url: string) {
  return submitBatch(env, {
    tenant,
    idempotencyKey: key,
    keyField: "Idempotency-Key",
    options: BatchOptions.parse({}),
    entries: oneUrl(url),
    allow: { origins: new Set([ORIGIN]) },
    maxUrls: 10,
    chunkSize: 5,
  });
}

describe("tenant names holding a colon", () => {
  it("do not let tenant dev with key x:K replay tenant dev:x's batch with key K", async () => {
    const run = unique("colon");
    const theirs = await submitAs(`${run}:x`, "K", `${ORIGIN}/pages/1.html?run=${run}`);
    const mine = await submitAs(run, "x:K", `${ORIGIN}/pages/2.html?run=${run}`);
    expect(theirs.replayed).toBe(false);
    expect(mine.replayed).toBe(false);
    expect(mine.summary.id).not.toBe(theirs.summary.id);
    expect(mine.summary.tenant).toBe(run);
  });
});

describe("a coordinator asked by another tenant", () => {
  it("neither replays nor restarts the batch for a tenant that is not the batch's", async () => {
    const stub = env.BATCH.get(env.BATCH.newUniqueId());
    const input = { batchId: stub.id.toString(), options: BatchOptions.parse({}), chunkSize: 5 };
    const begun = await stub.begin({ ...input, tenant: "tenant-a" });
    if (!begun.created) throw new Error("expected a new batch");
    expect(await stub.seal(begun.token)).not.toBeNull();

    const other = await stub.begin({ ...input, tenant: "tenant-b" });
    expect(other).toEqual({ created: false, foreign: true });
    expect((await stub.view("tenant-a"))?.tenant).toBe("tenant-a");
  });
});
