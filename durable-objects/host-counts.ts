// A batch's URLs counted per origin, for the hosts view (GET /v1/batches/{id}/hosts).
// Counted when asked, by one pass over the batch's URL rows: a diagnostic read, not a
// counter kept on the hot path of every report.
import { originOfStored } from "../lib/host-view";

/** Origins answered at most, the busiest (most pending) first. */
export const MAX_HOSTS = 100;

export interface HostCount {
  origin: string;
  done: number;
  pending: number;
}

/** Done and pending URLs per origin, busiest first; normalised URLs keep one origin one row. */
export function hostCounts(sql: SqlStorage): HostCount[] {
  // Scheme "http://" or "https://", then the host up to the first "/" after it.
  const rows = sql
    .exec<{ prefix: string; done: number; pending: number }>(
      `SELECT CASE WHEN instr(substr(u, 9), '/') = 0 THEN u ELSE substr(u, 1, 7 + instr(substr(u, 9), '/')) END AS prefix,
              SUM(state != 'pending') AS done, SUM(state = 'pending') AS pending
         FROM (SELECT COALESCE(norm, url) AS u, state FROM urls WHERE COALESCE(norm, url) LIKE 'http%://%')
        GROUP BY prefix`,
    )
    .toArray();
  const byOrigin = new Map<string, HostCount>();
  for (const row of rows) {
    const origin = originOfStored(row.prefix);
    if (origin === null) continue;
    const seen = byOrigin.get(origin) ?? { origin, done: 0, pending: 0 };
    seen.done += row.done;
    seen.pending += row.pending;
    byOrigin.set(origin, seen);
  }
  return [...byOrigin.values()]
    .sort((a, b) => b.pending - a.pending || b.done - a.done || a.origin.localeCompare(b.origin))
    .slice(0, MAX_HOSTS);
}
