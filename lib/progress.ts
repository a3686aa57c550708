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
  /** The batch's recent rate of URLs ended (recentRate); absent, the ETA uses the average since the start. */
  recent?: RecentRate;
}

/**
 * URLs ended and time passed, each decayed with a half-life of RATE_HALF_LIFE_MS: their
 * ratio is the rate of the last minute or so, and before that much time has passed, the
 * plain average since the start. `at` is when they were last brought up to date.
 */
export interface RecentRate {
  ended: number;
  ms: number;
  at: number | null;
}

/** How fast the recent rate forgets: a batch held back for 20 s shows half its old speed. */
export const RATE_HALF_LIFE_MS = 20_000;

/** The recent rate after `ended` more URLs ended at `now` (time counted from `startedAt` for the first report). */
export function addToRate(rate: RecentRate, ended: number, now: number, startedAt: number): RecentRate {
  const decayed = decayTo(rate, rate.at ?? startedAt, now);
  return { ended: decayed.ended + ended, ms: decayed.ms, at: now };
}

/** URLs ended per second, recently, at `now` (time with nothing ending slows it down); null before the first. */
export function recentPerSecond(rate: RecentRate, now: number): number | null {
  if (rate.at === null || rate.ended <= 0) return null;
  const decayed = decayTo(rate, rate.at, now);
  return decayed.ms > 0 ? (decayed.ended / decayed.ms) * 1000 : null;
}

function decayTo(rate: RecentRate, from: number, now: number): { ended: number; ms: number } {
  const dt = Math.max(0, now - from);
  const keep = 0.5 ** (dt / RATE_HALF_LIFE_MS);
  // Time is integrated with the same weights as the counts: ∫ 2^(-(now-t)/h) dt over [from, now].
  const added = dt === 0 ? 0 : ((1 - keep) * RATE_HALF_LIFE_MS) / Math.LN2;
  return { ended: rate.ended * keep, ms: rate.ms * keep + added };
}

export interface Progress {
  counts: { total: number; pending: number; succeeded: number; failed: number; skipped: number };
  /** Share of URLs in a terminal state, rounded down to a tenth of a percent. */
  percent: number;
  /** URLs fetched (succeeded or failed) per second since the start; null before the first. */
  pagesPerSecond: number | null;
  /** Seconds left at the batch's recent rate (or the average one, when no recent rate is kept); null when done, cancelled or not yet measurable. */
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
    etaSeconds: running && pending > 0 ? etaOf(input, pending, pagesPerSecond, now) : null,
  };
}

function etaOf(input: ProgressInput, pending: number, averagePerSecond: number | null, now: number): number | null {
  const rate = input.recent ? recentPerSecond(input.recent, now) : averagePerSecond;
  return rate ? Math.ceil(pending / rate) : null;
}
