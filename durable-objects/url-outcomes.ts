// How URLs end: a lease holder's report applied to its range, and a range ended at
// once (cancel, dead letter). The batch's counters and per-code counts change in the
// same statement group as the URL rows they count (the caller's transaction).
import type { PartInfo, UrlReport } from "../lib/coordinator-protocol";
import type { ErrorCode } from "../lib/error-codes";
import { indexSimhash } from "./near-duplicates";
import { insertPart } from "./part-rows";

type Counter = "succeeded" | "failed" | "skipped";

/**
 * Applies a lease holder's report to the URLs of its range: terminal outcomes end
 * pending URLs (counted here) and point at the report's part; fetched URLs count an
 * attempt. Outcomes for URLs outside the range or no longer pending change nothing.
 */
export function applyReport(
  sql: SqlStorage,
  urls: UrlReport[],
  part: PartInfo | null,
  first: number,
  last: number,
): void {
  if (part) insertPart(sql, "parts", part);
  const delta: Record<Counter, number> = { succeeded: 0, failed: 0, skipped: 0 };
  const codes = new Map<string, number>();
  for (const url of urls) {
    if (url.index < first || url.index > last) continue;
    const tried = url.fetched ? 1 : 0;
    if (url.outcome === "retry" || part === null) {
      sql.exec("UPDATE urls SET attempts = attempts + ? WHERE idx = ? AND state = 'pending'", tried, url.index);
      continue;
    }
    // The change and validators ride on the same row update: no row written for them.
    const ended = sql.exec(
      `UPDATE urls SET state = ?, code = ?, message = ?, part = ?, attempts = attempts + ?,
         change = ?, etag = ?, last_modified = ?, content_hash = ?, quality = ?
       WHERE idx = ? AND state = 'pending' RETURNING idx`,
      url.outcome,
      url.code,
      url.message,
      part.key,
      tried,
      url.change ?? null,
      url.etag ?? null,
      url.lastModified ?? null,
      url.contentHash ?? null,
      url.quality ?? null,
      url.index,
    );
    if (ended.toArray().length === 0) continue;
    if (url.outcome === "succeeded" && url.simhash) indexSimhash(sql, url.index, url.simhash, url.contentHash ?? null);
    delta[url.outcome]++;
    if (url.code !== null) codes.set(url.code, (codes.get(url.code) ?? 0) + 1);
  }
  addCounts(sql, delta);
  for (const [code, n] of codes) addCode(sql, code, n);
}

/** Ends the still-pending URLs of a range, counting them. */
export function endPending(
  sql: SqlStorage,
  range: [number, number],
  state: "failed" | "skipped",
  code: ErrorCode,
): number {
  sql.exec(
    // No message: the code's own (messageOf) is filled in when read.
    "UPDATE urls SET state = ?, code = ?, message = NULL WHERE idx BETWEEN ? AND ? AND state = 'pending'",
    state,
    code,
    range[0],
    range[1],
  );
  // Counted by SQLite rather than by returning every row: a cancel ends a million at once.
  const ended = sql.exec<{ n: number }>("SELECT changes() AS n").one().n;
  addCounts(sql, { succeeded: 0, failed: state === "failed" ? ended : 0, skipped: state === "skipped" ? ended : 0 });
  addCode(sql, code, ended);
  return ended;
}

function addCode(sql: SqlStorage, code: string, n: number): void {
  if (n === 0) return;
  sql.exec(
    "INSERT INTO codes (code, n) VALUES (?, CAST(? AS INTEGER)) ON CONFLICT (code) DO UPDATE SET n = n + excluded.n",
    code,
    n,
  );
}

function addCounts(sql: SqlStorage, delta: Record<Counter, number>): void {
  if (delta.succeeded + delta.failed + delta.skipped === 0) return;
  sql.exec(
    "UPDATE batch SET succeeded = succeeded + ?, failed = failed + ?, skipped = skipped + ?",
    delta.succeeded,
    delta.failed,
    delta.skipped,
  );
}
