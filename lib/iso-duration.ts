// ISO-8601 durations (`PT2H`, `P1DT30M`) as a schedule's window. Pure.

import { type Failure, fail, ok, type Result } from "./result";

const DURATION = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

export type DurationParse = Result<number, Failure<"invalid_duration">>;

/**
 * Milliseconds in an ISO-8601 duration of weeks, days, hours, minutes and seconds. Years
 * and months are refused: their length depends on the calendar, a window's must not.
 */
export function parseDuration(text: string): DurationParse {
  const match = DURATION.exec(text);
  if (!match || text === "P" || text.endsWith("T")) {
    const message = /^P.*\d+Y|^P[^T]*\d+M/.test(text)
      ? "years and months are not allowed (their length varies); use weeks, days, hours, minutes, seconds"
      : "must be an ISO-8601 duration such as PT2H or P1DT30M";
    return fail("invalid_duration", message);
  }
  const [, w = "0", d = "0", h = "0", m = "0", s = "0"] = match;
  const ms = ((((Number(w) * 7 + Number(d)) * 24 + Number(h)) * 60 + Number(m)) * 60 + Number(s)) * 1000;
  if (ms <= 0) return fail("invalid_duration", "must be longer than zero");
  return ok(Math.round(ms));
}
