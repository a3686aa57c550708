import { describe, expect, it } from "vitest";
import {
  backoffSeconds,
  classifyStatus,
  isTransient,
  pageRetryDelay,
  parseRetryAfter,
  robotsReaskMs,
  SOURCE_MAX_ATTEMPTS,
  sourceRetryDelay,
} from "../../lib/retry-policy";

// Sun, 06 Nov 1994 08:49:37 GMT, the RFC 9110 example date.
const NOW = Date.UTC(1994, 10, 6, 8, 49, 37);

describe("parseRetryAfter", () => {
  it.each([
    ["120", 120],
    ["  30 ", 30],
    ["1", 1],
    ["3600", 3600],
    ["0", 1],
    ["3601", 3600],
    ["86400", 3600],
    ["99999999999999999999999", 3600],
    ["007", 7],
  ])("reads delta-seconds %j as %d", (header, seconds) => {
    expect(parseRetryAfter(header, NOW)).toBe(seconds);
  });

  it.each([
    ["Sun, 06 Nov 1994 08:50:37 GMT", 60],
    ["sun, 06 nov 1994 08:50:37 gmt", 60],
    ["Sunday, 06-Nov-94 08:51:37 GMT", 120],
    ["Sun Nov  6 08:52:37 1994", 180],
    ["Sun Nov 06 08:52:37 1994", 180],
    ["Sun, 06 Nov 1994 08:49:37 GMT", 1],
    ["Sat, 05 Nov 1994 08:49:37 GMT", 1],
    ["Mon, 07 Nov 1994 08:49:37 GMT", 3600],
    ["Sun, 06 Nov 1994 08:49:37.5 GMT", null],
  ])("reads HTTP-date %j as %s", (header, seconds) => {
    expect(parseRetryAfter(header, NOW)).toBe(seconds);
  });

  it("rounds a fraction of a second up, so the retry is never early", () => {
    expect(parseRetryAfter("Sun, 06 Nov 1994 08:50:37 GMT", NOW + 500)).toBe(60);
  });

  it("reads a two-digit year in the century that is not more than 50 years ahead", () => {
    const now2060 = Date.UTC(2060, 0, 1);
    expect(parseRetryAfter("Friday, 01-Jan-60 00:10:00 GMT", now2060)).toBe(600);
    const now2048 = Date.UTC(2048, 11, 31, 23, 0, 0);
    // "99" would be 2099, more than 50 years ahead, so it means 1999: in the past.
    expect(parseRetryAfter("Thursday, 31-Dec-99 23:59:59 GMT", now2048)).toBe(1);
  });

  it.each([
    null,
    "",
    "   ",
    "soon",
    "-5",
    "1.5",
    "+30",
    "1e3",
    "0x10",
    "120 seconds",
    "Sun, 31 Feb 1994 08:49:37 GMT",
    "Sun, 06 Nov 1994 24:00:00 GMT",
    "Sun, 06 Foo 1994 08:49:37 GMT",
    "Sun, 06 Nov 1994 08:49:37 PST",
    "1994-11-06T08:50:37Z",
    "Tomorrow 1",
    "Sun, 6 Nov 1994 08:49:37 GMT",
  ])("returns null for %j", (header) => {
    expect(parseRetryAfter(header, NOW)).toBeNull();
  });
});

describe("backoffSeconds", () => {
  const low = () => 0;
  const high = () => 0.999999;
  const mid = () => 0.5;

  it.each([
    [1, 1, 2],
    [2, 2, 4],
    [3, 4, 8],
    [4, 8, 16],
    [5, 16, 32],
    [6, 32, 64],
    [7, 64, 128],
    [8, 128, 256],
    [9, 150, 300],
    [10, 150, 300],
    [1000, 150, 300],
    [Number.MAX_SAFE_INTEGER, 150, 300],
  ])("attempt %d waits between %d and %d s", (attempt, min, max) => {
    expect(backoffSeconds(attempt, low)).toBe(min);
    expect(backoffSeconds(attempt, high)).toBe(max);
  });

  it("lands in the middle of the window for a middle draw", () => {
    expect(backoffSeconds(3, mid)).toBe(6);
    expect(backoffSeconds(12, mid)).toBe(225);
  });

  it("returns whole seconds for any draw", () => {
    for (let i = 0; i <= 100; i++) {
      const value = backoffSeconds(4, () => i / 100);
      expect(Number.isInteger(value)).toBe(true);
      expect(value).toBeGreaterThanOrEqual(8);
      expect(value).toBeLessThanOrEqual(16);
    }
  });

  it("treats a nonsense attempt as the first retry, an endless one as the cap", () => {
    for (const attempt of [0, -3, Number.NaN, Number.NEGATIVE_INFINITY]) {
      expect(backoffSeconds(attempt, high)).toBe(2);
    }
    expect(backoffSeconds(Number.POSITIVE_INFINITY, high)).toBe(300);
    expect(backoffSeconds(2.9, high)).toBe(4);
  });

  it("keeps within the window when the random source misbehaves", () => {
    expect(backoffSeconds(5, () => 7)).toBe(32);
    expect(backoffSeconds(5, () => -1)).toBe(16);
    expect(backoffSeconds(5, () => Number.NaN)).toBe(16);
  });

  it("defaults to Math.random and stays in the window", () => {
    for (let i = 0; i < 50; i++) {
      const value = backoffSeconds(6);
      expect(value).toBeGreaterThanOrEqual(32);
      expect(value).toBeLessThanOrEqual(64);
    }
  });
});

describe("classifyStatus", () => {
  it.each([
    [200, "success"],
    [201, "success"],
    [204, "success"],
    [299, "success"],
    [301, "redirect"],
    [302, "redirect"],
    [303, "redirect"],
    [307, "redirect"],
    [308, "redirect"],
    [300, "permanent"],
    [304, "permanent"],
    [305, "permanent"],
    [429, "rate_limited"],
    [503, "rate_limited"],
    [408, "retry"],
    [425, "retry"],
    [500, "retry"],
    [502, "retry"],
    [504, "retry"],
    [507, "retry"],
    [520, "retry"],
    [599, "retry"],
    [400, "permanent"],
    [401, "permanent"],
    [403, "permanent"],
    [404, "permanent"],
    [410, "permanent"],
    [451, "permanent"],
    [499, "permanent"],
    [100, "permanent"],
    [103, "permanent"],
    [0, "permanent"],
    [600, "permanent"],
    [-1, "permanent"],
    [200.5, "permanent"],
    [Number.NaN, "permanent"],
  ] as const)("%d is %s", (status, expected) => {
    expect(classifyStatus(status)).toBe(expected);
  });
});

describe("isTransient", () => {
  it.each([
    ["timeout", null, true],
    ["network_error", null, true],
    ["rate_limited", 429, true],
    ["robots_unreachable", null, true],
    ["http_error", 500, true],
    ["http_error", 408, true],
    ["http_error", 404, false],
    ["http_error", 302, false],
    ["http_error", null, false],
    ["blocked_address", null, false],
    ["decoding_failed", 200, false],
    ["too_large", 200, false],
  ] as const)("calls %s (status %s) transient: %s", (code, status, expected) => {
    expect(isTransient(code, status)).toBe(expected);
  });
});

describe("pageRetryDelay", () => {
  it("waits what the origin asked for, else the backoff, until the attempts are used up", () => {
    expect(pageRetryDelay(1, 4, 30)).toBe(30);
    expect(pageRetryDelay(1, 4, null)).toBeGreaterThanOrEqual(1);
    expect(pageRetryDelay(3, 4)).toBeGreaterThanOrEqual(4);
    expect(pageRetryDelay(4, 4, 30)).toBeNull();
  });
});

describe("sourceRetryDelay", () => {
  it("reads a source again with backoff until SOURCE_MAX_ATTEMPTS readings", () => {
    expect(sourceRetryDelay(SOURCE_MAX_ATTEMPTS - 1)).not.toBeNull();
    expect(sourceRetryDelay(SOURCE_MAX_ATTEMPTS)).toBeNull();
  });
});

describe("robotsReaskMs", () => {
  it("asks an unreachable robots.txt again after 2 s, doubling to 5 min", () => {
    expect([1, 2, 3, 4].map(robotsReaskMs)).toEqual([2000, 4000, 8000, 16000]);
    expect(robotsReaskMs(100)).toBe(5 * 60_000);
  });
});
