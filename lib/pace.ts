// Adaptive per-origin pacing, as Scrapy's AutoThrottle and Common Crawl's crawler do it:
// the pace follows the origin's answers. Pure, so the host gate stores the state and
// these functions decide; every rule is unit-tested without a runtime.
//
// The rules:
// - An origin starts at the deployment's configured pace (HOST_MIN_INTERVAL_MS,
//   HOST_MAX_CONCURRENCY): those are maxima, never passed.
// - Latency rising past three times its baseline (and past two seconds) takes one
//   fetch at once away. A 429 or 503, or a timeout, slows it down harder:
//   concurrency halves and the interval doubles (at least THROTTLE_FLOOR_MS), at most
//   once per DECREASE_GAP_MS, so one burst of errors counts once.
// - Recovery is in steps: every RECOVERY_STEP_MS of fast, error-free answers gives back
//   one step (first the interval halves, then concurrency grows by one),
//   until the configured pace is reached again.
// - Floors always hold: Retry-After (no start before `backoffUntil`) and Crawl-delay
//   (the interval never below it), whatever the adaptive state says.

import { z } from "zod";

/** Why an origin is at its current pace: the hosts view and the ETA name it. */
export const PaceReason = z
  .enum(["ok", "crawl_delay", "retry_after", "throttled_429", "throttled_503", "timeouts", "slow", "robots_pending"])
  .describe(
    "Why the origin is at its current pace: `ok`, or what slows it (Crawl-delay, Retry-After, 429s, 503s, timeouts, slow answers, robots.txt not yet read).",
  );
export type PaceReason = z.infer<typeof PaceReason>;

/** What the gate keeps of an origin's pace between requests. */
export interface PaceState {
  /** Adaptive gap between request starts, ms; the effective one also honours the floors. */
  intervalMs: number;
  /** Adaptive fetches at once; never above the configured maximum. */
  concurrency: number;
  /** Smoothed latency of recent answers, ms; null before the first. */
  latencyMs: number | null;
  /** The smoothed latency the origin showed when healthy: "rising" is measured against it. */
  baselineMs: number | null;
  /** Epoch ms before which no request starts (the last Retry-After). */
  backoffUntil: number;
  /** Why the adaptive state was last lowered ("ok" once fully recovered). */
  reason: PaceReason;
  lastThrottle: { status: number; at: number } | null;
  /** Epoch ms of the last change, so decreases and recovery steps are spaced. */
  changedAt: number;
  /** Most recent latencies, ms, newest last (at most SAMPLES), for p50/p95. */
  samples: number[];
}

/** The deployment's maxima and the origin's Crawl-delay. */
export interface PaceLimits {
  minIntervalMs: number;
  maxConcurrency: number;
  /** robots.txt Crawl-delay for our agent, ms (0 when none or robots is not respected). */
  crawlDelayMs: number;
}

/** One answer (or failure to answer) of the origin. */
export interface PaceSample {
  latencyMs: number;
  /** "ok" for any answer that is not a throttle (4xx included: the origin is healthy). */
  outcome: "ok" | "throttled" | "timeout" | "error";
  /** HTTP status, for throttles. */
  status?: number;
  /** The Retry-After the origin asked for, ms. */
  retryAfterMs?: number | null;
}

/** What the gate applies now. */
export interface Pace {
  intervalMs: number;
  concurrency: number;
  /** No start before this epoch ms. */
  notBefore: number;
  reason: PaceReason;
  /** Requests per second this pace allows (null when neither interval nor latency bounds it yet). */
  requestsPerSecond: number | null;
}

export const DECREASE_GAP_MS = 1000;
/**
 * Timers of a busy machine wake a little late: slots are booked this share wider than the
 * pace, and a start later than its slot by more than this share gives the slot up, so
 * two starts are never closer than the pace.
 */
export const LATE_SHARE = 0.1;
export const RECOVERY_STEP_MS = 2000;
/** The smallest interval a throttle sets when the configured one is 0. */
export const THROTTLE_FLOOR_MS = 250;
/**
 * The slowest the adaptive interval goes by itself: an origin that keeps refusing is
 * held back by its Retry-After (a floor, whatever its length), not by a penalty that
 * takes minutes to earn back.
 */
export const MAX_INTERVAL_MS = 4000;
/** Latency this far above the baseline counts as rising, when it is also above SLOW_FLOOR_MS. */
const SLOW_FACTOR = 3;
const SLOW_FLOOR_MS = 2000;
const SAMPLES = 64;
/** Weight of a new latency in the smoothed one. */
const ALPHA = 0.3;

/** A fresh origin: at the configured pace, nothing seen yet. */
export function initialPace(limits: PaceLimits): PaceState {
  return {
    intervalMs: limits.minIntervalMs,
    concurrency: limits.maxConcurrency,
    latencyMs: null,
    baselineMs: null,
    backoffUntil: 0,
    reason: "ok",
    lastThrottle: null,
    changedAt: 0,
    samples: [],
  };
}

/** The state after one answer at `now`. */
export function observe(state: PaceState, sample: PaceSample, limits: PaceLimits, now: number): PaceState {
  const latencyMs =
    state.latencyMs === null ? sample.latencyMs : state.latencyMs * (1 - ALPHA) + sample.latencyMs * ALPHA;
  const samples = [...state.samples, Math.round(sample.latencyMs)].slice(-SAMPLES);
  let next: PaceState = { ...clampToLimits(state, limits), latencyMs, samples };
  if (sample.outcome === "throttled") {
    const status = sample.status ?? 429;
    next.lastThrottle = { status, at: now };
    if (sample.retryAfterMs) next.backoffUntil = Math.max(next.backoffUntil, now + sample.retryAfterMs);
    return slowDown(next, status === 503 ? "throttled_503" : "throttled_429", limits, now);
  }
  if (sample.outcome === "timeout") return slowDown(next, "timeouts", limits, now);
  // Other failures (a 500, a reset) say little about load: they neither slow nor speed the pace.
  if (sample.outcome === "error") return next;
  const baseline = next.baselineMs;
  if (baseline === null || latencyMs < baseline) next.baselineMs = latencyMs;
  if (baseline !== null && latencyMs > SLOW_FLOOR_MS && latencyMs > baseline * SLOW_FACTOR) {
    // Slower answers take one fetch away, not the interval: a busy machine's own timings
    // look the same, and must not turn a fast origin into a paced one.
    if (now - next.changedAt >= DECREASE_GAP_MS || next.reason === "ok") {
      next = { ...next, concurrency: Math.max(1, next.concurrency - 1), reason: "slow", changedAt: now };
    }
    // The origin may simply have become slower for good: the baseline follows slowly,
    // so a lasting change stops counting as "rising" and recovery can begin.
    next.baselineMs = (next.baselineMs ?? latencyMs) * 1.1;
    return next;
  }
  return speedUp(next, limits, now);
}

/** The pace to apply at `now`: the adaptive state under the configured maxima and above the floors. */
export function paceNow(state: PaceState, limits: PaceLimits, now: number): Pace {
  const adapted = clampToLimits(state, limits);
  const intervalMs = Math.max(adapted.intervalMs, limits.crawlDelayMs);
  let reason: PaceReason = adapted.reason;
  if (state.backoffUntil > now) reason = "retry_after";
  else if (reason === "ok" && limits.crawlDelayMs > limits.minIntervalMs) reason = "crawl_delay";
  const byInterval = intervalMs > 0 ? 1000 / intervalMs : Number.POSITIVE_INFINITY;
  const byLatency =
    state.latencyMs !== null && state.latencyMs > 0
      ? (adapted.concurrency * 1000) / state.latencyMs
      : Number.POSITIVE_INFINITY;
  const rps = Math.min(byInterval, byLatency);
  return {
    intervalMs,
    concurrency: adapted.concurrency,
    notBefore: state.backoffUntil,
    reason,
    requestsPerSecond: Number.isFinite(rps) ? Math.round(rps * 100) / 100 : null,
  };
}

/** The p-th percentile (0-100) of the recent latencies, ms; null before the first. */
export function latencyPercentile(state: PaceState, p: number): number | null {
  if (state.samples.length === 0) return null;
  const sorted = [...state.samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? null;
}

/** Whether the adaptive state is at the configured pace (nothing left to recover). */
export function atConfiguredPace(state: PaceState, limits: PaceLimits): boolean {
  return state.intervalMs <= limits.minIntervalMs && state.concurrency >= limits.maxConcurrency;
}

function slowDown(state: PaceState, reason: PaceReason, limits: PaceLimits, now: number): PaceState {
  // A burst of answers to requests sent together is one signal, not several.
  if (now - state.changedAt < DECREASE_GAP_MS && state.reason !== "ok") return { ...state, reason };
  const doubled = Math.min(MAX_INTERVAL_MS, Math.max(THROTTLE_FLOOR_MS, state.intervalMs * 2));
  const intervalMs = Math.max(limits.minIntervalMs, doubled);
  const concurrency = Math.max(1, Math.floor(state.concurrency / 2));
  return { ...state, intervalMs, concurrency, reason, changedAt: now };
}

function speedUp(state: PaceState, limits: PaceLimits, now: number): PaceState {
  if (atConfiguredPace(state, limits)) return state.reason === "ok" ? state : { ...state, reason: "ok" };
  if (now - state.changedAt < RECOVERY_STEP_MS) return state;
  let { intervalMs, concurrency } = state;
  if (intervalMs > limits.minIntervalMs) {
    intervalMs = Math.floor(intervalMs / 2);
    // Below the throttle floor the next step is the configured interval itself.
    if (intervalMs < THROTTLE_FLOOR_MS) intervalMs = limits.minIntervalMs;
    intervalMs = Math.max(limits.minIntervalMs, intervalMs);
  } else {
    concurrency = Math.min(limits.maxConcurrency, concurrency + 1);
  }
  const next = { ...state, intervalMs, concurrency, changedAt: now };
  return atConfiguredPace(next, limits) ? { ...next, reason: "ok" } : next;
}

/** The state with its adaptive values inside the configured maxima (settings may change between runs). */
function clampToLimits(state: PaceState, limits: PaceLimits): PaceState {
  return {
    ...state,
    intervalMs: Math.max(limits.minIntervalMs, Math.min(MAX_INTERVAL_MS, state.intervalMs)),
    concurrency: Math.max(1, Math.min(limits.maxConcurrency, state.concurrency)),
  };
}
