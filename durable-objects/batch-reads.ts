// The read-only statements over a batch's URLs and parts: what the API pages through
// (results, errors, retry inputs, the uploaded list), the per-code counts, and what
// the coordinator has still to write. BatchStore (batch-store.ts) adds the writes.
import type { ErrorEntry, PartInfo, ResultLocation } from "../lib/coordinator-protocol";
import { messageOf } from "../lib/error-codes";
import type { PageOutcome } from "../lib/webhooks";
import type { UrlRow } from "./batch-schema";
import { type HostCount, hostCounts } from "./host-counts";
import { marksBetween } from "./near-duplicates";
import { partsOf } from "./part-rows";

export class BatchReads {
  constructor(protected readonly sql: SqlStorage) {}

  /** The three numbers the list's own statements need, without parsing the whole row. */
  protected size(): { chunkSize: number; total: number; explicitTotal: number | null } {
    const row = this.sql
      .exec<{ chunk_size: number; total: number; explicit_total: number | null }>(
        "SELECT chunk_size, total, explicit_total FROM batch",
      )
      .toArray()[0];
    return { chunkSize: row?.chunk_size ?? 1, total: row?.total ?? 0, explicitTotal: row?.explicit_total ?? null };
  }

  locate(cursor: number, limit: number, state: string | null): ResultLocation[] {
    const rows = state
      ? this.sql.exec<UrlRow>(
          "SELECT idx, state, part FROM urls WHERE state = ? AND state != 'pending' AND idx >= ? ORDER BY idx LIMIT ?",
          state,
          cursor,
          limit,
        )
      : this.sql.exec<UrlRow>("SELECT idx, state, part FROM urls WHERE idx >= ? ORDER BY idx LIMIT ?", cursor, limit);
    const found = rows.toArray().map((row): ResultLocation => ({ index: row.idx, state: row.state, part: row.part }));
    // Near-duplicate marks are final only once every URL is: shown from publication on.
    const published = this.sql.exec<{ k: string | null }>("SELECT manifest_key AS k FROM batch").toArray()[0]?.k;
    const first = found[0];
    const last = found[found.length - 1];
    if (!published || !first || !last) return found;
    const marks = marksBetween(this.sql, first.index, last.index);
    return marks.size === 0
      ? found
      : found.map((l) => ({ ...l, ...(marks.has(l.index) && { duplicate: marks.get(l.index) }) }));
  }

  /** URLs done and pending per origin (host-counts.ts). */
  hostCounts(): HostCount[] {
    return hostCounts(this.sql);
  }

  errors(cursor: number, limit: number, code: string | null): ErrorEntry[] {
    const rows = code
      ? this.sql.exec<UrlRow>(
          "SELECT * FROM urls WHERE state IN ('failed', 'skipped') AND state != 'pending' AND code = ? AND idx >= ? ORDER BY idx LIMIT ?",
          code,
          cursor,
          limit,
        )
      : this.sql.exec<UrlRow>(
          "SELECT * FROM urls WHERE state IN ('failed', 'skipped') AND state != 'pending' AND idx >= ? ORDER BY idx LIMIT ?",
          cursor,
          limit,
        );
    return rows.toArray().map((row) => ({
      index: row.idx,
      id: row.caller_id,
      url: row.url,
      status: row.state as ErrorEntry["status"],
      code: row.code,
      message: messageOf(row.code, row.message),
    }));
  }

  /**
   * The URLs a retry takes, from `cursor` on, in input order: every failed one, or
   * those (failed or skipped) with one of `codes`. lib/retry-merge.ts selects the
   * same records from the published result set, so keep the two alike.
   */
  retryInputs(
    cursor: number,
    limit: number,
    codes: string[] | null,
  ): { index: number; url: string; id: string | null }[] {
    const rows = codes
      ? this.sql.exec<UrlRow>(
          `SELECT idx, url, caller_id FROM urls WHERE state IN ('failed', 'skipped') AND state != 'pending'
             AND code IN (SELECT value FROM json_each(?)) AND idx >= ? ORDER BY idx LIMIT ?`,
          JSON.stringify(codes),
          cursor,
          limit,
        )
      : this.sql.exec<UrlRow>(
          "SELECT idx, url, caller_id FROM urls WHERE state = 'failed' AND state != 'pending' AND idx >= ? ORDER BY idx LIMIT ?",
          cursor,
          limit,
        );
    return rows.toArray().map((row) => ({ index: row.idx, url: row.url, id: row.caller_id }));
  }

  /** The uploaded list from `cursor` on, without discovered URLs (a new run discovers afresh). */
  inputs(cursor: number, limit: number, discovered = false): { index: number; url: string; id: string | null }[] {
    const end = discovered ? Number.MAX_SAFE_INTEGER : (this.size().explicitTotal ?? Number.MAX_SAFE_INTEGER);
    return this.sql
      .exec<UrlRow>(
        "SELECT idx, url, caller_id FROM urls WHERE idx >= ? AND idx < ? ORDER BY idx LIMIT ?",
        cursor,
        end,
        limit,
      )
      .toArray()
      .map((row) => ({ index: row.idx, url: row.url, id: row.caller_id }));
  }

  /** How many URLs ended with each error code. */
  codeCounts(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const row of this.sql.exec<{ code: string; n: number }>("SELECT code, n FROM codes ORDER BY code").toArray()) {
      counts[row.code] = row.n;
    }
    return counts;
  }

  parts(): PartInfo[] {
    return partsOf(this.sql, "parts");
  }

  /** The terminal URLs whose records a part holds, in input order: what a `batch.page` event lists. */
  urlsInPart(partKey: string): PageOutcome[] {
    // Within the part's own range: a walk of its rows, not of every URL (ten million at most).
    return this.sql
      .exec<UrlRow>(
        `SELECT idx, caller_id, url, state, code FROM urls
         WHERE idx BETWEEN (SELECT first FROM parts WHERE key = ?1) AND (SELECT last FROM parts WHERE key = ?1)
           AND part = ?1 ORDER BY idx`,
        partKey,
      )
      .toArray()
      .map((row) => ({
        index: row.idx,
        id: row.caller_id,
        url: row.url,
        status: row.state as PageOutcome["status"],
        code: row.code,
      }));
  }

  /** Terminal URLs whose record nobody has written yet: the coordinator's to write, in input order. */
  unwritten(limit: number): UrlRow[] {
    return (
      this.sql
        // Named, so the planner cannot walk the primary key past every row already written
        // (quadratic over a cancelled million: each call restarted from the first URL).
        .exec<UrlRow>(
          "SELECT idx, caller_id, url, norm, state, code, message, attempts FROM urls INDEXED BY urls_unwritten WHERE part IS NULL AND state != 'pending' ORDER BY idx LIMIT ?",
          limit,
        )
        .toArray()
    );
  }

  hasUnwritten(): boolean {
    return (
      this.sql
        .exec("SELECT 1 FROM urls INDEXED BY urls_unwritten WHERE part IS NULL AND state != 'pending' LIMIT 1")
        .toArray().length > 0
    );
  }

  protected ids(query: string, ...bindings: SqlStorageValue[]): number[] {
    return this.sql
      .exec<{ id: number }>(query, ...bindings)
      .toArray()
      .map((row) => row.id);
  }

  protected count(query: string, ...bindings: SqlStorageValue[]): number {
    return this.sql.exec<{ n: number }>(query, ...bindings).one().n;
  }
}
