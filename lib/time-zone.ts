// Wall-clock time in a named IANA time zone, through the runtime's Intl data (workerd
// ships full ICU). Pure: no bindings, only the clock arithmetic schedules need.

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
    });
    formatters.set(zone, f);
  }
  return f;
}

/** Whether `zone` is a time zone the runtime knows (an IANA name such as `Europe/Berlin`, or `UTC`). */
export function isTimeZone(zone: string): boolean {
  try {
    formatter(zone);
    return true;
  } catch {
    return false;
  }
}

/**
 * The wall-clock minute `at` (epoch ms) shows in `zone`, as if that wall time were UTC:
 * `Date.UTC(year, month - 1, day, hour, minute)`. Seconds are dropped.
 */
export function wallTime(at: number, zone: string): number {
  const parts: Record<string, number> = {};
  for (const part of formatter(zone).formatToParts(at)) {
    if (part.type !== "literal") parts[part.type] = Number(part.value);
  }
  return Date.UTC(parts.year ?? 0, (parts.month ?? 1) - 1, parts.day ?? 1, parts.hour ?? 0, parts.minute ?? 0);
}

const HOUR = 3_600_000;

/**
 * The instant (epoch ms) at which `zone`'s clocks show `wall` (a wall minute as from
 * `wallTime`). A wall time shown twice (clocks set back) gives the first instant; one
 * never shown (clocks set forward over it) gives the instant the jump lands on, the
 * first one whose wall time is later.
 */
export function instantOf(wall: number, zone: string): number {
  // Offsets a day either side bracket any transition near `wall` (none is closer to another).
  const offsets = new Set(
    [-24, 24].map((h) => wallTime(wall + h * HOUR, zone) - Math.floor((wall + h * HOUR) / 60_000) * 60_000),
  );
  const shown = [...offsets].map((offset) => wall - offset).filter((t) => wallTime(t, zone) === wall);
  if (shown.length > 0) return Math.min(...shown);
  // In a gap: search between the two readings for the first minute past it.
  let lo = Math.min(...[...offsets].map((o) => wall - o));
  let hi = Math.max(...[...offsets].map((o) => wall - o));
  while (hi - lo > 60_000) {
    const mid = lo + Math.floor((hi - lo) / 120_000) * 60_000;
    if (wallTime(mid, zone) > wall) hi = mid;
    else lo = mid;
  }
  return hi;
}
