import { describe, expect, it } from "vitest";
import { addToRate, type ProgressInput, progressOf, type RecentRate, recentPerSecond } from "../../lib/progress";

const base: ProgressInput = {
  status: "running",
  total: 1000,
  succeeded: 0,
  failed: 0,
  skipped: 0,
  startedAt: 0,
  finishedAt: null,
};

describe("progressOf", () => {
  it("derives pending from the terminal counts and rounds the percent down to a tenth", () => {
    const p = progressOf({ ...base, succeeded: 333, failed: 1, skipped: 0 }, 10_000);
    expect(p.counts).toEqual({ total: 1000, pending: 666, succeeded: 333, failed: 1, skipped: 0 });
    expect(p.percent).toBe(33.4);
  });

  it("rates fetched pages only (skipped URLs cost no fetch) and projects the rest at that rate", () => {
    const p = progressOf({ ...base, succeeded: 90, failed: 10, skipped: 400 }, 10_000);
    expect(p.pagesPerSecond).toBe(10);
    expect(p.etaSeconds).toBe(50);
  });

  it("has no rate before the first fetch and no ETA once finished or cancelled", () => {
    expect(progressOf(base, 5_000)).toMatchObject({ pagesPerSecond: null, etaSeconds: null, percent: 0 });
    const done = { ...base, status: "completed" as const, succeeded: 1000, finishedAt: 20_000 };
    expect(progressOf(done, 999_999)).toMatchObject({ pagesPerSecond: 50, etaSeconds: null, percent: 100 });
    const cancelled = { ...base, status: "cancelled" as const, succeeded: 10, skipped: 990 };
    expect(progressOf(cancelled, 10_000).etaSeconds).toBeNull();
  });

  it("counts an empty batch as complete and a batch not yet started as unrated", () => {
    expect(progressOf({ ...base, total: 0 }, 1).percent).toBe(100);
    expect(progressOf({ ...base, startedAt: null, succeeded: 5 }, 1).pagesPerSecond).toBeNull();
  });
});

describe("recent rate", () => {
  it("is the average since the start at first, then follows the recent pace, not the one since submission", () => {
    let rate: RecentRate = { ended: 0, ms: 0, at: null };
    // 10 URLs a second for 60 s …
    for (let t = 1000; t <= 60_000; t += 1000) rate = addToRate(rate, 10, t, 0);
    expect(recentPerSecond(rate, 60_000)).toBeCloseTo(10, 0);
    // … then 2 a second for 60 s: the average since the start would say 6.
    for (let t = 61_000; t <= 120_000; t += 1000) rate = addToRate(rate, 2, t, 0);
    const recent = recentPerSecond(rate, 120_000) ?? 0;
    expect(recent).toBeGreaterThan(2);
    expect(recent).toBeLessThan(3.5);
  });

  it("slows while nothing ends (a batch held back), and feeds the ETA", () => {
    let rate: RecentRate = { ended: 0, ms: 0, at: null };
    for (let t = 1000; t <= 30_000; t += 1000) rate = addToRate(rate, 5, t, 0);
    const before = recentPerSecond(rate, 30_000) ?? 0;
    const later = recentPerSecond(rate, 90_000) ?? 0;
    expect(later).toBeLessThan(before / 2);
    const p = progressOf({ ...base, succeeded: 150, recent: rate }, 30_000);
    expect(p.etaSeconds).toBe(Math.ceil(850 / before));
    expect(recentPerSecond({ ended: 0, ms: 0, at: null }, 5)).toBeNull();
  });
});
