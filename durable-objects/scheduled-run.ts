// A scheduled run as its coordinator sees it: the link to its schedule, its SLA figures,
// and the history entry it keeps current in the tenant directory.
import type { BatchSummary, RunLink, SlaView } from "../lib/coordinator-protocol";
import { DEFAULT_LATE_THRESHOLD, windowMs } from "../lib/schedule";
import type { ScheduleRun } from "../lib/schedule-runs";
import { slaOf } from "../lib/sla";
import type { BatchRow } from "./batch-store";

/** The run link stored with the batch, or null for a batch no schedule started. */
export function runLinkOf(batch: BatchRow): RunLink | null {
  return batch.run === null ? null : (JSON.parse(batch.run) as RunLink);
}

/** The SLA figures of a run with a window at `now`, or null (no window). */
export function slaView(
  batch: BatchRow,
  run: RunLink | null,
  progress: { pending: number; etaSeconds: number | null },
  now: number,
): SlaView | null {
  const window = run?.window ?? null;
  const ms = windowMs(window);
  if (!run || window === null || ms === null) return null;
  const sla = slaOf({
    scheduledAt: Date.parse(run.scheduledAt),
    windowMs: ms,
    lateThreshold: run.lateThreshold ?? DEFAULT_LATE_THRESHOLD,
    pending: progress.pending,
    etaSeconds: progress.etaSeconds,
    busyMs: batch.busy_ms,
    busyUrls: batch.busy_urls,
    finishedAt: batch.manifest_key ? batch.finished_at : null,
    now,
  });
  return {
    window,
    deadline: new Date(sla.deadline).toISOString(),
    projectedFinish: sla.projectedFinish === null ? null : new Date(sla.projectedFinish).toISOString(),
    margin: sla.margin,
    requiredConcurrency: sla.requiredConcurrency,
    // Once found late, a run stays late whatever its pace does after.
    late: batch.late_at !== null || sla.late,
  };
}

/** The history entry of a run with this summary (its changes once published); null for a batch no schedule started. */
export function runEntry(summary: BatchSummary): Omit<ScheduleRun, "reason"> | null {
  if (!summary.run) return null;
  return {
    scheduleId: summary.run.scheduleId,
    scheduledAt: Date.parse(summary.run.scheduledAt),
    batchId: summary.id,
    status: summary.status,
    startedAt: summary.startedAt === null ? null : Date.parse(summary.startedAt),
    finishedAt: summary.finishedAt === null ? null : Date.parse(summary.finishedAt),
    counts: {
      total: summary.counts.total,
      succeeded: summary.counts.succeeded,
      failed: summary.counts.failed,
      skipped: summary.counts.skipped,
    },
    changes: summary.changes,
    late: summary.sla ? summary.sla.late : null,
  };
}
