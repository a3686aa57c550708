// Drift of a schedule's runs: a finished run that took, or cost, more than `factor` times
// the median of the schedule's last `window` finished runs. Pure: the tenant directory
// judges each run once as it finishes, the run's coordinator announces `schedule.drift`.
import { z } from "zod";
import type { RunDrift } from "./batch";

/** Runs of history a median needs before a run is judged: fewer say too little about "normal". */
export const MIN_DRIFT_HISTORY = 3;

/** A schedule's drift rule (`schedule.drift` on POST /v1/batches). */
export const DriftOptions = z
  .object({
    factor: z
      .number()
      .min(1)
      .max(1000)
      .default(2)
      .describe("A run drifts when its duration or cost is above `factor` times the median (1-1000, default 2)."),
    window: z
      .number()
      .int()
      .min(MIN_DRIFT_HISTORY)
      .max(100)
      .default(7)
      .describe("How many earlier finished runs the median is of (3-100, default 7)."),
  })
  .strict();
export type DriftOptions = z.output<typeof DriftOptions>;

/** What a schedule gets when it names no `drift`. */
export const DEFAULT_DRIFT: DriftOptions = { factor: 2, window: 7 };

/** One finished run, as the judgement needs it. */
export interface RunMeasures {
  durationMs: number;
  estimatedUsd: number;
}

/** The median of `values` (not empty). */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * How `run` drifted from `history` (the schedule's earlier finished runs, newest first;
 * only the first `rule.window` count), or null: it did not, or the history is shorter
 * than MIN_DRIFT_HISTORY. A measure whose median is zero never drifts (no base to scale).
 */
export function driftOf(run: RunMeasures, history: RunMeasures[], rule: DriftOptions): RunDrift | null {
  const recent = history.slice(0, rule.window);
  if (recent.length < MIN_DRIFT_HISTORY) return null;
  const medianDurationMs = median(recent.map((r) => r.durationMs));
  const medianUsd = median(recent.map((r) => r.estimatedUsd));
  const measures: RunDrift["measures"] = [];
  if (medianDurationMs > 0 && run.durationMs > rule.factor * medianDurationMs) measures.push("duration");
  if (medianUsd > 0 && run.estimatedUsd > rule.factor * medianUsd) measures.push("cost");
  if (measures.length === 0) return null;
  return {
    measures,
    durationMs: run.durationMs,
    medianDurationMs,
    estimatedUsd: run.estimatedUsd,
    medianUsd,
    factor: rule.factor,
    runs: recent.length,
  };
}
