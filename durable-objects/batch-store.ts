// The writing statements of a batch's list, chunks and parts, and the chunk state
// machine (the tables are in batch-schema.ts, the reads in batch-reads.ts; its sources,
// changes and webhooks have stores of their own beside it).
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

import { Batch, type Phase, type RunBoost, type RunDrift } from "../lib/batch";
import type { PreviousState } from "../lib/changes";
import type { BeginInput, ClaimEntry, IngestRow, PartInfo, SubmitCounts, UrlReport } from "../lib/coordinator-protocol";
import type { CostCounts } from "../lib/cost-ledger";
import type { ErrorCode } from "../lib/error-codes";
import { nextHeldBy, type SlowestHost } from "../lib/host-view";
import { addToRate } from "../lib/progress";
import { ChangeCounts, type ManifestChanges } from "../lib/schemas";
import { BatchReads } from "./batch-reads";
import type { UrlRow } from "./batch-schema";
import { createTables } from "./batch-schema";
import { type LeaseRow, LeaseTable } from "./lease-table";
import { insertPart } from "./part-rows";
import { applyReport, endPending } from "./url-outcomes";

export type { UrlRow };

export type ChunkState = "ready" | "sent" | "leased" | "done";

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

/** The coordinator's storage: every statement it runs, named for what it does. */
export class BatchStore extends BatchReads {
  /** The chunk lease machine (lease-table.ts): ready, sent, leased and lost chunks. */
  readonly chunks: LeaseTable<ChunkTransition>;

  constructor(private readonly storage: DurableObjectStorage) {
    super(storage.sql);
    this.chunks = new LeaseTable(this.sql, "chunks", CHUNK_TRANSITIONS);
    this.init();
  }

  /** Creates the tables (again, after `deleteAll` dropped them); older coordinators gain the columns added since. */
  init(): void {
    createTables(this.sql);
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

  createBatch(input: BeginInput, token: string, now: number): void {
    this.sql.exec(
      `INSERT INTO batch (one, batch_id, tenant, phase, options, ingest_token, created_at, last_ingest_at, chunk_size,
         retry_of, retry_codes, previous_batch, run, reextract_of)
       VALUES (1, ?, ?, 'ingesting', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
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
      input.reextractOf ?? null,
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

  /**
   * Adds one accepted report's slot time: how long its chunk was leased, and the URLs it
   * fetched; and stores the cost ledger's counts when given, in the same row write.
   */
  addBusyTime(ms: number, urls: number, cost: CostCounts | null = null): void {
    this.sql.exec(
      `UPDATE batch SET busy_ms = busy_ms + CAST(? AS INTEGER), busy_urls = busy_urls + CAST(? AS INTEGER),
         cost = COALESCE(?, cost)`,
      Math.max(0, Math.round(ms)),
      urls,
      cost && JSON.stringify(cost),
    );
  }

  /** Stores the cost ledger's counts (lib/cost-ledger.ts). */
  setCost(cost: CostCounts): void {
    this.sql.exec("UPDATE batch SET cost = ?", JSON.stringify(cost));
  }

  /** Marks a scheduled run drifting; answers whether this call did (it was not already). */
  markDrift(drift: RunDrift): boolean {
    return (
      this.sql.exec("UPDATE batch SET drift = ? WHERE drift IS NULL RETURNING 1", JSON.stringify(drift)).toArray()
        .length > 0
    );
  }

  /** Records a scheduled run's concurrency boost; answers whether it changed. */
  setBoost(boost: RunBoost): boolean {
    return (
      this.sql
        .exec(
          "UPDATE batch SET boost = ? WHERE boost IS NULL OR json_extract(boost, '$.concurrency') < ? RETURNING 1",
          JSON.stringify(boost),
          boost.concurrency,
        )
        .toArray().length > 0
    );
  }

  /** Adds one accepted report's ended URLs to the batch's recent rate, and its origins' paces to the held-back note. */
  notePace(batch: Batch, ended: number, paces: SlowestHost[], now: number, firstStart: number): void {
    const rate = addToRate({ ended: batch.rate_ended, ms: batch.rate_ms, at: batch.rate_at }, ended, now, firstStart);
    const held = nextHeldBy(
      batch.held_by,
      paces.map((pace) => ({ ...pace, at: now })),
      now,
    );
    this.sql.exec(
      "UPDATE batch SET rate_ended = ?, rate_ms = ?, rate_at = ?, held_by = ?",
      rate.ended,
      rate.ms,
      rate.at,
      held && JSON.stringify(held),
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

  /** Whether every chunk is done: one probe of the state index, not a count of every chunk (asked at each report). */
  allChunksDone(): boolean {
    return (
      this.sql.exec("SELECT 1 FROM chunks WHERE state IN ('ready', 'sent', 'leased') LIMIT 1").toArray().length === 0
    );
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

  /** Applies a lease holder's report to the URLs of its range (url-outcomes.ts). */
  applyReport(urls: UrlReport[], part: PartInfo | null, first: number, last: number): void {
    applyReport(this.sql, urls, part, first, last);
  }

  /** Ends the still-pending URLs of a range, counting them. */
  endPending(range: [number, number], state: "failed" | "skipped", code: ErrorCode): number {
    return endPending(this.sql, range, state, code);
  }

  /**
   * Ends the pending URLs of the first `urls` worth of chunks no consumer holds (ready or
   * sent) and closes those chunks: a cancel's sweep, one bounded step at a time, so no
   * transaction grows with the list (ten million URLs at most). One range update per run
   * of consecutive chunks, each a walk of the primary key. Ranges come from chunk ids,
   * never from `idx / size` (a size bound as REAL would make that a fraction matching no
   * chunk, and end URLs being fetched). Answers whether chunks may be left to sweep.
   */
  endUnleasedChunks(state: "failed" | "skipped", code: ErrorCode, urls: number): boolean {
    const limit = Math.max(1, Math.floor(urls / this.size().chunkSize));
    // The primary key's order, past the chunks already done: no sort of every open chunk.
    const ids = this.ids(
      "SELECT id FROM chunks NOT INDEXED WHERE state IN ('ready', 'sent') ORDER BY id LIMIT ?",
      limit,
    );
    for (let i = 0; i < ids.length; ) {
      let j = i;
      while (j + 1 < ids.length && ids[j + 1] === (ids[j] as number) + 1) j++;
      const [from, to] = [ids[i] as number, ids[j] as number];
      this.endPending([this.chunkRange(from)[0], this.chunkRange(to)[1]], state, code);
      this.sql.exec(
        "UPDATE chunks SET state = 'done', lost_at = NULL, token = NULL WHERE id BETWEEN ? AND ? AND state IN ('ready', 'sent')",
        from,
        to,
      );
      i = j + 1;
    }
    return ids.length === limit;
  }

  /** Ends the pending URLs no chunk holds yet (a discovering batch's trailing slice), counting them. */
  endUnchunked(state: "failed" | "skipped", code: ErrorCode): number {
    const { total } = this.size();
    const lastChunk = this.count("SELECT COALESCE(MAX(id), -1) AS n FROM chunks");
    const from = lastChunk < 0 ? 0 : this.chunkRange(lastChunk)[1] + 1;
    return from < total ? this.endPending([from, total - 1], state, code) : 0;
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
}
