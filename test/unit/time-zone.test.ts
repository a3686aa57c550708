import { describe, expect, it } from "vitest";
import { cachedFormatterCount, isTimeZone, wallTime } from "../../lib/time-zone";

/** The `n`th of the 2^letters upper/lower-case spellings of `zone`. */
function spelling(zone: string, n: number): string {
  let bit = 0;
  return [...zone].map((c) => (/[a-z]/i.test(c) ? ((n >> bit++) & 1 ? c.toUpperCase() : c.toLowerCase()) : c)).join("");
}

describe("time-zone formatter cache", () => {
  it("holds one formatter per canonical zone, however many spellings are asked about", () => {
    const before = cachedFormatterCount();
    const at = Date.UTC(2026, 6, 1, 12, 0);
    for (let n = 0; n < 2000; n++) {
      expect(isTimeZone(spelling("Europe/Berlin", n))).toBe(true);
      expect(isTimeZone(spelling("America/New_York", n))).toBe(true);
      expect(wallTime(at, spelling("Asia/Tokyo", n))).toBe(Date.UTC(2026, 6, 1, 21, 0));
      // Refused zones are never cached.
      expect(isTimeZone(`Mars/Crater_${n}`)).toBe(false);
    }
    expect(cachedFormatterCount() - before).toBeLessThanOrEqual(3);
  });

  it("still reads each spelling's clock as its canonical zone's", () => {
    const at = Date.UTC(2026, 0, 15, 12, 0);
    expect(wallTime(at, "europe/berlin")).toBe(wallTime(at, "Europe/Berlin"));
    expect(wallTime(at, "utc")).toBe(at);
  });
});
