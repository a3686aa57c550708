// The coordinator's alarm: one pass of named steps over the batch. Every step is
// idempotent (alarms are at least once), and each that can fail throws so the runtime
// retries the alarm.
import type { Batch } from "../../lib/batch";
import { now as clockNow, wallTime } from "../../lib/clock";
import { resendLostChunks } from "./chunks";
import type { BatchContext } from "./context";
import { ingestStep } from "./ingest";
import { checkLate } from "./lateness";
import { expireWhenDue, sweepCancelled } from "./lifecycle";
import { publish, removedScanned, writeRecords } from "./publication";
import { resendLostSources } from "./sources";

export async function alarm(cx: BatchContext): Promise<void> {
  // Events first: a failure here throws, and the runtime retries the alarm.
  await cx.flushEvents();
  const batch = cx.store.batch();
  if (!batch || batch.phase === "failed") return;
  if (batch.manifest_key) return afterPublication(cx, batch);
  // A seal that died before listing the batch: listed here, once it is past its upload.
  if (batch.phase === "queued") await cx.registerWithTenant(cx.summarize(batch));
  if (batch.phase === "ingesting") return ingestStep(cx, batch);

  const now = clockNow();
  await resendLostChunks(cx, batch, now);
  await resendLostSources(cx, now);
  const moreToSweep = batch.phase === "cancelled" && sweepCancelled(cx);
  const moreToWrite = (await writeRecords(cx, batch)) || moreToSweep;
  await checkLate(cx);
  await cx.flushEvents();
  await cx.pump();
  if (cx.finishable()) return finish(cx, batch);
  await cx.ctx.storage.setAlarm(moreToWrite ? Date.now() : wallTime(cx.nextCheck()));
}

/**
 * Published: only the listing may lag (the process died before updating it), and the
 * batch expires by this alarm when its retention runs out.
 */
async function afterPublication(cx: BatchContext, batch: Batch): Promise<void> {
  await cx.registerWithTenant(cx.summarize(batch));
  await expireWhenDue(cx, batch);
}

/** The list is final now: what the previous run had and this one lacks is removed; then the manifest. */
async function finish(cx: BatchContext, batch: Batch): Promise<void> {
  if (await removedScanned(cx, batch)) return publish(cx, cx.requireBatch());
  await cx.ctx.storage.setAlarm(Date.now());
}
