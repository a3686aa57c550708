// Progress maths for a batch's status: pure, so it is tested without a runtime.
import type { BatchStatus } from "./schemas";

/** What the coordinator stores of a batch's progress. */
export interface ProgressInput {
  status: BatchStatus;
  total: number;
  succeeded: number;
  failed: number;
  skipped: number;
  /** When fetching could start (the list was sealed), epoch ms; null while uploading. */
  startedAt: number | null;
  /** When the manifest was published, epoch ms. */
  finishedAt: number | null;
}

export interface Progress {
  counts: { total: number; pending: number; succeeded: number; failed: number; skipped: number };
  /** Share of URLs in a terminal state, rounded down to a tenth of a percent. */
  percent: number;
  /** URLs fetched (succeeded or failed) per second since the start; null before the first. */
  pagesPerSecond: number | null;
  /** Seconds left at that rate; null when done, cancelled or not yet measurable. */
  etaSeconds: number | null;
}

/** Counts, percent, rate and ETA of a batch at `now`. */
export function progressOf(input: ProgressInput, now: number): Progress {
  const { total, succeeded, failed, skipped } = input;
  const done = succeeded + failed + skipped;
  const pending = Math.max(0, total - done);
  const fetched = succeeded + failed;
  const end = input.finishedAt ?? now;
  const seconds = input.startedAt === null ? 0 : Math.max((end - input.startedAt) / 1000, 0.001);
  const pagesPerSecond = fetched > 0 && seconds > 0 ? Math.round((fetched / seconds) * 100) / 100 : null;
  const running = input.status === "queued" || input.status === "running";
  return {
    counts: { total, pending, succeeded, failed, skipped },
    percent: total === 0 ? 100 : Math.floor((done / total) * 1000) / 10,
    pagesPerSecond,
    etaSeconds: running && pagesPerSecond && pending > 0 ? Math.ceil(pending / pagesPerSecond) : null,
  };
}
