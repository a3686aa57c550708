// The SLA margin of a scheduled run with a window: when it will publish at the measured
// pace, how much of the window that leaves, and what concurrency would finish in time.
// Pure: the coordinator gathers the facts, the status and the late alarm read the answer.

export interface SlaInput {
  /** The occurrence the run is for (epoch ms): the window starts there. */
  scheduledAt: number;
  windowMs: number;
  lateThreshold: number;
  pending: number;
  /** Seconds left at the measured rate (lib/progress.ts); null before anything was fetched. */
  etaSeconds: number | null;
  /**
   * Slot time the fetched URLs took: the sum over reported chunks of lease-to-report
   * time, and the URLs fetched in them. Their ratio is the measured time one URL holds
   * one slot of concurrency (a consumer fetches a chunk's URLs one after another).
   */
  busyMs: number;
  busyUrls: number;
  /** When the manifest was published (epoch ms), or null while running. */
  finishedAt: number | null;
  now: number;
}

export interface Sla {
  windowMs: number;
  deadline: number;
  /** Publication time, or the projected one while running; null until a rate is measured. */
  projectedFinish: number | null;
  /** `1 - (projectedFinish - scheduledAt) / window`; below zero the window is missed. Null with no projection. */
  margin: number | null;
  /**
   * URLs in flight the remaining work needs to publish by the deadline at the measured
   * per-URL slot time: `ceil(pending × slotSecondsPerUrl / secondsToDeadline)`. 0 when
   * nothing is pending; null before a URL was fetched or once the deadline has passed.
   */
  requiredConcurrency: number | null;
  /**
   * Running: the margin is under the threshold, or the deadline has passed. Published:
   * it published after the deadline (the coordinator also keeps that it was found late).
   */
  late: boolean;
}

/** The SLA figures of a run at `input.now`. */
export function slaOf(input: SlaInput): Sla {
  const deadline = input.scheduledAt + input.windowMs;
  const projectedFinish =
    input.finishedAt ??
    (input.pending === 0 ? input.now : input.etaSeconds === null ? null : input.now + input.etaSeconds * 1000);
  const margin =
    projectedFinish === null
      ? null
      : Math.round((1 - (projectedFinish - input.scheduledAt) / input.windowMs) * 1000) / 1000;
  const left = deadline - input.now;
  const requiredConcurrency =
    input.pending === 0
      ? 0
      : input.busyUrls === 0 || left <= 0
        ? null
        : Math.ceil((input.pending * (input.busyMs / input.busyUrls)) / left);
  const late =
    input.finishedAt !== null
      ? input.finishedAt > deadline
      : input.now > deadline || (margin !== null && margin < input.lateThreshold);
  return { windowMs: input.windowMs, deadline, projectedFinish, margin, requiredConcurrency, late };
}
