// SLA lateness of a scheduled run, checked by consumers' reports and by the alarm.

import { slaAt } from "../../lib/batch-status";
import { now } from "../../lib/clock";
import { announce, scheduleLateData } from "../batch-events";
import type { BatchContext } from "./context";

/**
 * A scheduled run whose margin fell under its threshold, or whose deadline passed
 * unpublished, is marked late and announces `schedule.late` in the same transaction:
 * once per run, however often the alarm and reports look. Its history entry follows.
 */
export async function checkLate(cx: BatchContext): Promise<void> {
  const batch = cx.store.batch();
  if (!batch?.run || batch.late_at !== null || (batch.phase !== "queued" && batch.phase !== "running")) return;
  if (!slaAt(batch, now())?.late) return;
  const summary = cx.summarize(batch);
  const marked = cx.atomically(() => {
    if (!cx.store.markLate(now())) return false;
    announce(cx.webhooks, batch, "schedule.late", "schedule-late", scheduleLateData(summary));
    return true;
  });
  if (!marked) return;
  try {
    await cx.registerWithTenant(cx.summarize(cx.requireBatch()));
  } catch (error) {
    // Not worth failing a consumer's report over: publication records it again.
    console.error(`batch ${batch.batch_id}: run history not marked late yet`, error);
  }
}
