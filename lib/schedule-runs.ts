// A schedule's run history, as the tenant directory keeps it: one entry per occurrence,
// a run (its batch) or an occurrence skipped. Pure shapes; the coordinator reports its
// run's progress, the cron handler reports skips.
import type { RunBoost, RunDrift } from "./batch";
import type { BatchStatus, ChangeCounts } from "./schemas";

/** Why an occurrence was skipped rather than run. */
export const SKIPPED_OVERLAP = "previous run still running";

/** One entry of the history: the run of one occurrence, or its skip (then no batch). */
export interface ScheduleRun {
  scheduleId: string;
  /** The occurrence, epoch ms: with the schedule id, it names the entry. */
  scheduledAt: number;
  batchId: string | null;
  status: BatchStatus | "skipped";
  startedAt: number | null;
  finishedAt: number | null;
  counts: { total: number; succeeded: number; failed: number; skipped: number };
  /** What changed since the previous run (lib/changes.ts), once the run is published. */
  changes: ChangeCounts | null;
  /** With a window: whether the run was (or is) late; null without one. */
  late: boolean | null;
  /** Why it was skipped; null for a run. */
  reason: string | null;
  /** Sealed to published, once published; null before (and for a skip). */
  durationMs: number | null;
  /** The run's cost ledger, priced (lib/cost-ledger.ts), and its URL attempts sent back for a retry. */
  estimatedUsd: number | null;
  retries: number | null;
  /** Set once the run is judged drifting from the schedule's recent runs (lib/schedule-drift.ts). */
  drift: RunDrift | null;
  /** Set when the run raised its per-host concurrency to meet its window. */
  boost: RunBoost | null;
}
