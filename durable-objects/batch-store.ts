// The statements of a batch's list, chunks and parts, and the chunk state machine (its
// sources, changes and webhooks have stores of their own beside it).
//
// One row per input URL (`urls`), one per chunk (`chunks`), one per result part
// (`parts`); the single `batch` row holds the phase and the counters, which change in
// the same transaction as the URL rows they count.
//
// A chunk is a contiguous slice of the input (`chunk_size` URLs). Its states:
//
//   ready ──markSent──▶ sent ──lease──▶ leased ──finish──▶ done
//                        ▲  ▲             │
//                        │  └── reopen ───┤  (its report left URLs to retry: sent again, delayed)
//                        └──── resend ────┘  (lost_at passed: sent again; `sent` too)
//   close: ready | sent | leased ──▶ done    (nothing pending: cancel, dead letter, seal)
//
// `lost_at` has one meaning in both `sent` and `leased`: the moment after which the
// chunk is presumed lost (the message never claimed, or its holder dead) and the alarm
// sends it again. In `sent` that is the delivery delay plus a lease; in `leased`, the
// end of the lease. `token` names the current lease holder and is set only in `leased`;
// only that holder's first report counts. `ready` and `done` have neither.
//
// URL rows: `pending` until terminal (`succeeded`, `failed`, `skipped`); `part` names
// the R2 part holding the URL's record once it is written. A consumer writes the
// records of what it fetched; the coordinator writes every other terminal URL's record
// (refused or duplicate at submission, cancelled, dead-lettered) in large parts.

import { Batch, type Phase } from "../lib/batch";
import type { PreviousState } from "../lib/changes";
import type {
  BeginInput,
  ClaimEntry,
  ErrorEntry,
  IngestRow,
  PartInfo,
  ResultLocation,
  SubmitCounts,
  UrlReport,
} from "../lib/coordinator-protocol";
import { type ErrorCode, messageOf } from "../lib/error-codes";
import { ChangeCounts, type ManifestChanges, type UrlState } from "../lib/schemas";
import type { PageOutcome } from "../lib/webhooks";
import { type LeaseRow, LeaseTable } from "./lease-table";
import { insertPart, partsOf, partTable } from "./part-rows";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS batch (
  one INTEGER PRIMARY KEY CHECK (one = 1),
  batch_id TEXT NOT NULL,
  tenant TEXT NOT NULL,
  phase TEXT NOT NULL,
  options TEXT NOT NULL,
  ingest_token TEXT,
  created_at INTEGER NOT NULL,
  last_ingest_at INTEGER NOT NULL,
  sealed_at INTEGER,
  finished_at INTEGER,
  chunk_size INTEGER NOT NULL,
  total INTEGER NOT NULL DEFAULT 0,
  succeeded INTEGER NOT NULL DEFAULT 0,
  failed INTEGER NOT NULL DEFAULT 0,
  skipped INTEGER NOT NULL DEFAULT 0,
  invalid INTEGER NOT NULL DEFAULT 0,
  duplicates INTEGER NOT NULL DEFAULT 0,
  manifest_key TEXT,
  failure TEXT,
  retry_of TEXT,
  retry_codes TEXT,
  previous_batch TEXT,
  changes TEXT,
  run TEXT,
  late_at INTEGER,
  busy_ms INTEGER NOT NULL DEFAULT 0,
  busy_urls INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS urls (
  idx INTEGER PRIMARY KEY,
  caller_id TEXT,
  url TEXT NOT NULL,
  norm TEXT UNIQUE,
  state TEXT NOT NULL,
  code TEXT,
  message TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  part TEXT,
  change TEXT,
  etag TEXT,
  last_modified TEXT,
  content_hash TEXT
);
CREATE INDEX IF NOT EXISTS urls_state ON urls (state, idx);
CREATE INDEX IF NOT EXISTS urls_unwritten ON urls (idx) WHERE part IS NULL AND state != 'pending';
-- How many URLs ended with each error code, kept in the transaction that ends them: the
-- status answers per-code counts exactly, at any size, without a scan.
CREATE TABLE IF NOT EXISTS codes (
  code TEXT PRIMARY KEY,
  n INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS chunks (
  id INTEGER PRIMARY KEY,
  state TEXT NOT NULL,
  claims INTEGER NOT NULL DEFAULT 0,
  lost_at INTEGER,
  token TEXT
);
CREATE INDEX IF NOT EXISTS chunks_state ON chunks (state, lost_at);
${partTable("parts")}
-- Set once the batch is deleted (DELETE /v1/batches/{id}): whose it was, so a repeated
-- DELETE by its tenant is answered like the first and anyone else's like a missing batch.
CREATE TABLE IF NOT EXISTS deleted (
  one INTEGER PRIMARY KEY CHECK (one = 1),
  tenant TEXT NOT NULL,
  at INTEGER NOT NULL
);
-- What a discovering batch reads its URLs from (sitemaps, indexes, feeds, robots.txt),
-- one row per source URL, so a sitemap named twice (or an index loop) is read once.
-- States and transitions are in durable-objects/discovery-store.ts.
CREATE TABLE IF NOT EXISTS sources (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL,
  url TEXT NOT NULL UNIQUE,
  depth INTEGER NOT NULL,
  state TEXT NOT NULL,
  claims INTEGER NOT NULL DEFAULT 0,
  lost_at INTEGER,
  token TEXT,
  found INTEGER NOT NULL DEFAULT 0,
  invalid INTEGER NOT NULL DEFAULT 0,
  filtered INTEGER NOT NULL DEFAULT 0,
  code TEXT,
  message TEXT
);
CREATE INDEX IF NOT EXISTS sources_state ON sources (state, lost_at);
`;

/** Columns added after 0.1 (retries, discovery, changes): added to older coordinators' tables on start. */
const ADDED_COLUMNS = {
  batch: [
    "retry_of TEXT",
    "retry_codes TEXT",
    "explicit_total INTEGER",
    "discovery TEXT",
    "capped INTEGER NOT NULL DEFAULT 0",
    "previous_batch TEXT",
    "changes TEXT",
    "run TEXT",
    "late_at INTEGER",
    "busy_ms INTEGER NOT NULL DEFAULT 0",
    "busy_urls INTEGER NOT NULL DEFAULT 0",
    "copy_from TEXT",
    "copy_cursor INTEGER",
  ],
  // `carried`: for a URL the batch did not look at (cancelled), the previous run's state
  // of it (JSON), handed on to the next run in place of its own (lib/changes.ts).
  urls: ["change TEXT", "etag TEXT", "last_modified TEXT", "content_hash TEXT", "carried TEXT"],
};

export type ChunkState = "ready" | "sent" | "leased" | "done";

export interface UrlRow extends Record<string, SqlStorageValue> {
  idx: number;
  caller_id: string | null;
  url: string;
  state: "pending" | UrlState;
  code: string | null;
  message: string | null;
  attempts: number;
  part: string | null;
  norm: string | null;
  change: string | null;
}

export type ChunkRow = LeaseRow<ChunkState>;

/** The chunk transitions, each legal only from the states listed. */
export const CHUNK_TRANSITIONS = {
  markSent: { from: ["ready"], to: "sent" },
  // From `leased` only once its holder's lease has run out (the coordinator checks).
  lease: { from: ["ready", "sent", "leased"], to: "leased" },
  finish: { from: ["leased"], to: "done" },
  reopen: { from: ["leased"], to: "sent" },
  resend: { from: ["sent", "leased"], to: "sent" },
  close: { from: ["ready", "sent", "leased"], to: "done" },
} as const satisfies Record<string, { from: readonly ChunkState[]; to: ChunkState }>;
export type ChunkTransition = keyof typeof CHUNK_TRANSITIONS;

type Counter = "succeeded" | "failed" | "skipped";

/** The coordinator's storage: every statement it runs, named for what it does. */
export class BatchStore {
  private readonly sql: SqlStorage;
  /** The chunk lease machine (lease-table.ts): ready, sent, leased and lost chunks. */
  readonly chunks: LeaseTable<ChunkTransition>;

  constructor(private readonly storage: DurableObjectStorage) {
    this.sql = storage.sql;
    this.chunks = new LeaseTable(this.sql, "chunks", CHUNK_TRANSITIONS);
    this.init();
  }

  /** Creates the tables (again, after `deleteAll` dropped them). */
  init(): void {
    this.sql.exec(SCHEMA);
    // Coordinators created before a column was added gain it once.
    for (const [table, added] of Object.entries(ADDED_COLUMNS)) {
      const columns = new Set(
        this.sql
          .exec<{ name: string }>(`PRAGMA table_info(${table})`)
          .toArray()
          .map((c) => c.name),
      );
      for (const definition of added) {
        const [column = ""] = definition.split(" ");
        if (!columns.has(column)) this.sql.exec(`ALTER TABLE ${table} ADD COLUMN ${definition}`);
      }
    }
  }

  /** Makes the upload a copy of `source`'s list from `cursor` on, done by the alarm; null once copied. */
  setCopy(source: string | null, cursor: number): void {
    this.sql.exec("UPDATE batch SET copy_from = ?, copy_cursor = ?", source, cursor);
  }

  /** The tenant whose deleted batch this was, or null when it was never deleted. */
  deletedBy(): string | null {
    return this.sql.exec<{ tenant: string }>("SELECT tenant FROM deleted").toArray()[0]?.tenant ?? null;
  }

  markDeleted(tenant: string, now: number): void {
    this.sql.exec("INSERT OR REPLACE INTO deleted (one, tenant, at) VALUES (1, ?, ?)", tenant, now);
  }

  /** Runs `work` as one transaction. */
  atomically<T>(work: () => T): T {
    return this.storage.transactionSync(work);
  }

  // ---- the batch row -------------------------------------------------------------

  /** The batch, parsed (its JSON columns as values), or null before `createBatch`. */
  batch(): Batch | null {
    const row = this.sql.exec("SELECT * FROM batch").toArray()[0];
    return row ? Batch.parse(row) : null;
  }

  /** The three numbers the list's own statements need, without parsing the whole row. */
  private size(): { chunkSize: number; total: number; explicitTotal: number | null } {
    const row = this.sql
      .exec<{ chunk_size: number; total: number; explicit_total: number | null }>(
        "SELECT chunk_size, total, explicit_total FROM batch",
      )
      .toArray()[0];
    return { chunkSize: row?.chunk_size ?? 1, total: row?.total ?? 0, explicitTotal: row?.explicit_total ?? null };
  }

  createBatch(input: BeginInput, token: string, now: number): void {
    this.sql.exec(
      `INSERT INTO batch (one, batch_id, tenant, phase, options, ingest_token, created_at, last_ingest_at, chunk_size,
         retry_of, retry_codes, previous_batch, run)
       VALUES (1, ?, ?, 'ingesting', ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      input.batchId,
      input.tenant,
      JSON.stringify(input.options),
      token,
      now,
      now,
      input.chunkSize,
      input.retryOf?.batchId ?? null,
      input.retryOf?.codes ? JSON.stringify(input.retryOf.codes) : null,
      input.previousBatch ?? null,
      input.run ? JSON.stringify(input.run) : null,
    );
  }

  /** Forgets everything: an abandoned upload, or one replaced by a new request. */
  reset(): void {
    this.sql.exec(
      "DELETE FROM urls; DELETE FROM codes; DELETE FROM chunks; DELETE FROM parts; DELETE FROM batch; DELETE FROM sources;",
    );
  }

  setPhase(phase: Phase): void {
    this.sql.exec("UPDATE batch SET phase = ?", phase);
  }

  fail(failure: string): void {
    this.sql.exec("UPDATE batch SET phase = 'failed', failure = ?", failure);
  }

  /** Marks a scheduled run late; answers whether this call did (it was not already). */
  markLate(now: number): boolean {
    return this.sql.exec("UPDATE batch SET late_at = ? WHERE late_at IS NULL RETURNING 1", now).toArray().length > 0;
  }

  /** Adds one accepted report's slot time: how long its chunk was leased, and the URLs it fetched. */
  addBusyTime(ms: number, urls: number): void {
    this.sql.exec(
      "UPDATE batch SET busy_ms = busy_ms + CAST(? AS INTEGER), busy_urls = busy_urls + CAST(? AS INTEGER)",
      Math.max(0, Math.round(ms)),
      urls,
    );
  }

  /** Records the publication, with the change counts of the committed manifest. */
  markPublished(phase: Phase, finishedAt: number, manifestKey: string, changes: ManifestChanges | null): void {
    // The counts alone: the removed parts are the manifest's.
    const counts = changes && ChangeCounts.parse(changes);
    this.sql.exec(
      "UPDATE batch SET phase = ?, finished_at = ?, manifest_key = ?, changes = ?",
      phase,
      finishedAt,
      manifestKey,
      counts && JSON.stringify(counts),
    );
  }

  // ---- ingestion -----------------------------------------------------------------

  /**
   * Appends a slice of the list after the rows already held, in one statement (numbers
   * bound from JavaScript arrive as REAL: CAST where they become indices). A URL
   * whose normalised form appeared earlier (in an earlier slice or earlier in this one)
   * is recorded as a skipped duplicate naming the first; refused URLs keep their code.
   */
  appendUrls(rows: IngestRow[], now: number): SubmitCounts {
    const start = this.size().total;
    const slice = JSON.stringify(rows.map((r) => [r.url, r.id, r.norm, r.code, r.message]));
    this.sql.exec(
      `WITH input AS (
         SELECT CAST(key AS INTEGER) + CAST(?2 AS INTEGER) AS idx, value ->> 0 AS url, value ->> 1 AS caller_id,
                value ->> 2 AS norm, value ->> 3 AS code, value ->> 4 AS message
         FROM json_each(?1)
       ), judged AS (
         SELECT input.*,
           (SELECT u.idx FROM urls u WHERE u.norm = input.norm) AS earlier,
           CASE WHEN norm IS NULL THEN idx ELSE MIN(idx) OVER (PARTITION BY norm) END AS first_here
         FROM input
       )
       INSERT INTO urls (idx, caller_id, url, norm, state, code, message)
       SELECT idx, caller_id, url,
         CASE WHEN code IS NULL AND earlier IS NULL AND first_here = idx THEN norm END,
         CASE WHEN code IS NULL AND earlier IS NULL AND first_here = idx THEN 'pending' ELSE 'skipped' END,
         CASE WHEN code IS NOT NULL THEN code WHEN earlier IS NOT NULL OR first_here <> idx THEN 'duplicate' END,
         CASE WHEN code IS NOT NULL THEN message
              WHEN earlier IS NOT NULL THEN 'same page as input #' || earlier
              WHEN first_here <> idx THEN 'same page as input #' || first_here END
       FROM judged ORDER BY idx`,
      slice,
      start,
    );
    const counts = this.sql
      .exec<{ accepted: number; invalid: number; duplicates: number }>(
        `SELECT COALESCE(SUM(state = 'pending'), 0) AS accepted,
                COALESCE(SUM(state = 'skipped' AND code != 'duplicate'), 0) AS invalid,
                COALESCE(SUM(code = 'duplicate'), 0) AS duplicates
         FROM urls WHERE idx >= ?`,
        start,
      )
      .one();
    this.sql.exec(
      `INSERT INTO codes (code, n) SELECT code, COUNT(*) FROM urls WHERE idx >= ? AND code IS NOT NULL GROUP BY code
       ON CONFLICT (code) DO UPDATE SET n = n + excluded.n`,
      start,
    );
    this.sql.exec(
      `UPDATE batch SET total = total + ?, skipped = skipped + ?, invalid = invalid + ?, duplicates = duplicates + ?,
         last_ingest_at = ?`,
      rows.length,
      counts.invalid + counts.duplicates,
      counts.invalid,
      counts.duplicates,
      now,
    );
    return counts;
  }

  /**
   * Ends ingestion: chunks for the uploaded list, and the index where discovered URLs
   * begin. While discovery goes on, a last partial chunk waits for it (see `makeChunks`).
   */
  seal(now: number, discovering = false): void {
    this.makeChunks(!discovering);
    this.sql.exec("UPDATE batch SET phase = 'queued', ingest_token = NULL, sealed_at = ?, explicit_total = total", now);
  }

  /**
   * One chunk per slice of the URLs not yet in a chunk, `done` at once when nothing in
   * it is pending. Only whole slices unless `partial`: URLs appended later (discovery)
   * join the trailing slice, and a chunk must not grow after it was sent.
   */
  makeChunks(partial: boolean): void {
    const { chunkSize: size, total } = this.size();
    const from = this.count("SELECT COALESCE(MAX(id), -1) + 1 AS n FROM chunks") * size;
    const to = partial ? total : Math.floor(total / size) * size;
    if (to <= from) return;
    this.sql.exec(
      `INSERT INTO chunks (id, state)
       SELECT idx / CAST(?1 AS INTEGER) AS chunk, CASE WHEN SUM(state = 'pending') > 0 THEN 'ready' ELSE 'done' END
       FROM urls WHERE idx >= CAST(?2 AS INTEGER) AND idx < CAST(?3 AS INTEGER) GROUP BY chunk`,
      size,
      from,
      to,
    );
  }

  /**
   * Appends discovered URLs (valid, normalised) after the rows held: a URL already in
   * the batch, or earlier in this slice, is left out without a record (a page found in
   * two sitemaps is one URL), and at most `room` are taken. Answers how many were added.
   */
  appendDiscovered(urls: { url: string; norm: string }[], room: number): number {
    if (urls.length === 0 || room <= 0) return 0;
    this.sql.exec(
      `WITH input AS (
         SELECT CAST(key AS INTEGER) AS k, value ->> 0 AS url, value ->> 1 AS norm FROM json_each(?1)
       ), fresh AS (
         SELECT MIN(k) AS k, url, norm FROM input
         WHERE NOT EXISTS (SELECT 1 FROM urls u WHERE u.norm = input.norm)
         GROUP BY norm ORDER BY k LIMIT CAST(?3 AS INTEGER)
       )
       INSERT INTO urls (idx, url, norm, state)
       SELECT CAST(?2 AS INTEGER) + ROW_NUMBER() OVER (ORDER BY k) - 1, url, norm, 'pending' FROM fresh`,
      JSON.stringify(urls.map((u) => [u.url, u.norm])),
      this.size().total,
      room,
    );
    const added = this.count("SELECT changes() AS n");
    if (added > 0) this.sql.exec("UPDATE batch SET total = total + ?", added);
    return added;
  }

  /** Records the batch's discovery plan (JSON), during its upload. */
  setDiscovery(plan: string): void {
    this.sql.exec("UPDATE batch SET discovery = ?", plan);
  }

  markCapped(): void {
    this.sql.exec("UPDATE batch SET capped = 1");
  }

  // ---- chunks --------------------------------------------------------------------

  chunk(id: number): ChunkRow | null {
    return this.sql.exec<ChunkRow>("SELECT * FROM chunks WHERE id = ?", id).toArray()[0] ?? null;
  }

  /** The first and last input index of a chunk. */
  chunkRange(id: number): [number, number] {
    const { chunkSize: size, total } = this.size();
    return [id * size, Math.min((id + 1) * size, total) - 1];
  }

  /** Applies a named chunk transition if legal from the chunk's state; answers whether it was. */
  transition(id: number, name: ChunkTransition, set: { lostAt?: number; token?: string } = {}): boolean {
    return this.chunks.transition(id, name, set);
  }

  allChunksDone(): boolean {
    return this.count("SELECT COUNT(*) AS n FROM chunks WHERE state != 'done'") === 0;
  }

  // ---- URLs ----------------------------------------------------------------------

  /** The URLs of a range still to fetch, in input order. */
  pendingEntries(first: number, last: number): ClaimEntry[] {
    return this.sql
      .exec<UrlRow>(
        "SELECT idx, caller_id, url, norm, attempts FROM urls WHERE idx BETWEEN ? AND ? AND state = 'pending' ORDER BY idx",
        first,
        last,
      )
      .toArray()
      .map((row) => ({
        index: row.idx,
        id: row.caller_id,
        url: row.url,
        key: row.norm ?? row.url,
        attempts: row.attempts,
      }));
  }

  pendingIn(first: number, last: number): number {
    return this.count("SELECT COUNT(*) AS n FROM urls WHERE idx BETWEEN ? AND ? AND state = 'pending'", first, last);
  }

  /**
   * Applies a lease holder's report to the URLs of its range: terminal outcomes end
   * pending URLs (counted here) and point at the report's part; fetched URLs count an
   * attempt. Outcomes for URLs outside the range or no longer pending change nothing.
   */
  applyReport(urls: UrlReport[], part: PartInfo | null, first: number, last: number): void {
    if (part) insertPart(this.sql, "parts", part);
    const delta: Record<Counter, number> = { succeeded: 0, failed: 0, skipped: 0 };
    const codes = new Map<string, number>();
    for (const url of urls) {
      if (url.index < first || url.index > last) continue;
      const tried = url.fetched ? 1 : 0;
      if (url.outcome === "retry" || part === null) {
        this.sql.exec("UPDATE urls SET attempts = attempts + ? WHERE idx = ? AND state = 'pending'", tried, url.index);
        continue;
      }
      // The change and validators ride on the same row update: no row written for them.
      const ended = this.sql.exec(
        `UPDATE urls SET state = ?, code = ?, message = ?, part = ?, attempts = attempts + ?,
           change = ?, etag = ?, last_modified = ?, content_hash = ?
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
        url.index,
      );
      if (ended.toArray().length === 0) continue;
      delta[url.outcome]++;
      if (url.code !== null) codes.set(url.code, (codes.get(url.code) ?? 0) + 1);
    }
    this.addCounts(delta);
    for (const [code, n] of codes) this.addCode(code, n);
  }

  /** Ends the still-pending URLs of a range, counting them. */
  endPending(range: [number, number], state: "failed" | "skipped", code: ErrorCode): number {
    this.sql.exec(
      // No message: the code's own (messageOf) is filled in when read.
      "UPDATE urls SET state = ?, code = ?, message = NULL WHERE idx BETWEEN ? AND ? AND state = 'pending'",
      state,
      code,
      range[0],
      range[1],
    );
    // Counted by SQLite rather than by returning every row: a cancel ends a million at once.
    const ended = this.count("SELECT changes() AS n");
    this.addCounts({ succeeded: 0, failed: state === "failed" ? ended : 0, skipped: state === "skipped" ? ended : 0 });
    this.addCode(code, ended);
    return ended;
  }

  /**
   * Ends the pending URLs of every chunk no consumer holds: one range update per gap
   * between leased chunks, each a walk of the primary key, so a million URLs cost one
   * pass. Ranges come from chunk ids, never from `idx / size` (a size bound as REAL
   * would make that a fraction matching no chunk, and end URLs being fetched).
   */
  endUnleased(state: "failed" | "skipped", code: ErrorCode): number {
    const { total } = this.size();
    const leased = this.ids("SELECT id FROM chunks WHERE state = 'leased' ORDER BY id");
    let ended = 0;
    let from = 0;
    for (const id of [...leased, Number.POSITIVE_INFINITY]) {
      const [first, last] = Number.isFinite(id) ? this.chunkRange(id) : [total, total];
      if (first > from) ended += this.endPending([from, first - 1], state, code);
      from = last + 1;
    }
    return ended;
  }

  /** Closes every chunk no consumer holds (after a cancel ended their URLs). */
  closeUnleased(): void {
    this.sql.exec("UPDATE chunks SET state = 'done', lost_at = NULL, token = NULL WHERE state IN ('ready', 'sent')");
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

  /**
   * Records a part the coordinator wrote and points its URLs at it, with the change each
   * record says and the state it carries on for the next run (see `carried` above).
   */
  recordWrittenPart(
    part: PartInfo,
    written: { index: number; change: string | null; carried: PreviousState | null }[],
  ): void {
    insertPart(this.sql, "parts", part);
    this.sql.exec(
      `UPDATE urls SET part = ?1, change = j.value ->> 1, carried = j.value ->> 2
       FROM json_each(?2) AS j WHERE urls.idx = j.value ->> 0 AND urls.part IS NULL`,
      part.key,
      JSON.stringify(written.map((w) => [w.index, w.change, w.carried && JSON.stringify(w.carried)])),
    );
  }

  // ---- reads ---------------------------------------------------------------------

  locate(cursor: number, limit: number, state: string | null): ResultLocation[] {
    const rows = state
      ? this.sql.exec<UrlRow>(
          "SELECT idx, state, part FROM urls WHERE state = ? AND idx >= ? ORDER BY idx LIMIT ?",
          state,
          cursor,
          limit,
        )
      : this.sql.exec<UrlRow>("SELECT idx, state, part FROM urls WHERE idx >= ? ORDER BY idx LIMIT ?", cursor, limit);
    return rows.toArray().map((row) => ({ index: row.idx, state: row.state, part: row.part }));
  }

  errors(cursor: number, limit: number, code: string | null): ErrorEntry[] {
    const rows = code
      ? this.sql.exec<UrlRow>(
          "SELECT * FROM urls WHERE state IN ('failed', 'skipped') AND code = ? AND idx >= ? ORDER BY idx LIMIT ?",
          code,
          cursor,
          limit,
        )
      : this.sql.exec<UrlRow>(
          "SELECT * FROM urls WHERE state IN ('failed', 'skipped') AND idx >= ? ORDER BY idx LIMIT ?",
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
          `SELECT idx, url, caller_id FROM urls WHERE state IN ('failed', 'skipped')
             AND code IN (SELECT value FROM json_each(?)) AND idx >= ? ORDER BY idx LIMIT ?`,
          JSON.stringify(codes),
          cursor,
          limit,
        )
      : this.sql.exec<UrlRow>(
          "SELECT idx, url, caller_id FROM urls WHERE state = 'failed' AND idx >= ? ORDER BY idx LIMIT ?",
          cursor,
          limit,
        );
    return rows.toArray().map((row) => ({ index: row.idx, url: row.url, id: row.caller_id }));
  }

  /** The uploaded list from `cursor` on, without discovered URLs (a new run discovers afresh). */
  inputs(cursor: number, limit: number): { index: number; url: string; id: string | null }[] {
    const end = this.size().explicitTotal ?? Number.MAX_SAFE_INTEGER;
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
    return this.sql
      .exec<UrlRow>("SELECT idx, caller_id, url, state, code FROM urls WHERE part = ? ORDER BY idx", partKey)
      .toArray()
      .map((row) => ({
        index: row.idx,
        id: row.caller_id,
        url: row.url,
        status: row.state as PageOutcome["status"],
        code: row.code,
      }));
  }

  // ---- helpers -------------------------------------------------------------------

  private addCode(code: string, n: number): void {
    if (n === 0) return;
    this.sql.exec(
      "INSERT INTO codes (code, n) VALUES (?, CAST(? AS INTEGER)) ON CONFLICT (code) DO UPDATE SET n = n + excluded.n",
      code,
      n,
    );
  }

  private addCounts(delta: Record<Counter, number>): void {
    if (delta.succeeded + delta.failed + delta.skipped === 0) return;
    this.sql.exec(
      "UPDATE batch SET succeeded = succeeded + ?, failed = failed + ?, skipped = skipped + ?",
      delta.succeeded,
      delta.failed,
      delta.skipped,
    );
  }

  private ids(query: string, ...bindings: SqlStorageValue[]): number[] {
    return this.sql
      .exec<{ id: number }>(query, ...bindings)
      .toArray()
      .map((row) => row.id);
  }

  private count(query: string, ...bindings: SqlStorageValue[]): number {
    return this.sql.exec<{ n: number }>(query, ...bindings).one().n;
  }
}
