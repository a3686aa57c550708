// Drift of a schedule's runs against the median of its recent runs.
import { describe, expect, it } from "vitest";
import { DEFAULT_DRIFT, DriftOptions, driftOf, MIN_DRIFT_HISTORY, median } from "../../lib/schedule-drift";

const normal = (durationMs: number, estimatedUsd = 0.01) => ({ durationMs, estimatedUsd });

describe("median", () => {
  it("takes the middle value, or the mean of the two middle ones", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
});

describe("drift", () => {
  const history = [normal(60_000), normal(62_000), normal(58_000), normal(61_000)];

  it("is null for runs within the factor of the median", () => {
    expect(driftOf(normal(119_000), history, DEFAULT_DRIFT)).toBeNull();
    expect(driftOf(normal(60_000, 0.019), history, DEFAULT_DRIFT)).toBeNull();
  });

  it("names the duration when a run took more than factor × the median", () => {
    expect(driftOf(normal(125_000), history, DEFAULT_DRIFT)).toEqual({
      measures: ["duration"],
      durationMs: 125_000,
      medianDurationMs: 60_500,
      estimatedUsd: 0.01,
      medianUsd: 0.01,
      factor: 2,
      runs: 4,
    });
  });

  it("names the cost, or both, when the run cost more than factor × the median", () => {
    expect(driftOf(normal(60_000, 0.05), history, DEFAULT_DRIFT)?.measures).toEqual(["cost"]);
    expect(driftOf(normal(200_000, 0.05), history, DEFAULT_DRIFT)?.measures).toEqual(["duration", "cost"]);
  });

  it("judges against the last `window` runs only, and not before MIN_DRIFT_HISTORY of them", () => {
    // Newest first: three runs of 10 s after four of 500 s. A window of 3 sees only the
    // fast ones (median 10 s: 25 s drifts); a window of 7 sees all (median 500 s: it does not).
    const history = [normal(10_000), normal(10_000), normal(10_000), ...Array(4).fill(normal(500_000))];
    expect(driftOf(normal(25_000), history, { factor: 2, window: 3 })).toMatchObject({
      runs: 3,
      medianDurationMs: 10_000,
    });
    expect(driftOf(normal(25_000), history, { factor: 2, window: 7 })).toBeNull();
    const slowOld = history;
    expect(driftOf(normal(25_000), slowOld.slice(0, MIN_DRIFT_HISTORY - 1), DEFAULT_DRIFT)).toBeNull();
  });

  it("never drifts against a zero median", () => {
    expect(driftOf(normal(1000, 1), [normal(0, 0), normal(0, 0), normal(0, 0)], DEFAULT_DRIFT)).toBeNull();
  });

  it("checks the schedule's rule", () => {
    expect(DriftOptions.parse({})).toEqual(DEFAULT_DRIFT);
    expect(DriftOptions.safeParse({ factor: 0.5 }).success).toBe(false);
    expect(DriftOptions.safeParse({ window: 2 }).success).toBe(false);
    expect(DriftOptions.safeParse({ factor: 2, extra: 1 }).success).toBe(false);
  });
});
