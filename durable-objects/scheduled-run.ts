// A scheduled run's history entry, which its coordinator keeps current in the tenant
// directory (its SLA figures are part of the status: lib/batch-status.ts).
import type { BatchSummary } from "../lib/batch-status";
import type { ScheduleRun } from "../lib/schedule-runs";

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
    durationMs:
      summary.startedAt !== null && summary.finishedAt !== null
        ? Date.parse(summary.finishedAt) - Date.parse(summary.startedAt)
        : null,
    estimatedUsd: summary.cost.estimatedUsd,
    retries: summary.cost.counts.retries,
    drift: summary.drift,
    boost: summary.boost,
  };
}
