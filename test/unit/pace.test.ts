import { describe, expect, it } from "vitest";
import {
  atConfiguredPace,
  DECREASE_GAP_MS,
  initialPace,
  latencyPercentile,
  observe,
  type PaceLimits,
  type PaceSample,
  type PaceState,
  paceNow,
  RECOVERY_STEP_MS,
} from "../../lib/pace";

const limits: PaceLimits = { minIntervalMs: 100, maxConcurrency: 4, crawlDelayMs: 0 };
const ok = (latencyMs = 50): PaceSample => ({ latencyMs, outcome: "ok" });

/** Feeds `sample` every `everyMs` from `from` to `to`, answering the final state. */
function run(state: PaceState, sample: PaceSample, from: number, to: number, everyMs = 100, l = limits): PaceState {
  let s = state;
  for (let t = from; t < to; t += everyMs) s = observe(s, sample, l, t);
  return s;
}

describe("pace", () => {
  it("starts at the configured pace and stays there while answers are fast", () => {
    const s = run(initialPace(limits), ok(), 0, 60_000);
    expect(paceNow(s, limits, 60_000)).toMatchObject({ intervalMs: 100, concurrency: 4, reason: "ok" });
  });

  it("halves concurrency and doubles the interval on a 429, once per burst, and keeps Retry-After as a floor", () => {
    const s0 = run(initialPace(limits), ok(), 0, 5000);
    let s = observe(s0, { latencyMs: 10, outcome: "throttled", status: 429, retryAfterMs: 3000 }, limits, 5000);
    // The other answers of the same burst do not halve again.
    for (let i = 1; i < 4; i++) s = observe(s, { latencyMs: 10, outcome: "throttled", status: 429 }, limits, 5000 + i);
    const pace = paceNow(s, limits, 5001);
    expect(pace).toMatchObject({ intervalMs: 250, concurrency: 2, reason: "retry_after", notBefore: 8000 });
    expect(s.lastThrottle).toEqual({ status: 429, at: 5003 });
    expect(paceNow(s, limits, 8000).reason).toBe("throttled_429");
    // A second throttle after the gap halves again.
    const s2 = observe(s, { latencyMs: 10, outcome: "throttled", status: 503 }, limits, 5000 + DECREASE_GAP_MS);
    expect(paceNow(s2, limits, 9000)).toMatchObject({ intervalMs: 500, concurrency: 1, reason: "throttled_503" });
  });

  it("recovers in steps, one per RECOVERY_STEP_MS of fast answers, back to the configured pace and no further", () => {
    let s = observe(initialPace(limits), { latencyMs: 10, outcome: "throttled", status: 503 }, limits, 0);
    s = observe(s, { latencyMs: 10, outcome: "timeout" }, limits, DECREASE_GAP_MS);
    const steps: Array<[number, number]> = [];
    for (let t = DECREASE_GAP_MS + 100; t < 60_000; t += 100) {
      const before = s;
      s = observe(s, ok(), limits, t);
      if (s.intervalMs !== before.intervalMs || s.concurrency !== before.concurrency) {
        steps.push([s.intervalMs, s.concurrency]);
        expect(s.changedAt - before.changedAt).toBeGreaterThanOrEqual(RECOVERY_STEP_MS);
      }
    }
    expect(steps.length).toBeGreaterThan(3);
    expect(steps.at(-1)).toEqual([100, 4]);
    expect(atConfiguredPace(s, limits)).toBe(true);
    expect(paceNow(s, limits, 60_000).reason).toBe("ok");
    // Monotone recovery: never faster than the configured maxima on the way.
    for (const [interval, concurrency] of steps) {
      expect(interval).toBeGreaterThanOrEqual(100);
      expect(concurrency).toBeLessThanOrEqual(4);
    }
  });

  it("slows down when latency rises past twice its baseline, and follows a lasting change back up", () => {
    let s = run(initialPace(limits), ok(300), 0, 5000);
    s = run(s, ok(2500), 5000, 8000);
    expect(paceNow(s, limits, 8000).reason).toBe("slow");
    expect(s.concurrency).toBeLessThan(4);
    // The origin stays at 800 ms: the baseline follows, and the pace recovers in bounded time.
    s = run(s, ok(2500), 8000, 120_000);
    expect(atConfiguredPace(s, limits)).toBe(true);
  });

  it("never goes under Crawl-delay nor above the configured maxima, whatever the state says", () => {
    const delayed = { ...limits, crawlDelayMs: 2000 };
    const s = run(initialPace(delayed), ok(5), 0, 30_000, 100, delayed);
    expect(paceNow(s, delayed, 30_000)).toMatchObject({
      intervalMs: 2000,
      reason: "crawl_delay",
      requestsPerSecond: 0.5,
    });
    const wild: PaceState = { ...s, intervalMs: 0, concurrency: 99 };
    expect(paceNow(wild, limits, 0)).toMatchObject({ intervalMs: 100, concurrency: 4 });
    expect(paceNow(wild, delayed, 0).intervalMs).toBe(2000);
  });

  it("reports latency percentiles over the recent answers", () => {
    let s = initialPace(limits);
    for (let i = 1; i <= 100; i++) s = observe(s, ok(i), limits, i);
    expect(latencyPercentile(s, 50)).toBe(69);
    expect(latencyPercentile(s, 95)).toBe(97);
    expect(latencyPercentile(initialPace(limits), 50)).toBeNull();
  });
});
