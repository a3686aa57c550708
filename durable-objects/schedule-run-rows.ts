// How the tenant directory's `schedule_runs` rows read as run history entries.
import { RunChanges, type ScheduleRun } from "../lib/schedule-runs";

export interface RunRow extends Record<string, SqlStorageValue> {
  schedule_id: string;
  scheduled_at: number;
  batch_id: string | null;
  status: string;
  started_at: number | null;
  finished_at: number | null;
  total: number;
  succeeded: number;
  failed: number;
  skipped: number;
  /** JSON RunChanges, or null. */
  changes: string | null;
  late: number | null;
  reason: string | null;
}

/** One history entry from its row. */
export function toScheduleRun(row: RunRow): ScheduleRun {
  return {
    scheduleId: row.schedule_id,
    scheduledAt: row.scheduled_at,
    batchId: row.batch_id,
    status: row.status as ScheduleRun["status"],
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    counts: { total: row.total, succeeded: row.succeeded, failed: row.failed, skipped: row.skipped },
    changes: row.changes === null ? null : RunChanges.parse(JSON.parse(row.changes)),
    late: row.late === null ? null : row.late === 1,
    reason: row.reason,
  };
}
