// SLA lateness of a scheduled run, checked by consumers' reports and by the alarm.

import { type SlaView, slaAt } from "../../lib/batch-status";
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
  const sla = slaAt(batch, now());
  if (sla) await boostWhenBehind(cx, sla);
  if (!sla?.late) return;
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

/**
 * A run whose projected finish is past its deadline raises its per-host concurrency to
 * what the SLA says the rest needs, at most HOST_MAX_CONCURRENCY (politeness stays the
 * gate's: Crawl-delay and Retry-After remain floors). Claims carry it to the consumers
 * (`ClaimResult.concurrencyBoost`); the run's history shows it. Only ever raised.
 */
async function boostWhenBehind(cx: BatchContext, sla: SlaView): Promise<void> {
  if (sla.margin === null || sla.margin >= 0) return;
  const max = cx.settings.HOST_MAX_CONCURRENCY;
  const concurrency = Math.max(1, Math.min(sla.requiredConcurrency ?? max, max));
  const raised = cx.atomically(() =>
    cx.store.setBoost({ at: new Date(now()).toISOString(), concurrency, required: sla.requiredConcurrency }),
  );
  if (!raised) return;
  try {
    await cx.registerWithTenant(cx.summarize(cx.requireBatch()));
  } catch (error) {
    console.error(`batch ${cx.requireBatch().batch_id}: run history not told of the boost yet`, error);
  }
}
