// The chunk protocol of consumers: claim, report, and the queue's dead letters; and the
// alarm's step that sends again the chunks presumed lost. The chunk lease machine is
// batch-store.ts's (over lease-table.ts).
import type { Batch } from "../../lib/batch";
import { now as clockNow } from "../../lib/clock";
import type { ChunkReport, ClaimResult, PartInfo } from "../../lib/coordinator-protocol";
import type { CostCounts } from "../../lib/cost-ledger";
import { announcePart } from "../batch-events";
import { heldByLease } from "../lease-table";
import type { BatchContext } from "./context";
import { checkLate } from "./lateness";

/** A consumer takes a lease on a chunk and gets its URLs still to fetch; a duplicate delivery finds it busy or done. */
export async function claim(cx: BatchContext, chunkId: number): Promise<ClaimResult> {
  const batch = cx.store.batch();
  const chunk = cx.store.chunk(chunkId);
  if (!batch || !chunk || batch.phase === "ingesting") return { kind: "unknown" };
  if (chunk.state === "done") return { kind: "done" };
  const now = clockNow();
  if (heldByLease(chunk, now)) return { kind: "busy" };
  const range = cx.store.chunkRange(chunkId);
  if (batch.phase === "cancelled") {
    await closeChunk(cx, chunkId, () => cx.store.endPending(range, "skipped", "cancelled"));
    return { kind: "done" };
  }
  const token = crypto.randomUUID();
  const entries = cx.atomically(() => {
    cx.store.transition(chunkId, "lease", { token, lostAt: now + cx.settings.LEASE_SECONDS * 1000 });
    if (batch.phase === "queued") {
      cx.store.setPhase("running");
      cx.announceStatus(cx.requireBatch(), "batch.started", "started");
    }
    return cx.store.pendingEntries(...range);
  });
  await cx.flushEventsSoon();
  return {
    kind: "work",
    token,
    attempt: chunk.claims + 1,
    options: batch.options,
    entries,
    previousBatch: batch.previous_batch,
    reextractOf: batch.reextract_of,
    concurrencyBoost: batch.boost?.concurrency ?? null,
  };
}

/**
 * A consumer reports its attempt. Only the current lease holder's first report
 * counts: a second one, or one from a lease that ran out and was handed on, changes
 * nothing (and the caller drops its part).
 */
export async function reportChunk(cx: BatchContext, report: ChunkReport): Promise<{ accepted: boolean }> {
  const batch = cx.store.batch();
  const chunk = cx.store.chunk(report.chunkId);
  if (!batch || chunk?.state !== "leased" || chunk.token !== report.token) {
    // The attempt's work was done all the same (counted at least once); its part is deleted by the caller.
    if (batch && report.usage) cx.meter.add(withoutPart(report.usage, report.part));
    return { accepted: false };
  }
  if (report.usage) cx.meter.add(report.usage);
  cx.meter.add({ retries: report.urls.filter((url) => url.outcome === "retry").length });
  const range = cx.store.chunkRange(report.chunkId);
  // The lease began LEASE_SECONDS before the `lost_at` it set: the chunk's slot time.
  const leasedFor = clockNow() - ((chunk.lost_at ?? 0) - cx.settings.LEASE_SECONDS * 1000);
  const remaining = cx.atomically(() => {
    cx.store.applyReport(report.urls, report.part, ...range);
    cx.store.addBusyTime(leasedFor, report.urls.filter((url) => url.fetched).length, cx.takeCost(batch));
    const ended = report.urls.filter((url) => url.outcome !== "retry").length;
    // The rate's clock starts when the first chunk began fetching, not at the seal: queue and start-up time are not pace.
    cx.store.notePace(batch, ended, report.paces ?? [], clockNow(), clockNow() - leasedFor);
    if (report.part) announcePart(cx.store, cx.webhooks, batch, report.part.key);
    if (batch.phase === "cancelled") cx.store.endPending(range, "skipped", "cancelled");
    const left = cx.store.pendingIn(...range);
    if (left === 0) cx.store.transition(report.chunkId, "finish");
    return left;
  });
  if (remaining > 0) await cx.sendChunks([report.chunkId], "reopen", report.retryAfterSeconds ?? 0);
  await checkLate(cx);
  await cx.flushEventsSoon();
  await cx.pump();
  await cx.wakeForNext();
  return { accepted: true };
}

/** The queue gave up on a chunk: its unfinished URLs fail `delivery_failed`; nothing vanishes or loops. */
export async function deadLetter(cx: BatchContext, chunkId: number): Promise<void> {
  const chunk = cx.store.chunk(chunkId);
  if (!chunk || chunk.state === "done") return;
  const range = cx.store.chunkRange(chunkId);
  await closeChunk(cx, chunkId, () => cx.store.endPending(range, "failed", "delivery_failed"));
}

/**
 * The alarm's step for chunks sent or leased and presumed lost (a dead consumer, or
 * local queues that died with the process): sent again, or closed when the batch was cancelled.
 */
export async function resendLostChunks(cx: BatchContext, batch: Batch, now: number): Promise<void> {
  for (const { id } of cx.store.chunks.lost(now)) {
    if (batch.phase !== "cancelled") await cx.sendChunks([id], "resend", 0);
    else {
      const range = cx.store.chunkRange(id);
      cx.atomically(() => {
        cx.store.endPending(range, "skipped", "cancelled");
        cx.store.transition(id, "close");
      });
    }
  }
}

/** Ends a chunk's URLs with `end` and closes it; the alarm writes their records. */
async function closeChunk(cx: BatchContext, chunkId: number, end: () => void): Promise<void> {
  cx.atomically(() => {
    end();
    cx.store.transition(chunkId, "close");
  });
  await cx.wakeAt(clockNow());
}

/** An attempt's usage less the part its consumer deletes (its report was refused). */
function withoutPart(usage: Partial<CostCounts>, part: PartInfo | null): Partial<CostCounts> {
  if (!part) return usage;
  return { ...usage, r2BytesStored: Math.max(0, (usage.r2BytesStored ?? 0) - part.bytes) };
}
