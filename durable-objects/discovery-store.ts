// Every SQL statement about a batch's discovery sources (the `sources` table, created
// with the others in batch-store.ts), and the source state machine:
//
//   ready ──markSent──▶ sent ──lease──▶ leased ──finish──▶ done | failed
//                        ▲                 │
//                        └──── reopen ─────┘  (a transient failure: sent again, delayed;
//                                               or the lease ran out: sent again)
//   close: ready | sent | leased ──▶ done     (the cap was reached, or the batch cancelled)
//
// As for chunks, `lost_at` is when a source sent or leased is presumed lost, and the
// alarm sends it again; `token` names the lease holder, whose slices alone count. A
// source's `found` counts the URLs it added to the batch (new ones only), so reading it
// twice adds nothing; `invalid` and `filtered` are of its current reading, reset when
// it is leased again.
import { type DiscoveryStatus, MAX_SOURCE_DEPTH, type SourceErrorCode, type SourceKind } from "../lib/discovery";
import { type LeaseRow, LeaseTable } from "./lease-table";

export type SourceState = "ready" | "sent" | "leased" | "done" | "failed";

export interface SourceRow extends LeaseRow<SourceState> {
  kind: SourceKind;
  url: string;
  depth: number;
}

export const SOURCE_TRANSITIONS = {
  markSent: { from: ["ready"], to: "sent" },
  // From `leased` only once its holder's lease has run out (the coordinator checks).
  lease: { from: ["sent", "leased"], to: "leased" },
  reopen: { from: ["sent", "leased"], to: "sent" },
  close: { from: ["ready", "sent", "leased"], to: "done" },
} as const satisfies Record<string, { from: readonly SourceState[]; to: SourceState }>;
export type SourceTransition = keyof typeof SOURCE_TRANSITIONS;

/** How many failed sources the status lists. */
const STATUS_ERRORS = 20;

export class DiscoveryStore {
  /** The source lease machine (lease-table.ts); a new lease starts its reading's counts afresh. */
  readonly leases: LeaseTable<SourceTransition>;

  constructor(private readonly sql: SqlStorage) {
    this.leases = new LeaseTable(sql, "sources", SOURCE_TRANSITIONS, "invalid = 0, filtered = 0");
  }

  /**
   * Adds sources (a request's, or the children an index or robots.txt names) at `depth`;
   * one already held is not added again, which ends loops of indexes. Beyond the depth
   * bound or `maxSources` (MAX_SOURCES_PER_BATCH) a source is recorded failed, so the
   * status says why it was not read. Answers the ids of the sources to send.
   */
  add(sources: { kind: SourceKind; url: string }[], depth: number, maxSources: number): number[] {
    const added: number[] = [];
    let held = this.count("SELECT COUNT(*) AS n FROM sources");
    for (const source of sources) {
      // One refusal row says the cap was met; past it nothing more is stored, so the table stays bounded.
      if (held > maxSources) break;
      // A crawl's pages have depths of their own, bounded by its rules (lib/crawl.ts).
      const refusal: [SourceErrorCode, string] | null =
        depth > MAX_SOURCE_DEPTH && source.kind !== "page"
          ? ["too_deep", `more than ${MAX_SOURCE_DEPTH} levels of sitemap indexes below the first source`]
          : held >= maxSources
            ? ["too_many_sources", `the batch holds ${maxSources} sources: this one and any later were not read`]
            : null;
      const row = this.sql
        .exec<{ id: number }>(
          `INSERT INTO sources (kind, url, depth, state, code, message) VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT (url) DO NOTHING RETURNING id`,
          source.kind,
          source.url,
          depth,
          refusal ? "failed" : "ready",
          refusal?.[0] ?? null,
          refusal?.[1] ?? null,
        )
        .toArray()[0];
      if (!row) continue;
      held++;
      if (!refusal) added.push(row.id);
    }
    return added;
  }

  source(id: number): SourceRow | null {
    return this.sql.exec<SourceRow>("SELECT * FROM sources WHERE id = ?", id).toArray()[0] ?? null;
  }

  /** Applies a named source transition if legal from the source's state; answers whether it was. */
  transition(id: number, name: SourceTransition, set: { lostAt?: number; token?: string } = {}): boolean {
    return this.leases.transition(id, name, set);
  }

  /** Counts a slice the lease holder read, and renews its lease to `lostAt`. */
  recordSlice(id: number, found: number, invalid: number, filtered: number, lostAt: number): void {
    this.sql.exec(
      "UPDATE sources SET found = found + ?, invalid = invalid + ?, filtered = filtered + ?, lost_at = ? WHERE id = ?",
      found,
      invalid,
      filtered,
      lostAt,
      id,
    );
  }

  /** Ends a leased source: done, or failed with a code and message. */
  finish(id: number, failure: { code: SourceErrorCode; message: string } | null): void {
    this.sql.exec(
      "UPDATE sources SET state = ?, code = ?, message = ?, lost_at = NULL, token = NULL WHERE id = ? AND state = 'leased'",
      failure ? "failed" : "done",
      failure?.code ?? null,
      failure?.message ?? null,
      id,
    );
  }

  /** Fails a source however it stands (its attempts ran out while no one held it). */
  giveUp(id: number, message: string): void {
    this.sql.exec(
      "UPDATE sources SET state = 'failed', code = 'gave_up', message = ?, lost_at = NULL, token = NULL WHERE id = ?",
      message,
      id,
    );
  }

  /** Closes every source not yet ended (cap reached, or the batch cancelled). */
  closeOpen(): void {
    this.sql.exec(
      "UPDATE sources SET state = 'done', lost_at = NULL, token = NULL WHERE state IN ('ready', 'sent', 'leased')",
    );
  }

  /**
   * A crawl reads its pages a level at a time: the ready pages of the shallowest depth
   * once no page is being read. So every page is found first from its nearest page, and
   * its depth (what `maxDepth` bounds) is its shortest distance from the start.
   */
  nextCrawlLevel(): number[] {
    if (this.count("SELECT COUNT(*) AS n FROM sources WHERE kind = 'page' AND state IN ('sent', 'leased')") > 0) {
      return [];
    }
    return this.sql
      .exec<{ id: number }>(
        `SELECT id FROM sources WHERE kind = 'page' AND state = 'ready'
           AND depth = (SELECT MIN(depth) FROM sources WHERE kind = 'page' AND state = 'ready') ORDER BY id`,
      )
      .toArray()
      .map((row) => row.id);
  }

  /** No source is waiting or being read. */
  settled(): boolean {
    return this.count("SELECT COUNT(*) AS n FROM sources WHERE state IN ('ready', 'sent', 'leased')") === 0;
  }

  /** Discovery as the status shows it (`capped` is the batch row's). */
  status(capped: boolean): DiscoveryStatus {
    const totals = this.sql
      .exec<{ pending: number; done: number; failed: number; found: number; invalid: number; filtered: number }>(
        `SELECT COALESCE(SUM(state IN ('ready', 'sent', 'leased')), 0) AS pending,
                COALESCE(SUM(state = 'done'), 0) AS done, COALESCE(SUM(state = 'failed'), 0) AS failed,
                COALESCE(SUM(found), 0) AS found, COALESCE(SUM(invalid), 0) AS invalid,
                COALESCE(SUM(filtered), 0) AS filtered
         FROM sources`,
      )
      .one();
    const errors = this.sql
      .exec<{ url: string; kind: SourceKind; code: string; message: string }>(
        "SELECT url, kind, code, message FROM sources WHERE state = 'failed' ORDER BY id LIMIT ?",
        STATUS_ERRORS,
      )
      .toArray()
      .map(({ url, kind, code, message }) => ({ url, kind, code, message }));
    return {
      state: totals.pending > 0 ? "discovering" : "done",
      sources: { pending: totals.pending, done: totals.done, failed: totals.failed },
      found: totals.found,
      invalid: totals.invalid,
      filtered: totals.filtered,
      capped,
      errors,
    };
  }

  private count(query: string, ...bindings: SqlStorageValue[]): number {
    return this.sql.exec<{ n: number }>(query, ...bindings).one().n;
  }
}
