import { DurableObject } from "cloudflare:workers";
import type {
  BatchSummary,
  BeginInput,
  BeginResult,
  ChunkReport,
  ClaimEntry,
  ClaimResult,
  ErrorEntry,
  IngestRow,
  ResultLocation,
  SubmitCounts,
} from "../lib/coordinator-protocol";
import type { ErrorCode } from "../lib/error-codes";
import { r2Keys } from "../lib/r2-keys";
import { encodePart, type UnfetchedUrl, unfetchedRecord } from "../lib/result-parts";
import { BatchOptions, type ChunkMessage, Manifest, type ManifestPart } from "../lib/schemas";
import { readSettings, type Settings } from "../lib/settings";
import { BATCH_SCHEMA, type BatchRow, type ChunkRow, type Phase, type UrlRow } from "./batch-tables";

/** An upload that has not sent a URL for this long is abandoned and the batch failed. */
const INGEST_TIMEOUT_MS = 10 * 60_000;
/**
 * An upload is live while its appends keep coming: the API appends at least every
 * INGEST_RENEW_MS while lines arrive. One silent for longer than this (its request or
 * the whole process died) gives its Idempotency-Key to the next `begin` at once.
 */
export const INGEST_LIVE_MS = 10_000;
/** How often the alarm looks at a running batch even when no lease is due. */
const HEARTBEAT_MS = 30_000;
const SEND_BATCH_MAX = 100;
const DEAD_LETTER_MESSAGE = "the queue gave up delivering this chunk";
const CANCELLED_MESSAGE = "the batch was cancelled before this URL was fetched";

/**
 * One batch: its URL list, the state of every URL and chunk, the counters, and the
 * publication of its manifest. Consumers talk to it once per chunk (claim, report);
 * it never fetches pages itself.
 */
export class BatchCoordinator extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private readonly settings: Settings;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.settings = readSettings(env as unknown as Record<string, unknown>);
    this.sql.exec(BATCH_SCHEMA);
  }

  // ---- ingestion -------------------------------------------------------------------

  /** Starts a batch, or returns the existing one (the same Idempotency-Key again). */
  async begin(input: BeginInput): Promise<BeginResult> {
    const existing = this.batch();
    const now = Date.now();
    const deadUpload = existing?.phase === "ingesting" && now - existing.last_ingest_at > INGEST_LIVE_MS;
    if (existing && existing.phase !== "failed" && !deadUpload) {
      return { created: false, inProgress: existing.phase === "ingesting", summary: this.summarize(existing) };
    }
    if (existing) this.reset();
    const token = crypto.randomUUID();
    this.sql.exec(
      `INSERT INTO batch (one, batch_id, tenant, phase, options, idempotency_key, ingest_token, created_at, last_ingest_at, chunk_size)
       VALUES (1, ?, ?, 'ingesting', ?, ?, ?, ?, ?, ?)`,
      input.batchId,
      input.tenant,
      JSON.stringify(input.options),
      input.idempotencyKey,
      token,
      now,
      now,
      input.chunkSize,
    );
    await this.ctx.storage.setAlarm(now + INGEST_TIMEOUT_MS);
    return { created: true, token };
  }

  /**
   * Appends a slice of the URL list; duplicates by normalised URL are skipped here.
   * Null when `token` is no longer the batch's upload (it went silent and was replaced).
   */
  async append(token: string, rows: IngestRow[]): Promise<SubmitCounts | null> {
    const batch = this.ingesting(token);
    if (!batch) return null;
    let next = batch.total;
    const counts: SubmitCounts = { accepted: 0, invalid: 0, duplicates: 0 };
    this.ctx.storage.transactionSync(() => {
      for (const row of rows) {
        let state: UrlRow["state"] = "pending";
        let code = row.code;
        let message = row.message;
        let norm = row.norm;
        if (code) {
          state = "skipped";
          counts.invalid++;
        } else if (norm !== null) {
          const first = this.sql.exec<{ idx: number }>("SELECT idx FROM urls WHERE norm = ?", norm).toArray()[0];
          if (first) {
            state = "skipped";
            code = "duplicate";
            message = `same page as input #${first.idx}`;
            norm = null;
            counts.duplicates++;
          }
        }
        if (state === "pending") counts.accepted++;
        this.sql.exec(
          "INSERT INTO urls (idx, caller_id, url, norm, state, code, message) VALUES (?, ?, ?, ?, ?, ?, ?)",
          next++,
          row.id,
          row.url,
          norm,
          state,
          code,
          message,
        );
      }
      const skipped = counts.invalid + counts.duplicates;
      this.sql.exec(
        `UPDATE batch SET total = total + ?, skipped = skipped + ?, invalid = invalid + ?, duplicates = duplicates + ?,
           last_ingest_at = ?`,
        rows.length,
        skipped,
        counts.invalid,
        counts.duplicates,
        Date.now(),
      );
    });
    return counts;
  }

  /** Ends ingestion: creates the chunks, registers the batch with its tenant, starts dispatch. Null as for `append`. */
  async seal(token: string): Promise<BatchSummary | null> {
    const batch = this.ingesting(token);
    if (!batch) return null;
    const chunkCount = Math.ceil(batch.total / batch.chunk_size);
    this.ctx.storage.transactionSync(() => {
      this.sql.exec(
        `WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c WHERE i + 1 < ?)
         INSERT INTO chunks (id, state) SELECT i, 'ready' FROM c`,
        chunkCount,
      );
      this.sql.exec("UPDATE batch SET phase = 'queued', ingest_token = NULL, sealed_at = ?", Date.now());
    });
    await this.pump();
    const summary = this.summarize(this.requireBatch());
    await this.registerWithTenant(summary);
    await this.scheduleAlarm();
    return summary;
  }

  /** Drops a batch whose upload failed (bad input part-way), so its key can be used again. */
  async abandon(token: string): Promise<void> {
    if (!this.ingesting(token)) return; // replaced already: the new upload owns the batch
    this.reset();
    await this.ctx.storage.deleteAlarm();
  }

  // ---- reads ---------------------------------------------------------------------

  /** The batch's status for the API, or null when this id was never created. */
  async status(): Promise<BatchSummary | null> {
    const batch = this.batch();
    if (!batch || batch.phase === "ingesting") return null;
    return this.summarize(batch);
  }

  /** Where the records of URLs from `cursor` on live, in input order. */
  async locate(cursor: number, limit: number, state: string | null): Promise<ResultLocation[]> {
    const rows = state
      ? this.sql.exec<UrlRow>(
          "SELECT * FROM urls WHERE state = ? AND idx >= ? ORDER BY idx LIMIT ?",
          state,
          cursor,
          limit,
        )
      : this.sql.exec<UrlRow>("SELECT * FROM urls WHERE idx >= ? ORDER BY idx LIMIT ?", cursor, limit);
    return rows.toArray().map((row) => ({ index: row.idx, state: row.state, part: row.part }));
  }

  /** Failed and skipped URLs with their codes, in input order, straight from SQLite. */
  async errors(cursor: number, limit: number): Promise<ErrorEntry[]> {
    return this.sql
      .exec<UrlRow>(
        "SELECT * FROM urls WHERE state IN ('failed', 'skipped') AND idx >= ? ORDER BY idx LIMIT ?",
        cursor,
        limit,
      )
      .toArray()
      .map((row) => ({
        index: row.idx,
        id: row.caller_id,
        url: row.url,
        status: row.state as ErrorEntry["status"],
        code: row.code,
        message: row.message,
      }));
  }

  /** The submitted list from `cursor` on, as it was given: what a scheduled run fetches again. */
  async exportInputs(cursor: number, limit: number): Promise<{ index: number; url: string; id: string | null }[]> {
    return this.sql
      .exec<UrlRow>("SELECT idx, url, caller_id FROM urls WHERE idx >= ? ORDER BY idx LIMIT ?", cursor, limit)
      .toArray()
      .map((row) => ({ index: row.idx, url: row.url, id: row.caller_id }));
  }

  // ---- consumers -------------------------------------------------------------------

  /** A consumer takes a lease on a chunk; a duplicate delivery finds it busy or done. */
  async claim(chunkId: number): Promise<ClaimResult> {
    const batch = this.batch();
    const chunk = this.chunk(chunkId);
    if (!batch || !chunk) return { kind: "unknown" };
    if (chunk.state === "done") return { kind: "done" };
    const now = Date.now();
    if (chunk.state === "leased" && (chunk.lease_until ?? 0) > now) return { kind: "busy" };
    const token = crypto.randomUUID();
    const [first, last] = this.chunkRange(batch, chunkId);
    let entries: ClaimEntry[] = [];
    this.ctx.storage.transactionSync(() => {
      if (batch.phase === "cancelled") this.cancelPending(first, last);
      this.sql.exec(
        "UPDATE chunks SET state = 'leased', token = ?, lease_until = ?, claims = claims + 1 WHERE id = ?",
        token,
        now + this.settings.LEASE_SECONDS * 1000,
        chunkId,
      );
      if (batch.phase === "queued") this.sql.exec("UPDATE batch SET phase = 'running'");
      entries = this.sql
        .exec<UrlRow>("SELECT * FROM urls WHERE idx BETWEEN ? AND ? AND part IS NULL ORDER BY idx", first, last)
        .toArray()
        .map((row) => ({
          index: row.idx,
          id: row.caller_id,
          url: row.url,
          state: row.state === "pending" ? "pending" : "skipped",
          code: row.code as ClaimEntry["code"],
          message: row.message,
          attempts: row.attempts,
        }));
    });
    return { kind: "work", token, attempt: chunk.claims + 1, options: this.options(batch), entries };
  }

  /**
   * A consumer reports what became terminal in its attempt. Only the current lease
   * holder's first report counts: a second report, or one from a lease that expired
   * and was taken over, changes nothing (and the caller drops its part).
   */
  async reportChunk(report: ChunkReport): Promise<{ accepted: boolean }> {
    const batch = this.batch();
    const chunk = this.chunk(report.chunkId);
    if (!batch || !chunk || chunk.state !== "leased" || chunk.token !== report.token) return { accepted: false };
    const [first, last] = this.chunkRange(batch, report.chunkId);
    let remaining = 0;
    this.ctx.storage.transactionSync(() => {
      if (report.part) {
        this.sql.exec(
          "INSERT INTO parts (key, chunk, records, bytes, sha256) VALUES (?, ?, ?, ?, ?)",
          report.part.key,
          report.chunkId,
          report.part.records,
          report.part.bytes,
          report.part.sha256,
        );
      }
      for (const index of report.tried) {
        if (index >= first && index <= last)
          this.sql.exec("UPDATE urls SET attempts = attempts + 1 WHERE idx = ?", index);
      }
      const delta = { succeeded: 0, failed: 0, skipped: 0 };
      for (const outcome of report.outcomes) {
        if (outcome.index < first || outcome.index > last || !report.part) continue;
        const row = this.sql
          .exec<UrlRow>("SELECT * FROM urls WHERE idx = ? AND part IS NULL", outcome.index)
          .toArray()[0];
        if (!row) continue;
        if (row.state === "pending") {
          delta[outcome.state]++;
          this.sql.exec(
            "UPDATE urls SET state = ?, code = ?, message = ?, part = ? WHERE idx = ?",
            outcome.state,
            outcome.code,
            outcome.message,
            report.part.key,
            row.idx,
          );
        } else {
          this.sql.exec("UPDATE urls SET part = ? WHERE idx = ?", report.part.key, row.idx);
        }
      }
      this.sql.exec(
        "UPDATE batch SET succeeded = succeeded + ?, failed = failed + ?, skipped = skipped + ?",
        delta.succeeded,
        delta.failed,
        delta.skipped,
      );
      if (batch.phase === "cancelled") this.cancelPending(first, last);
      remaining = this.count("SELECT COUNT(*) AS n FROM urls WHERE idx BETWEEN ? AND ? AND part IS NULL", first, last);
      this.sql.exec(
        "UPDATE chunks SET state = ?, token = NULL, lease_until = NULL WHERE id = ?",
        remaining === 0 ? "done" : "ready",
        report.chunkId,
      );
    });
    if (remaining > 0) await this.dispatch([report.chunkId], report.retryAfterSeconds ?? 0);
    await this.pump();
    await this.scheduleAlarm(remaining === 0 && this.allChunksDone() ? 0 : undefined);
    return { accepted: true };
  }

  /**
   * Records a chunk that the queue gave up on: its unfinished URLs fail with
   * `delivery_failed` and the coordinator writes their records itself (a small part),
   * so a chunk that kills every consumer cannot loop and nothing vanishes.
   */
  async deadLetter(chunkId: number): Promise<void> {
    const batch = this.batch();
    const chunk = this.chunk(chunkId);
    if (!batch || !chunk || chunk.state === "done") return;
    const [first, last] = this.chunkRange(batch, chunkId);
    const rows = this.sql
      .exec<UrlRow>("SELECT * FROM urls WHERE idx BETWEEN ? AND ? AND part IS NULL ORDER BY idx", first, last)
      .toArray();
    const records = rows.map((row) =>
      row.state === "pending"
        ? unfetchedRecord(asUnfetched(row), "failed", "delivery_failed", DEAD_LETTER_MESSAGE)
        : unfetchedRecord(asUnfetched(row), row.state, row.code as ErrorCode, row.message ?? ""),
    );
    const key = r2Keys.part(batch.batch_id, chunkId, chunk.claims + 1);
    const part = await encodePart(records);
    await this.env.RESULTS.put(key, part.body, { httpMetadata: { contentType: "application/x-ndjson" } });
    this.ctx.storage.transactionSync(() => {
      this.sql.exec(
        "INSERT OR IGNORE INTO parts (key, chunk, records, bytes, sha256) VALUES (?, ?, ?, ?, ?)",
        key,
        chunkId,
        part.records,
        part.bytes,
        part.sha256,
      );
      this.endPending(first, last, "failed", "delivery_failed", DEAD_LETTER_MESSAGE);
      this.sql.exec("UPDATE urls SET part = ? WHERE idx BETWEEN ? AND ? AND part IS NULL", key, first, last);
      this.sql.exec(
        "UPDATE chunks SET state = 'done', token = NULL, lease_until = NULL, claims = claims + 1 WHERE id = ?",
        chunkId,
      );
    });
    await this.pump();
    await this.scheduleAlarm(this.allChunksDone() ? 0 : undefined);
  }

  /** Stops dispatching new work; what is not done ends `skipped` with code `cancelled`. */
  async cancel(): Promise<BatchSummary | null> {
    const batch = this.batch();
    if (!batch || batch.phase === "ingesting") return null;
    if (batch.phase === "queued" || batch.phase === "running") {
      this.ctx.storage.transactionSync(() => {
        this.sql.exec("UPDATE batch SET phase = 'cancelled'");
        // URLs of chunks a consumer holds right now are left to it; it reports them.
        // Ranges are compared, not `idx / size`: a size bound as REAL turns that into
        // a fraction that matches no chunk id, and would cancel URLs being fetched.
        const cancelled = this.sql
          .exec(
            `UPDATE urls SET state = 'skipped', code = 'cancelled', message = ?1
             WHERE state = 'pending' AND NOT EXISTS (
               SELECT 1 FROM chunks WHERE state = 'leased'
                 AND urls.idx >= chunks.id * ?2 AND urls.idx < (chunks.id + 1) * ?2)
             RETURNING idx`,
            CANCELLED_MESSAGE,
            batch.chunk_size,
          )
          .toArray().length;
        this.sql.exec("UPDATE batch SET skipped = skipped + ?", cancelled);
      });
      await this.pump();
      await this.scheduleAlarm(0);
    }
    return this.summarize(this.requireBatch());
  }

  // ---- alarm: leases, dispatch, publication ------------------------------------------

  async alarm(): Promise<void> {
    const batch = this.batch();
    if (!batch) return;
    const now = Date.now();
    if (batch.phase === "ingesting") {
      if (now - batch.last_ingest_at >= INGEST_TIMEOUT_MS) {
        this.sql.exec("UPDATE batch SET phase = 'failed', failure = 'the URL list upload was abandoned'");
      } else {
        await this.ctx.storage.setAlarm(batch.last_ingest_at + INGEST_TIMEOUT_MS);
      }
      return;
    }
    if (batch.phase === "completed" || batch.phase === "failed" || batch.manifest_key) return;
    // Chunks sent or leased whose lease ran out were lost (a dead consumer, or local
    // queues that died with the process): send them again.
    const expired = this.sql
      .exec<{ id: number }>(
        "SELECT id FROM chunks WHERE state IN ('sent', 'leased') AND lease_until <= ? ORDER BY id",
        now,
      )
      .toArray()
      .map((c) => c.id);
    if (expired.length > 0) await this.dispatch(expired, 0);
    await this.pump();
    if (this.allChunksDone()) {
      await this.publish(this.requireBatch());
      return;
    }
    await this.scheduleAlarm();
  }

  /** Writes manifest.json once (create-only put), then marks the batch final. */
  private async publish(batch: BatchRow): Promise<void> {
    const key = r2Keys.manifest(batch.batch_id);
    const finishedAt = batch.finished_at ?? Date.now();
    const parts = this.sql
      .exec<ManifestPart & Record<string, SqlStorageValue>>(
        "SELECT key, chunk, records, bytes, sha256 FROM parts ORDER BY chunk, key",
      )
      .toArray()
      .map(({ key, chunk, records, bytes, sha256 }) => ({ key, chunk, records, bytes, sha256 }));
    const manifest: Manifest = {
      version: 1,
      batchId: batch.batch_id,
      status: batch.phase === "cancelled" ? "cancelled" : "completed",
      createdAt: new Date(batch.created_at).toISOString(),
      finishedAt: new Date(finishedAt).toISOString(),
      totals: { total: batch.total, succeeded: batch.succeeded, failed: batch.failed, skipped: batch.skipped },
      options: this.options(batch),
      chunkSize: batch.chunk_size,
      parts,
    };
    if (batch.total !== batch.succeeded + batch.failed + batch.skipped) {
      throw new Error(`batch ${batch.batch_id}: counters do not add up (${JSON.stringify(manifest.totals)})`);
    }
    // A second publication (an alarm retried after a crash) finds the object and keeps it.
    const written = await this.env.RESULTS.put(key, JSON.stringify(manifest), {
      onlyIf: { etagDoesNotMatch: "*" },
      httpMetadata: { contentType: "application/json" },
    });
    // The manifest is the truth: when an earlier attempt committed it, its finish time
    // (not this retry's) is the batch's.
    const committed = written ? manifest : await this.committedManifest(key);
    const phase: Phase = batch.phase === "cancelled" ? "cancelled" : "completed";
    this.sql.exec(
      "UPDATE batch SET phase = ?, finished_at = ?, manifest_key = ?",
      phase,
      Date.parse(committed.finishedAt),
      key,
    );
    await this.registerWithTenant(this.summarize(this.requireBatch()));
  }

  private async committedManifest(key: string): Promise<Manifest> {
    const object = await this.env.RESULTS.get(key);
    if (!object) throw new Error(`manifest ${key} refused as existing, but cannot be read`);
    return Manifest.parse(await object.json());
  }

  // ---- helpers -------------------------------------------------------------------

  /** Sends more ready chunks while fewer than the window are in flight. */
  private async pump(): Promise<void> {
    const batch = this.batch();
    if (!batch || batch.phase === "ingesting" || batch.phase === "failed") return;
    const inFlight = this.count("SELECT COUNT(*) AS n FROM chunks WHERE state IN ('sent', 'leased')");
    const room = this.settings.MAX_CHUNKS_IN_FLIGHT - inFlight;
    if (room <= 0) return;
    const ready = this.sql
      .exec<{ id: number }>("SELECT id FROM chunks WHERE state = 'ready' ORDER BY id LIMIT ?", room)
      .toArray()
      .map((c) => c.id);
    if (ready.length > 0) await this.dispatch(ready, 0);
  }

  private async dispatch(chunkIds: number[], delaySeconds: number): Promise<void> {
    const batch = this.requireBatch();
    const leaseUntil = Date.now() + (delaySeconds + this.settings.LEASE_SECONDS) * 1000;
    const messages: { body: ChunkMessage; delaySeconds: number }[] = [];
    this.ctx.storage.transactionSync(() => {
      for (const id of chunkIds) {
        this.sql.exec(
          "UPDATE chunks SET state = 'sent', token = NULL, lease_until = ?, dispatches = dispatches + 1 WHERE id = ?",
          leaseUntil,
          id,
        );
        const dispatches = this.chunk(id)?.dispatches ?? 0;
        messages.push({ body: { batchId: batch.batch_id, chunkId: id, dispatch: dispatches }, delaySeconds });
      }
    });
    for (let i = 0; i < messages.length; i += SEND_BATCH_MAX) {
      await this.env.CHUNKS.sendBatch(messages.slice(i, i + SEND_BATCH_MAX));
    }
  }

  private async scheduleAlarm(inMs?: number): Promise<void> {
    const now = Date.now();
    if (inMs !== undefined) {
      await this.ctx.storage.setAlarm(now + inMs);
      return;
    }
    const next = this.sql
      .exec<{ t: number | null }>("SELECT MIN(lease_until) AS t FROM chunks WHERE state IN ('sent', 'leased')")
      .one().t;
    await this.ctx.storage.setAlarm(Math.min(next ?? Number.POSITIVE_INFINITY, now + HEARTBEAT_MS));
  }

  private cancelPending(first: number, last: number): void {
    this.endPending(first, last, "skipped", "cancelled", CANCELLED_MESSAGE);
  }

  /** Ends the still-pending URLs of an index range, counting them in the same transaction. */
  private endPending(first: number, last: number, state: "failed" | "skipped", code: ErrorCode, message: string): void {
    const ended = this.sql
      .exec(
        `UPDATE urls SET state = ?, code = ?, message = ?
         WHERE idx BETWEEN ? AND ? AND state = 'pending' RETURNING idx`,
        state,
        code,
        message,
        first,
        last,
      )
      .toArray().length;
    this.sql.exec(`UPDATE batch SET ${state} = ${state} + ?`, ended);
  }

  private async registerWithTenant(summary: BatchSummary): Promise<void> {
    const directory = this.env.TENANT.get(this.env.TENANT.idFromName(summary.tenant));
    await directory.upsert({
      id: summary.id,
      createdAt: summary.createdAt,
      status: summary.status,
      total: summary.counts.total,
    });
  }

  private summarize(batch: BatchRow): BatchSummary {
    const done = batch.succeeded + batch.failed + batch.skipped;
    const pending = batch.total - done;
    const started = batch.sealed_at ?? batch.created_at;
    const end = batch.finished_at ?? Date.now();
    const fetched = batch.succeeded + batch.failed;
    const seconds = Math.max((end - started) / 1000, 0.001);
    const pagesPerSecond = fetched > 0 ? Math.round((fetched / seconds) * 100) / 100 : null;
    const status = batch.phase === "ingesting" ? "queued" : batch.phase;
    return {
      id: batch.batch_id,
      tenant: batch.tenant,
      status,
      createdAt: new Date(batch.created_at).toISOString(),
      startedAt: batch.sealed_at ? new Date(batch.sealed_at).toISOString() : null,
      finishedAt: batch.finished_at ? new Date(batch.finished_at).toISOString() : null,
      counts: { total: batch.total, pending, succeeded: batch.succeeded, failed: batch.failed, skipped: batch.skipped },
      submitted: {
        accepted: batch.total - batch.invalid - batch.duplicates,
        invalid: batch.invalid,
        duplicates: batch.duplicates,
      },
      percent: batch.total === 0 ? 100 : Math.floor((done / batch.total) * 1000) / 10,
      pagesPerSecond,
      etaSeconds: pagesPerSecond && pending > 0 && !batch.finished_at ? Math.ceil(pending / pagesPerSecond) : null,
      manifestKey: batch.manifest_key,
      failure: batch.failure,
    };
  }

  private batch(): BatchRow | null {
    return this.sql.exec<BatchRow>("SELECT * FROM batch").toArray()[0] ?? null;
  }

  private requireBatch(): BatchRow {
    const batch = this.batch();
    if (!batch) throw new Error("batch not initialised");
    return batch;
  }

  /** The batch while `token` is its live upload, else null. */
  private ingesting(token: string): BatchRow | null {
    const batch = this.batch();
    return batch?.phase === "ingesting" && batch.ingest_token === token ? batch : null;
  }

  private chunk(id: number): ChunkRow | null {
    return this.sql.exec<ChunkRow>("SELECT * FROM chunks WHERE id = ?", id).toArray()[0] ?? null;
  }

  private chunkRange(batch: BatchRow, chunkId: number): [number, number] {
    const first = chunkId * batch.chunk_size;
    return [first, Math.min(first + batch.chunk_size, batch.total) - 1];
  }

  private allChunksDone(): boolean {
    return this.count("SELECT COUNT(*) AS n FROM chunks WHERE state != 'done'") === 0;
  }

  private count(query: string, ...bindings: SqlStorageValue[]): number {
    return this.sql.exec<{ n: number }>(query, ...bindings).one().n;
  }

  private options(batch: BatchRow): BatchOptions {
    return BatchOptions.parse(JSON.parse(batch.options));
  }

  private reset(): void {
    this.sql.exec("DELETE FROM urls; DELETE FROM chunks; DELETE FROM parts; DELETE FROM batch;");
  }
}

function asUnfetched(row: UrlRow): UnfetchedUrl {
  return { index: row.idx, id: row.caller_id, url: row.url, attempts: row.attempts };
}
