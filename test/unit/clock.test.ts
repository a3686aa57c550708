// The clock the Durable Objects decide by: a shift moves it and its undo moves it back.
import { describe, expect, it } from "vitest";
import { now, shiftClock, wallTime } from "../../lib/clock";

describe("the shiftable clock", () => {
  it("runs ahead by a shift until its undo, and maps its times back to the wall clock", () => {
    const shiftBack = shiftClock(60_000);
    try {
      const at = now();
      expect(at - Date.now()).toBeGreaterThanOrEqual(59_000);
      expect(wallTime(at)).toBe(at - 60_000);
    } finally {
      shiftBack();
    }
    expect(Math.abs(now() - Date.now())).toBeLessThan(1000);
    expect(wallTime(12_345)).toBe(12_345);
  });

  it("adds shifts up and undoes each one alone", () => {
    const first = shiftClock(1000);
    const second = shiftClock(-5000);
    expect(wallTime(0)).toBe(4000);
    first();
    expect(wallTime(0)).toBe(5000);
    second();
    expect(wallTime(0)).toBe(0);
  });
});
