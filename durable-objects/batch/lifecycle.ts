// The end of a batch's life: cancel (tenant), expiry (its own alarm, and the cron's
// backstop) and deletion (API).
import type { Batch } from "../../lib/batch";
import { deleteBatchObjects } from "../../lib/batch-objects";
import { now } from "../../lib/clock";
import type { BatchSummary } from "../../lib/coordinator-protocol";
import type { BatchContext } from "./context";

/** URLs a cancel's sweep ends per alarm step: one bounded transaction, whatever the list's size. */
const SWEEP_URLS = 100_000;

/**
 * Stops dispatching: every URL not held by a consumer ends `skipped` (`cancelled`). The
 * chunks' URLs are the alarm's to end, SWEEP_URLS a step (`sweepCancelled`), so neither
 * this request nor any alarm step grows with the list; meanwhile the status says
 * `cancelled` with the pending count falling, and the manifest waits for the last.
 */
export async function cancel(cx: BatchContext, tenant: string): Promise<BatchSummary | null> {
  const found = cx.owned(tenant);
  if (!found) return null;
  let batch = found;
  if (batch.phase === "ingesting") {
    // A scheduled run still copying its list: it stops copying, and what it holds is cancelled.
    cx.atomically(() => {
      cx.store.setCopy(null, found.copy_cursor ?? 0);
      cx.store.seal(now());
    });
    batch = cx.requireBatch();
  }
  if (batch.phase === "queued" || batch.phase === "running") {
    const live = batch;
    cx.atomically(() => {
      // Cancelled before any chunk was claimed: it starts and stops in one transition.
      if (live.phase === "queued") cx.announceStatus(live, "batch.started", "started");
      cx.store.setPhase("cancelled");
      cx.discovery.closeOpen();
      cx.store.endUnchunked("skipped", "cancelled");
    });
    await cx.wakeAt(now());
  }
  return cx.summarize(cx.requireBatch());
}

/** The alarm's step for a cancelled batch: the next chunks no consumer holds are ended and closed; answers whether more may be left. */
export function sweepCancelled(cx: BatchContext): boolean {
  return cx.atomically(() => cx.store.endUnleasedChunks("skipped", "cancelled", SWEEP_URLS));
}

/**
 * Marks a published batch `expired` once its retention has run out at `now`; answers
 * whether it is expired (then the caller deletes its objects). Idempotent.
 */
export function expire(cx: BatchContext, now: number): boolean {
  const batch = cx.store.batch();
  if (!batch?.manifest_key) return false;
  if (batch.phase === "expired") return true;
  const expiresAt = cx.expiresAt(batch);
  if (expiresAt === null || expiresAt > now) return false;
  cx.store.setPhase("expired");
  return true;
}

/**
 * A published batch expires by its own alarm, set at publication for its expiry: its
 * objects are deleted and its listing row marked, whether or not its tenant still has
 * a key (the cron's pass over the keyed tenants is only a backstop). Before it is due
 * (an alarm for the outbox) the alarm is set again for it. A failure throws: the
 * runtime retries the alarm.
 */
export async function expireWhenDue(cx: BatchContext, batch: Batch): Promise<void> {
  const expiresAt = cx.expiresAt(batch);
  if (expiresAt === null) return;
  if (expiresAt > now()) return cx.wakeAt(expiresAt);
  if (!expire(cx, now())) return;
  await deleteBatchObjects(cx.env.RESULTS, batch.batch_id);
  await cx.env.TENANT.getByName(batch.tenant).markExpired(batch.batch_id);
}

/**
 * Forgets the batch: every row, the alarm, the outbox. What stays is who deleted it,
 * so the same tenant's DELETE again is answered `already` and anyone else's like a
 * batch that never was (null). The caller deletes the R2 objects and the listing row.
 */
export async function destroy(cx: BatchContext, tenant: string): Promise<"deleted" | "already" | null> {
  const deletedBy = cx.store.deletedBy();
  if (deletedBy !== null) return deletedBy === tenant ? "already" : null;
  if (!cx.owned(tenant)) return null;
  await cx.ctx.storage.deleteAlarm();
  await cx.ctx.storage.deleteAll();
  cx.store.init();
  cx.changes.init();
  cx.webhooks.init();
  cx.store.markDeleted(tenant, now());
  return "deleted";
}
