// When a cron expression next runs, in a named time zone. Pure.
//
// The expression is read in the zone's wall-clock time. Across a daylight-saving change:
// - clocks set forward over a run time (02:30 on the spring-forward day in Europe/Berlin):
//   the run happens at the moment the clocks jump to (03:00), so a nightly run is never lost;
// - clocks set back (02:30 shown twice in the fall): the run happens once, at the first 02:30.
import { type Cron, cronMatchesDay } from "./cron";
import { instantOf, wallTime } from "./time-zone";

const DAY = 86_400_000;
/**
 * How far ahead to look: Feb 29 can be eight years off (2096 to 2104), and an expression
 * that passes parseCron always has a day within that.
 */
const HORIZON_DAYS = 9 * 366;

/** The first run of `cron` in `zone` strictly after `after` (epoch ms); null if none within nine years. */
export function nextOccurrence(cron: Cron, zone: string, after: number): number | null {
  const start = wallTime(after, zone);
  const firstDay = start - (start % DAY);
  for (let day = firstDay; day < firstDay + HORIZON_DAYS * DAY; day += DAY) {
    const date = new Date(day);
    if (!cronMatchesDay(cron, date.getUTCMonth() + 1, date.getUTCDate(), date.getUTCDay())) continue;
    for (const hour of sorted(cron.hours)) {
      // Whole hours already behind us on the first day are passed over without asking the zone.
      if (day + (hour + 1) * 3_600_000 <= start - 3_600_000) continue;
      for (const minute of sorted(cron.minutes)) {
        const at = instantOf(day + hour * 3_600_000 + minute * 60_000, zone);
        if (at > after) return at;
      }
    }
  }
  return null;
}

const sortedCache = new WeakMap<ReadonlySet<number>, number[]>();

function sorted(set: ReadonlySet<number>): number[] {
  let values = sortedCache.get(set);
  if (!values) {
    values = [...set].sort((a, b) => a - b);
    sortedCache.set(set, values);
  }
  return values;
}
