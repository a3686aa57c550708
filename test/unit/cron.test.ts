// Cron expressions: the grammar, the day rule, month ends, and DST in named zones.
import { describe, expect, it } from "vitest";
import { type Cron, parseCron } from "../../lib/cron";
import { nextOccurrence } from "../../lib/cron-next";
import { nextRun, ScheduleSpec, scheduleRule } from "../../lib/schedule";
import { instantOf, isTimeZone, wallTime } from "../../lib/time-zone";

function cron(expression: string): Cron {
  const parsed = parseCron(expression);
  if (!parsed.ok) throw new Error(parsed.error.message);
  return parsed.value;
}

/** The next `n` runs after `from` (ISO), as ISO strings. */
function runs(expression: string, zone: string, from: string, n: number): string[] {
  const out: string[] = [];
  let at = Date.parse(from);
  for (let i = 0; i < n; i++) {
    const next = nextOccurrence(cron(expression), zone, at);
    if (next === null) throw new Error("no next run");
    out.push(new Date(next).toISOString());
    at = next;
  }
  return out;
}

describe("parseCron", () => {
  it("reads lists, ranges, steps and names", () => {
    const c = cron("*/15 9-17/4 1,15,31 JAN-mar MON-FRI");
    expect([...c.minutes]).toEqual([0, 15, 30, 45]);
    expect([...c.hours]).toEqual([9, 13, 17]);
    expect([...c.daysOfMonth]).toEqual([1, 15, 31]);
    expect([...c.months]).toEqual([1, 2, 3]);
    expect([...c.daysOfWeek]).toEqual([1, 2, 3, 4, 5]);
    expect([...cron("5/20 0 * * *").minutes]).toEqual([5, 25, 45]);
    expect([...cron("0 0 * * 7").daysOfWeek]).toEqual([0]);
    expect([...cron("0 0 * * *").daysOfWeek]).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it("says which field is wrong and why", () => {
    const message = (e: string) => {
      const parsed = parseCron(e);
      return parsed.ok ? "ok" : parsed.error.message;
    };
    expect(message("0 2 * *")).toMatch(/must have 5 fields.*found 4/);
    expect(message("60 2 * * *")).toMatch(/minute field "60": 60 is outside 0-59/);
    expect(message("0 */0 * * *")).toMatch(/hour field.*step must be at least 1/);
    expect(message("0 0 5-1 * *")).toMatch(/day of month field.*runs backwards/);
    expect(message("0 0 * foo *")).toMatch(/month field.*not a number or a name/);
    expect(message("0 0 1 1 8")).toMatch(/day of week field "8": 8 is outside 0-7/);
    expect(message("0 0 30 2 *")).toMatch(/no month of the expression has any of its days/);
    expect(message("0 0 31 4,6,9,11 *")).toMatch(/no month/);
  });
});

describe("nextOccurrence", () => {
  it("runs strictly after the moment given, in UTC by default", () => {
    expect(runs("30 6 * * *", "UTC", "2026-11-22T06:29:59Z", 2)).toEqual([
      "2026-11-22T06:30:00.000Z",
      "2026-11-23T06:30:00.000Z",
    ]);
    expect(runs("0 0 * * *", "UTC", "2026-12-31T23:59:00Z", 1)).toEqual(["2027-01-01T00:00:00.000Z"]);
    expect(runs("*/20 * * * *", "UTC", "2026-11-22T06:30:00Z", 3)).toEqual([
      "2026-11-22T06:40:00.000Z",
      "2026-11-22T07:00:00.000Z",
      "2026-11-22T07:20:00.000Z",
    ]);
  });

  it("skips months without the day: the 31st passes over 30-day months, Feb 29 waits for a leap year", () => {
    expect(runs("0 0 31 * *", "UTC", "2026-03-31T12:00:00Z", 3)).toEqual([
      "2026-05-31T00:00:00.000Z",
      "2026-07-31T00:00:00.000Z",
      "2026-08-31T00:00:00.000Z",
    ]);
    expect(runs("0 0 29 2 *", "UTC", "2026-03-01T00:00:00Z", 2)).toEqual([
      "2028-02-29T00:00:00.000Z",
      "2032-02-29T00:00:00.000Z",
    ]);
    // 2100 is not a leap year: eight years from 2096 to 2104.
    expect(runs("0 0 29 2 *", "UTC", "2096-03-01T00:00:00Z", 1)).toEqual(["2104-02-29T00:00:00.000Z"]);
  });

  it("runs on a day matching day-of-month OR day-of-week when both are restricted, as cron does", () => {
    // November 2026: the 1st is a Sunday, Fridays are the 6th, 13th, 20th, 27th.
    expect(runs("0 0 10 * 5", "UTC", "2026-11-01T00:00:00Z", 4)).toEqual([
      "2026-11-06T00:00:00.000Z",
      "2026-11-10T00:00:00.000Z",
      "2026-11-13T00:00:00.000Z",
      "2026-11-20T00:00:00.000Z",
    ]);
    // One of them a wildcard: only the other restricts.
    expect(runs("0 0 * * 5", "UTC", "2026-11-01T00:00:00Z", 2)).toEqual([
      "2026-11-06T00:00:00.000Z",
      "2026-11-13T00:00:00.000Z",
    ]);
    expect(runs("0 0 10 * *", "UTC", "2026-11-01T00:00:00Z", 1)).toEqual(["2026-11-10T00:00:00.000Z"]);
    // `*/10` starts with `*`, so (as in Vixie cron) the day must match both: a Friday on the 1st, 11th, 21st or 31st.
    expect(runs("0 0 */10 * 5", "UTC", "2026-11-01T00:00:00Z", 2)).toEqual([
      "2026-12-11T00:00:00.000Z",
      "2027-01-01T00:00:00.000Z",
    ]);
  });

  it("reads the expression in a named zone's wall clock", () => {
    expect(runs("0 2 * * *", "Europe/Berlin", "2026-11-22T01:00:00Z", 1)).toEqual(["2026-11-23T01:00:00.000Z"]);
    expect(runs("0 2 * * *", "Europe/Berlin", "2026-07-01T00:00:00Z", 1)).toEqual(["2026-07-02T00:00:00.000Z"]);
    expect(runs("0 9 * * *", "Asia/Kolkata", "2026-11-22T00:00:00Z", 1)).toEqual(["2026-11-22T03:30:00.000Z"]);
  });

  it("runs a time the spring-forward jump skips at the moment the clocks jump to", () => {
    // Europe/Berlin, 29 March 2026: 02:00 CET becomes 03:00 CEST (01:00Z); 02:30 is never shown.
    expect(runs("30 2 * * *", "Europe/Berlin", "2026-03-28T12:00:00Z", 2)).toEqual([
      "2026-03-29T01:00:00.000Z",
      "2026-03-30T00:30:00.000Z",
    ]);
    // America/New_York, 8 March 2026: 02:00 EST becomes 03:00 EDT (07:00Z).
    expect(runs("30 2 * * *", "America/New_York", "2026-03-07T12:00:00Z", 2)).toEqual([
      "2026-03-08T07:00:00.000Z",
      "2026-03-09T06:30:00.000Z",
    ]);
    // 02:30 and 03:00 land on the same moment that day: it runs once.
    expect(runs("0,30 2,3 * * *", "Europe/Berlin", "2026-03-29T00:00:00Z", 3)).toEqual([
      "2026-03-29T01:00:00.000Z",
      "2026-03-29T01:30:00.000Z",
      "2026-03-30T00:00:00.000Z",
    ]);
  });

  it("runs a time the fall-back repeats once, at its first showing", () => {
    // Europe/Berlin, 25 October 2026: 03:00 CEST becomes 02:00 CET (01:00Z); 02:30 shows twice.
    expect(runs("30 2 * * *", "Europe/Berlin", "2026-10-24T12:00:00Z", 2)).toEqual([
      "2026-10-25T00:30:00.000Z",
      "2026-10-26T01:30:00.000Z",
    ]);
    // Every half hour across the change: each wall time once, none during the repeated hour.
    expect(runs("*/30 * * * *", "Europe/Berlin", "2026-10-24T23:45:00Z", 5)).toEqual([
      "2026-10-25T00:00:00.000Z",
      "2026-10-25T00:30:00.000Z",
      "2026-10-25T02:00:00.000Z",
      "2026-10-25T02:30:00.000Z",
      "2026-10-25T03:00:00.000Z",
    ]);
    // Asked from inside the repeated hour (the second 02:10), the next run is the next day's.
    expect(runs("30 2 * * *", "Europe/Berlin", "2026-10-25T01:10:00Z", 1)).toEqual(["2026-10-26T01:30:00.000Z"]);
  });
});

describe("time zones", () => {
  it("knows IANA names and refuses others", () => {
    expect(isTimeZone("Europe/Berlin")).toBe(true);
    expect(isTimeZone("UTC")).toBe(true);
    expect(isTimeZone("Mars/Olympus_Mons")).toBe(false);
  });

  it("maps wall time to instants and back", () => {
    const at = Date.parse("2026-07-01T10:15:00Z");
    expect(wallTime(at, "Europe/Berlin")).toBe(Date.parse("2026-07-01T12:15:00Z"));
    expect(instantOf(Date.parse("2026-07-01T12:15:00Z"), "Europe/Berlin")).toBe(at);
  });
});

describe("schedule specs", () => {
  const problems = (value: unknown) => {
    const parsed = ScheduleSpec.safeParse(value);
    return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
  };

  it("names the field and the reason", () => {
    expect(problems({ cron: "0 2 * *" })).toEqual([expect.stringMatching(/^cron: must have 5 fields/)]);
    expect(problems({ cron: "0 2 * * *", timeZone: "Europe/Berlinn" })).toEqual([
      expect.stringMatching(/^timeZone: unknown time zone "Europe\/Berlinn"/),
    ]);
    expect(problems({ cron: "0 2 * * *", daily: "02:00" })).toEqual([
      "cron: give exactly one of cron and daily (HH:MM)",
    ]);
    expect(problems({ cron: "0 2 * * *", window: "2h" })).toEqual([expect.stringMatching(/^window: must be an ISO/)]);
    expect(problems({ cron: "0 2 * * *", window: "P1M" })).toEqual([
      expect.stringMatching(/^window: years and months/),
    ]);
    expect(problems({ cron: "0 2 * * *", lateThreshold: 0.2 })).toEqual([
      "lateThreshold: needs a window to measure the margin against",
    ]);
    expect(problems({ cron: "0 2 * * *", timeZone: "Europe/Berlin", window: "PT2H", lateThreshold: 0.2 })).toEqual([]);
  });

  it("reads daily HH:MM as the cron expression it stands for", () => {
    const rule = scheduleRule(ScheduleSpec.parse({ daily: "06:30" }));
    expect(rule).toEqual({
      cron: "30 6 * * *",
      timeZone: "UTC",
      daily: "06:30",
      window: null,
      lateThreshold: 0.15,
      drift: { factor: 2, window: 7 },
    });
    const at = Date.UTC(2026, 10, 22, 6, 30);
    expect(nextRun(rule, at - 1)).toBe(at);
    expect(nextRun(rule, at)).toBe(at + 86_400_000);
  });
});
