import { DurableObject } from "cloudflare:workers";
import type {
  BatchSummary,
  BeginInput,
  BeginResult,
  ChunkReport,
  ClaimResult,
  ErrorEntry,
  IngestRow,
  Owned,
  ResultLocation,
  SubmitCounts,
} from "../lib/coordinator-protocol";
import { ErrorCode } from "../lib/error-codes";
import { buildManifest, readManifest } from "../lib/manifest";
import { progressOf } from "../lib/progress";
import { r2Keys } from "../lib/r2-keys";
import { changesOf, type RunChanges } from "../lib/schedule-runs";
import { BatchOptions } from "../lib/schemas";
import { readSettings, type Settings } from "../lib/settings";
import { WebhookAttempt } from "../lib/webhooks";
import { announce, announcePart, batchEventData, EventOutbox, scheduleLateData } from "./batch-events";
import { type BatchRow, BatchStore, type ChunkTransition } from "./batch-store";
import { writeCoordinatorRecords } from "./coordinator-records";
import { runEntry, runLinkOf, slaView } from "./scheduled-run";

/** An upload that has not sent a URL for this long is abandoned and the batch failed. */
const INGEST_TIMEOUT_MS = 10 * 60_000;
/**
 * An upload is live while its appends keep coming: the API appends at least every two
 * seconds while lines arrive. One silent for longer than this (its request or the
 * whole process died) gives its Idempotency-Key to the next `begin` at once.
 */
export const INGEST_LIVE_MS = 10_000;
/** How often the alarm looks at a running batch even when no chunk is due. */
const HEARTBEAT_MS = 30_000;
const SEND_BATCH_MAX = 100;
/** When moving the outbox onto the queue failed outside the alarm, the alarm tries again this soon. */
const OUTBOX_RETRY_MS = 5_000;
const DAY_MS = 86_400_000;

/**
 * One batch: its URL list, the state of every URL and chunk, and the publication of its
 * manifest. Consumers talk to it once per chunk (claim, report); it never fetches pages.
 * Every statement lives in `BatchStore`; this class is the protocol.
 */
export class BatchCoordinator extends DurableObject<Env> {
  private readonly store: BatchStore;
  private readonly settings: Settings;
  private readonly outbox: EventOutbox;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new BatchStore(ctx.storage);
    this.outbox = new EventOutbox(this.store, env.WEBHOOKS);
    this.settings = readSettings(env as unknown as Record<string, unknown>);
  }

  // ---- ingestion: begin, append*, seal (or abandon) -----------------------------------

  /** Starts a batch, or returns the existing one (the same Idempotency-Key again). */
  async begin(input: BeginInput): Promise<BeginResult> {
    const existing = this.store.batch();
    const now = Date.now();
    const stalled = existing?.phase === "ingesting" && now - existing.last_ingest_at > INGEST_LIVE_MS;
    if (existing && existing.phase !== "failed" && !stalled) {
      return { created: false, inProgress: existing.phase === "ingesting", summary: this.summarize(existing) };
    }
    const token = crypto.randomUUID();
    this.store.atomically(() => {
      this.store.reset();
      this.store.createBatch(input, token, now);
    });
    await this.ctx.storage.setAlarm(now + INGEST_TIMEOUT_MS);
    return { created: true, token };
  }

  /** Appends a slice of the list. Null when `token` is no longer the upload (it stalled and was replaced). */
  async append(token: string, rows: IngestRow[]): Promise<SubmitCounts | null> {
    if (!this.ingesting(token)) return null;
    return this.store.atomically(() => this.store.appendUrls(rows, Date.now()));
  }

  /** Ends ingestion: chunks are made and dispatched, the tenant lists the batch. Null as for `append`. */
  async seal(token: string): Promise<BatchSummary | null> {
    if (!this.ingesting(token)) return null;
    this.store.atomically(() => this.store.seal(Date.now()));
    await this.pump();
    const summary = this.summarize(this.requireBatch());
    await this.registerWithTenant(summary);
    // Records of URLs refused or duplicated at submission are the alarm's to write.
    await this.wakeAt(this.store.hasUnwritten() ? Date.now() : this.nextCheck());
    return summary;
  }

  /** Drops an upload that failed part-way (bad input), so its key can be used again. */
  async abandon(token: string): Promise<void> {
    if (!this.ingesting(token)) return; // replaced already: the new upload owns the batch
    this.store.reset();
    await this.ctx.storage.deleteAlarm();
  }

  // ---- reads, each checked against the asking tenant -----------------------------------

  /** The batch's status, or null when it does not exist (yet) or is not `tenant`'s. */
  async view(tenant: string): Promise<BatchSummary | null> {
    const batch = this.owned(tenant);
    return batch ? this.summarize(batch) : null;
  }

  /** Where the records of URLs from `cursor` on live, in input order. */
  async locate(tenant: string, cursor: number, limit: number, state: string | null): Promise<Owned<ResultLocation[]>> {
    const batch = this.owned(tenant);
    return batch ? { summary: this.summarize(batch), value: this.store.locate(cursor, limit, state) } : null;
  }

  /** Failed and skipped URLs with their codes (optionally one code), in input order. */
  async errors(tenant: string, cursor: number, limit: number, code: string | null): Promise<Owned<ErrorEntry[]>> {
    const batch = this.owned(tenant);
    return batch ? { summary: this.summarize(batch), value: this.store.errors(cursor, limit, code) } : null;
  }

  /** A published batch's options and the URLs a retry of it takes (see `BatchStore.retryInputs`); null as for `view`. */
  async retryInputs(
    tenant: string,
    cursor: number,
    limit: number,
    codes: ErrorCode[] | null,
  ): Promise<Owned<{ options: BatchOptions; inputs: { index: number; url: string; id: string | null }[] }>> {
    const batch = this.owned(tenant);
    if (!batch) return null;
    return {
      summary: this.summarize(batch),
      value: { options: this.options(batch), inputs: this.store.retryInputs(cursor, limit, codes) },
    };
  }

  /** The submitted list from `cursor` on, as given: what a scheduled run fetches again. */
  async exportInputs(cursor: number, limit: number): Promise<{ index: number; url: string; id: string | null }[]> {
    return this.store.inputs(cursor, limit);
  }

  // ---- consumers: claim, report; the queue's dead letters -------------------------------

  /** A consumer takes a lease on a chunk and gets its URLs still to fetch; a duplicate delivery finds it busy or done. */
  async claim(chunkId: number): Promise<ClaimResult> {
    const batch = this.store.batch();
    const chunk = this.store.chunk(chunkId);
    if (!batch || !chunk || batch.phase === "ingesting") return { kind: "unknown" };
    if (chunk.state === "done") return { kind: "done" };
    const now = Date.now();
    if (chunk.state === "leased" && (chunk.lost_at ?? 0) > now) return { kind: "busy" };
    const range = this.store.chunkRange(chunkId);
    if (batch.phase === "cancelled") {
      await this.closeChunk(chunkId, () => this.store.endPending(range, "skipped", "cancelled"));
      return { kind: "done" };
    }
    const token = crypto.randomUUID();
    const entries = this.store.atomically(() => {
      this.store.transition(chunkId, "lease", { token, lostAt: now + this.settings.LEASE_SECONDS * 1000 });
      if (batch.phase === "queued") {
        this.store.setPhase("running");
        announce(this.store, batch, "batch.started", "started", batchEventData(this.summarize(this.requireBatch())));
      }
      return this.store.pendingEntries(...range);
    });
    await this.flushEventsSoon();
    return { kind: "work", token, attempt: chunk.claims + 1, options: this.options(batch), entries };
  }

  /**
   * A consumer reports its attempt. Only the current lease holder's first report
   * counts: a second one, or one from a lease that ran out and was handed on, changes
   * nothing (and the caller drops its part).
   */
  async reportChunk(report: ChunkReport): Promise<{ accepted: boolean }> {
    const batch = this.store.batch();
    const chunk = this.store.chunk(report.chunkId);
    if (!batch || chunk?.state !== "leased" || chunk.token !== report.token) return { accepted: false };
    const range = this.store.chunkRange(report.chunkId);
    // The lease began LEASE_SECONDS before the `lost_at` it set: the chunk's slot time.
    const leasedFor = Date.now() - ((chunk.lost_at ?? 0) - this.settings.LEASE_SECONDS * 1000);
    const remaining = this.store.atomically(() => {
      this.store.applyReport(report.urls, report.part, ...range);
      this.store.addBusyTime(leasedFor, report.urls.filter((url) => url.fetched).length);
      if (report.part) announcePart(this.store, batch, report.part.key);
      if (batch.phase === "cancelled") this.store.endPending(range, "skipped", "cancelled");
      const left = this.store.pendingIn(...range);
      if (left === 0) this.store.transition(report.chunkId, "finish");
      return left;
    });
    if (remaining > 0) await this.send([report.chunkId], "reopen", report.retryAfterSeconds ?? 0);
    await this.checkLate();
    await this.flushEventsSoon();
    await this.pump();
    await this.wakeAt(this.finishable() ? Date.now() : this.nextCheck());
    return { accepted: true };
  }

  /** The queue gave up on a chunk: its unfinished URLs fail `delivery_failed`; nothing vanishes or loops. */
  async deadLetter(chunkId: number): Promise<void> {
    const chunk = this.store.chunk(chunkId);
    if (!chunk || chunk.state === "done") return;
    const range = this.store.chunkRange(chunkId);
    await this.closeChunk(chunkId, () => this.store.endPending(range, "failed", "delivery_failed"));
  }

  // ---- control: cancel, and the alarm that resends, writes records and publishes --------

  /** Stops dispatching: every URL not held by a consumer ends `skipped` (`cancelled`) in one pass. */
  async cancel(tenant: string): Promise<BatchSummary | null> {
    const batch = this.owned(tenant);
    if (!batch) return null;
    if (batch.phase === "queued" || batch.phase === "running") {
      this.store.atomically(() => {
        this.store.setPhase("cancelled");
        this.store.endUnleased("skipped", "cancelled");
        this.store.closeUnleased();
      });
      await this.wakeAt(Date.now());
    }
    return this.summarize(this.requireBatch());
  }

  // ---- the end of a batch: expiry (cron) and deletion (API) ---------------------------

  /**
   * Marks a published batch `expired` once its retention has run out at `now`; answers
   * whether it is expired (then the caller deletes its objects). Idempotent.
   */
  async expire(now: number): Promise<boolean> {
    const batch = this.store.batch();
    if (!batch?.manifest_key) return false;
    if (batch.phase === "expired") return true;
    const expiresAt = this.expiresAt(batch);
    if (expiresAt === null || expiresAt > now) return false;
    this.store.setPhase("expired");
    return true;
  }

  /**
   * Forgets the batch: every row, the alarm, the outbox. What stays is who deleted it,
   * so the same tenant's DELETE again is answered `already` and anyone else's like a
   * batch that never was (null). The caller deletes the R2 objects and the listing row.
   */
  async destroy(tenant: string): Promise<"deleted" | "already" | null> {
    const deletedBy = this.store.deletedBy();
    if (deletedBy !== null) return deletedBy === tenant ? "already" : null;
    if (!this.owned(tenant)) return null;
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    this.store.init();
    this.store.markDeleted(tenant, Date.now());
    return "deleted";
  }

  async alarm(): Promise<void> {
    // Events first: a failure here throws, and the runtime retries the alarm.
    await this.flushEvents();
    const batch = this.store.batch();
    if (!batch || batch.phase === "failed" || batch.manifest_key) return;
    const now = Date.now();
    if (batch.phase === "ingesting") {
      if (now - batch.last_ingest_at >= INGEST_TIMEOUT_MS) {
        this.store.atomically(() => {
          this.store.fail("the URL list upload was abandoned");
          const failed = this.requireBatch();
          announce(this.store, failed, "batch.failed", "failed", batchEventData(this.summarize(failed)));
        });
        await this.flushEvents();
      } else await this.ctx.storage.setAlarm(batch.last_ingest_at + INGEST_TIMEOUT_MS);
      return;
    }
    // Chunks sent or leased and presumed lost (a dead consumer, or local queues that
    // died with the process): sent again, or closed when the batch was cancelled.
    for (const id of this.store.lostChunks(now)) {
      if (batch.phase !== "cancelled") await this.send([id], "resend", 0);
      else {
        const range = this.store.chunkRange(id);
        this.store.atomically(() => {
          this.store.endPending(range, "skipped", "cancelled");
          this.store.transition(id, "close");
        });
      }
    }
    const moreToWrite = await writeCoordinatorRecords(this.store, this.env.RESULTS, batch.batch_id, (key) =>
      announcePart(this.store, batch, key),
    );
    await this.checkLate();
    await this.flushEvents();
    await this.pump();
    if (this.finishable()) return this.publish(this.requireBatch());
    await this.ctx.storage.setAlarm(moreToWrite ? Date.now() : this.nextCheck());
  }

  // ---- webhooks: the delivery log, and moving the outbox onto the queue ---------------

  /** The webhook consumer reports one delivery attempt (parsed: it crossed a queue). */
  async logWebhookAttempt(entry: WebhookAttempt): Promise<void> {
    if (!this.store.batch()) return; // deleted meanwhile: nothing to log against
    this.store.logAttempt(WebhookAttempt.parse(entry));
  }

  /** The delivery log from `cursor` on, for `tenant`'s batch. */
  async webhookLog(
    tenant: string,
    cursor: number,
    limit: number,
  ): Promise<Owned<(WebhookAttempt & { seq: number })[]>> {
    const batch = this.owned(tenant);
    return batch ? { summary: this.summarize(batch), value: this.store.deliveryLog(cursor, limit) } : null;
  }

  /** Moves the outbox onto the webhook queue (one flush at a time; see EventOutbox). */
  private flushEvents(): Promise<void> {
    return this.outbox.flush();
  }

  /** `flushEvents` for RPC paths: a queue hiccup must not fail a consumer's claim or report; the alarm retries. */
  private async flushEventsSoon(): Promise<void> {
    try {
      await this.flushEvents();
    } catch (error) {
      console.error(`batch ${this.store.batch()?.batch_id}: webhook events not queued yet; the alarm retries`, error);
      await this.wakeAt(Date.now() + OUTBOX_RETRY_MS);
    }
  }

  // ---- helpers -------------------------------------------------------------------

  /** Writes manifest.json once (create-only put); the committed manifest is the truth. */
  private async publish(batch: BatchRow): Promise<void> {
    const key = r2Keys.manifest(batch.batch_id);
    const status = batch.phase === "cancelled" ? "cancelled" : "completed";
    const finishedAt = batch.finished_at ?? Date.now();
    const manifest = buildManifest({
      batchId: batch.batch_id,
      status,
      createdAt: batch.created_at,
      finishedAt,
      expiresAt: finishedAt + this.retentionDays(batch) * DAY_MS,
      retryOf: this.summarize(batch).retryOf ?? undefined,
      totals: { total: batch.total, succeeded: batch.succeeded, failed: batch.failed, skipped: batch.skipped },
      options: this.manifestOptions(batch),
      parts: this.store.parts(),
    });
    // A second publication (an alarm retried after a crash) finds the object and keeps it,
    // and takes its finish time from what the first one committed.
    const written = await this.env.RESULTS.put(key, JSON.stringify(manifest), {
      onlyIf: { etagDoesNotMatch: "*" },
      httpMetadata: { contentType: "application/json" },
    });
    const committed = written ? manifest : readManifest(await (await this.env.RESULTS.get(key))?.json());
    this.store.atomically(() => {
      this.store.markPublished(status, Date.parse(committed.finishedAt), key);
      const published = this.requireBatch();
      announce(this.store, published, `batch.${status}`, status, batchEventData(this.summarize(published)));
    });
    await this.flushEvents();
    await this.registerWithTenant(this.summarize(this.requireBatch()), changesOf(committed));
  }

  /**
   * A scheduled run whose margin fell under its threshold, or whose deadline passed
   * unpublished, is marked late and announces `schedule.late` in the same transaction:
   * once per run, however often the alarm and reports look. Its history entry follows.
   */
  private async checkLate(): Promise<void> {
    const batch = this.store.batch();
    if (!batch?.run || batch.late_at !== null || (batch.phase !== "queued" && batch.phase !== "running")) return;
    const summary = this.summarize(batch);
    if (!summary.sla?.late) return;
    const marked = this.store.atomically(() => {
      if (!this.store.markLate(Date.now())) return false;
      announce(this.store, batch, "schedule.late", "schedule-late", scheduleLateData(summary));
      return true;
    });
    if (!marked) return;
    try {
      await this.registerWithTenant(this.summarize(this.requireBatch()));
    } catch (error) {
      // Not worth failing a consumer's report over: publication records it again.
      console.error(`batch ${batch.batch_id}: run history not marked late yet`, error);
    }
  }

  /** Sends more ready chunks while fewer than the window are in flight. */
  private async pump(): Promise<void> {
    const batch = this.store.batch();
    if (batch?.phase !== "queued" && batch?.phase !== "running") return;
    const room = this.settings.MAX_CHUNKS_IN_FLIGHT - this.store.inFlight();
    if (room > 0) await this.send(this.store.readyChunks(room), "markSent", 0);
  }

  /** Marks chunks sent (by `transition`) and puts their messages on the queue. */
  private async send(ids: number[], transition: ChunkTransition, delaySeconds: number): Promise<void> {
    if (ids.length === 0) return;
    const batchId = this.requireBatch().batch_id;
    const lostAt = Date.now() + (delaySeconds + this.settings.LEASE_SECONDS) * 1000;
    const sent = this.store.atomically(() => ids.filter((id) => this.store.transition(id, transition, { lostAt })));
    const messages = sent.map((chunkId) => ({ body: { batchId, chunkId }, delaySeconds }));
    for (let i = 0; i < messages.length; i += SEND_BATCH_MAX) {
      await this.env.CHUNKS.sendBatch(messages.slice(i, i + SEND_BATCH_MAX));
    }
  }

  /** Ends a chunk's URLs with `end` and closes it; the alarm writes their records. */
  private async closeChunk(chunkId: number, end: () => void): Promise<void> {
    this.store.atomically(() => {
      end();
      this.store.transition(chunkId, "close");
    });
    await this.wakeAt(Date.now());
  }

  /** Every chunk done and every record written: the manifest can go out. */
  private finishable(): boolean {
    return this.store.allChunksDone() && !this.store.hasUnwritten();
  }

  /** The next time the alarm must look: a chunk presumed lost, the heartbeat, or a run's deadline not yet found late. */
  private nextCheck(): number {
    const batch = this.store.batch();
    const sla = batch?.run ? this.summarize(batch).sla : null;
    const deadline = sla && !sla.late ? Date.parse(sla.deadline) + 1 : Number.POSITIVE_INFINITY;
    return Math.min(this.store.nextLostAt() ?? Number.POSITIVE_INFINITY, Date.now() + HEARTBEAT_MS, deadline);
  }

  /** Moves the alarm to `at` if that is sooner than the one set: a later call never postpones work. */
  private async wakeAt(at: number): Promise<void> {
    const current = await this.ctx.storage.getAlarm();
    if (current === null || at < current) await this.ctx.storage.setAlarm(at);
  }

  /** Keeps the tenant's listing row current, and a scheduled run's history entry (`changes` from its manifest). */
  private async registerWithTenant(summary: BatchSummary, changes: RunChanges | null = null): Promise<void> {
    const directory = this.env.TENANT.getByName(summary.tenant);
    await directory.upsert(
      { id: summary.id, createdAt: summary.createdAt, status: summary.status, total: summary.counts.total },
      summary.expiresAt === null ? null : Date.parse(summary.expiresAt),
    );
    const entry = runEntry(summary, changes);
    if (entry) await directory.updateRun(entry);
  }

  /** When the results are deleted: publication plus the retention; null until published. */
  private expiresAt(batch: BatchRow): number | null {
    return batch.manifest_key && batch.finished_at ? batch.finished_at + this.retentionDays(batch) * DAY_MS : null;
  }

  /** The batch's retention; batches from before retention existed get the deployment's. */
  private retentionDays(batch: BatchRow): number {
    return this.options(batch).retentionDays ?? this.settings.RETENTION_DAYS;
  }

  private summarize(batch: BatchRow): BatchSummary {
    const status = batch.phase === "ingesting" ? "queued" : batch.phase;
    const now = Date.now();
    const run = runLinkOf(batch);
    const progress = progressOf(
      {
        status,
        total: batch.total,
        succeeded: batch.succeeded,
        failed: batch.failed,
        skipped: batch.skipped,
        startedAt: batch.sealed_at,
        finishedAt: batch.finished_at,
      },
      now,
    );
    return {
      id: batch.batch_id,
      tenant: batch.tenant,
      status,
      createdAt: new Date(batch.created_at).toISOString(),
      startedAt: batch.sealed_at ? new Date(batch.sealed_at).toISOString() : null,
      finishedAt: batch.finished_at ? new Date(batch.finished_at).toISOString() : null,
      ...progress,
      submitted: {
        accepted: batch.total - batch.invalid - batch.duplicates,
        invalid: batch.invalid,
        duplicates: batch.duplicates,
      },
      manifestKey: batch.manifest_key,
      expiresAt: toIso(this.expiresAt(batch)),
      retryOf: batch.retry_of
        ? {
            batchId: batch.retry_of,
            codes: batch.retry_codes ? ErrorCode.array().parse(JSON.parse(batch.retry_codes)) : null,
          }
        : null,
      run,
      sla: slaView(batch, run, { pending: progress.counts.pending, etaSeconds: progress.etaSeconds }, now),
      failure: batch.failure,
    };
  }

  /** The batch if it exists, is past its upload and belongs to `tenant`. */
  private owned(tenant: string): BatchRow | null {
    const batch = this.store.batch();
    return batch && batch.phase !== "ingesting" && batch.tenant === tenant ? batch : null;
  }

  private requireBatch(): BatchRow {
    const batch = this.store.batch();
    if (!batch) throw new Error("batch not initialised");
    return batch;
  }

  /** The batch while `token` is its live upload, else null. */
  private ingesting(token: string): BatchRow | null {
    const batch = this.store.batch();
    return batch?.phase === "ingesting" && batch.ingest_token === token ? batch : null;
  }

  /** The options as the manifest shows them: without the webhook, whose headers may hold the receiver's credentials. */
  private manifestOptions(batch: BatchRow): BatchOptions {
    const { webhook: _webhook, ...options } = this.options(batch);
    return options;
  }

  private options(batch: BatchRow): BatchOptions {
    return BatchOptions.parse(JSON.parse(batch.options));
  }
}

function toIso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}
