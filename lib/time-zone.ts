// Wall-clock time in a named IANA time zone, through the runtime's Intl data (workerd
// ships full ICU). Pure: no bindings, only the clock arithmetic schedules need.

// Keyed by the canonical zone the runtime resolves a spelling to: zones match without
// regard to case and through aliases, so a key per raw string would let a caller grow
// the cache (and the isolate's memory) by one formatter per spelling. A spelling the
// runtime refuses throws before anything is cached.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  const cached = formatters.get(zone);
  if (cached) return cached;
  const f = new Intl.DateTimeFormat("en-US", {
    timeZone: zone,
    hourCycle: "h23",
    year: "numeric",
    month: "numeric",
    day: "numeric",
    hour: "numeric",
    minute: "numeric",
  });
  const canonical = f.resolvedOptions().timeZone;
  const known = formatters.get(canonical);
  if (known) return known;
  formatters.set(canonical, f);
  return f;
}

/** How many time-zone formatters are cached: at most one per canonical zone the runtime knows. */
export function cachedFormatterCount(): number {
  return formatters.size;
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
