import { DurableObject } from "cloudflare:workers";
import type { Batch } from "../lib/batch";
import { deleteBatchObjects } from "../lib/batch-objects";
import { batchStatus, expiresAtOf, retentionDaysOf } from "../lib/batch-status";
import type { PreviousState } from "../lib/changes";
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
import { type DiscoveredSlice, DiscoveryPlan, type SourceClaim, type SourceOutcome } from "../lib/discovery";
import type { ErrorCode } from "../lib/error-codes";
import { buildManifest, readManifest } from "../lib/manifest";
import { r2Keys } from "../lib/r2-keys";
import { backoffSeconds } from "../lib/retry-policy";
import type { BatchOptions, ManifestChanges } from "../lib/schemas";
import { readSettings, type Settings } from "../lib/settings";
import { WebhookAttempt } from "../lib/webhooks";
import { announce, announcePart, announceStarted, batchEventData, EventOutbox, scheduleLateData } from "./batch-events";
import { BatchStore, type ChunkTransition } from "./batch-store";
import { ChangeStore, type ListedUrl } from "./change-store";
import { type PreviousLookup, writeCoordinatorRecords } from "./coordinator-records";
import { DiscoveryStore, type SourceTransition } from "./discovery-store";
import { dispatch, heldByLease, type LeaseTable } from "./lease-table";
import { writeRemovedRecords } from "./removed-records";
import { copyRunSlices } from "./run-copy";
import { runEntry } from "./scheduled-run";
import { WebhookStore } from "./webhook-store";

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
/**
 * The alarm looks once more this long after a publication, to bring the tenant's
 * listing up to date should the process have died between the two.
 */
const LISTING_CHECK_MS = 60_000;
/** When moving the outbox onto the queue failed outside the alarm, the alarm tries again this soon. */
const OUTBOX_RETRY_MS = 5_000;
const DAY_MS = 86_400_000;
/** Readings of one source (transient failures, lost leases) before it fails `gave_up`. */
const MAX_SOURCE_ATTEMPTS = 4;

/**
 * One batch: its URL list, the state of every URL and chunk, and the publication of its
 * manifest. Consumers talk to it once per chunk (claim, report); it never fetches pages.
 * Every statement lives in a store (`BatchStore` and those beside it); this class is the protocol.
 */
export class BatchCoordinator extends DurableObject<Env> {
  private readonly store: BatchStore;
  private readonly changes: ChangeStore;
  private readonly webhooks: WebhookStore;
  private readonly discovery: DiscoveryStore;
  private readonly settings: Settings;
  private readonly outbox: EventOutbox;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new BatchStore(ctx.storage);
    this.changes = new ChangeStore(ctx.storage.sql);
    this.webhooks = new WebhookStore(ctx.storage.sql);
    this.discovery = new DiscoveryStore(ctx.storage.sql);
    this.outbox = new EventOutbox(this.webhooks, env.WEBHOOKS);
    this.settings = readSettings(env as unknown as Record<string, unknown>);
  }

  // ---- ingestion: begin, append*, seal (or abandon) -----------------------------------

  /**
   * Starts a batch, or returns the existing one (the same Idempotency-Key again). A
   * batch of another tenant is neither told nor replaced, whatever its phase.
   */
  async begin(input: BeginInput): Promise<BeginResult> {
    const existing = this.store.batch();
    if (existing && existing.tenant !== input.tenant) return { created: false, foreign: true };
    const now = Date.now();
    const stalled = existing?.phase === "ingesting" && now - existing.last_ingest_at > INGEST_LIVE_MS;
    if (existing && existing.phase !== "failed" && !stalled) {
      return { created: false, inProgress: existing.phase === "ingesting", summary: this.summarize(existing) };
    }
    const token = crypto.randomUUID();
    this.store.atomically(() => {
      this.store.reset();
      this.changes.reset();
      this.webhooks.reset();
      this.store.createBatch(input, token, now);
    });
    await this.ctx.storage.setAlarm(now + INGEST_TIMEOUT_MS);
    return { created: true, token };
  }

  /**
   * Starts a scheduled run whose list is `copyFrom`'s, copied by this coordinator's own
   * alarm (durable-objects/run-copy.ts) rather than by the cron. The same run again (a
   * cron that fired twice) changes nothing. False when the object holds another
   * tenant's batch.
   */
  async beginRun(input: BeginInput, copyFrom: string): Promise<boolean> {
    const begun = await this.begin(input);
    if (!begun.created) return !("foreign" in begun);
    this.store.setCopy(copyFrom, 0);
    await this.ctx.storage.setAlarm(Date.now());
    // Listed (and its history entry current) from the start, as `queued`, while it copies.
    await this.registerWithTenant(this.summarize(this.requireBatch()));
    return true;
  }

  /** Appends a slice of the list. Null when `token` is no longer the upload (it stalled and was replaced). */
  async append(token: string, rows: IngestRow[]): Promise<SubmitCounts | null> {
    if (!this.ingesting(token)) return null;
    return this.store.atomically(() => this.store.appendUrls(rows, Date.now()));
  }

  /**
   * Gives the upload sources to discover more URLs from (sitemaps, feeds, robots.txt),
   * read by the discovery queue once sealed; the uploaded URLs keep the first indices.
   * False as for `append`.
   */
  async planDiscovery(token: string, plan: DiscoveryPlan): Promise<boolean> {
    if (!this.ingesting(token)) return false;
    const parsed = DiscoveryPlan.parse(plan);
    this.store.atomically(() => {
      this.store.setDiscovery(JSON.stringify(parsed));
      this.discovery.add(parsed.sources, 0, this.settings.MAX_SOURCES_PER_BATCH);
    });
    return true;
  }

  /** Ends ingestion: chunks are made and dispatched, sources sent, the tenant lists the batch. Null as for `append`. */
  async seal(token: string): Promise<BatchSummary | null> {
    if (!this.ingesting(token)) return null;
    // Armed before the seal commits: should the process die anywhere below, the alarm
    // sends what was not sent and lists the batch (the upload's 10-minute alarm is too late).
    await this.wakeAt(Date.now() + HEARTBEAT_MS);
    this.store.atomically(() => this.store.seal(Date.now(), !this.discovery.settled()));
    await this.sendSources(this.discovery.leases.ready(), "markSent", 0);
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
    this.changes.reset();
    this.webhooks.reset();
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
      value: { options: batch.options, inputs: this.store.retryInputs(cursor, limit, codes) },
    };
  }

  // ---- asked by the next run of a schedule (internal: the run checked the tenant when it began) ----

  /** This run's state of each normalised URL, for the next run's conditional requests and changes. */
  async previousStates(keys: string[]): Promise<(PreviousState | null)[]> {
    return this.store.batch() ? this.changes.previousStates(keys) : keys.map(() => null);
  }

  /** This run's pages from `cursor` on, for the next run's removed scan. */
  async listed(cursor: number, limit: number): Promise<ListedUrl[]> {
    return this.store.batch() ? this.changes.listed(cursor, limit) : [];
  }

  /** The uploaded list from `cursor` on, as given, without discovered URLs: what a scheduled run fetches again. */
  async exportInputs(cursor: number, limit: number): Promise<{ index: number; url: string; id: string | null }[]> {
    return this.store.inputs(cursor, limit);
  }

  /** What the batch discovers from (null: nothing): a scheduled run passes it to its own `planDiscovery`. */
  async discoveryPlan(): Promise<DiscoveryPlan | null> {
    return this.store.batch()?.discovery ?? null;
  }

  // ---- discovery consumers: claimSource, discovered*, finishSource ----------------------

  /** A discovery consumer takes a lease on a source; a duplicate delivery finds it busy or done. */
  async claimSource(sourceId: number): Promise<SourceClaim> {
    const batch = this.store.batch();
    const source = this.discovery.source(sourceId);
    if (!batch?.discovery || !source || batch.phase === "ingesting") return { kind: "unknown" };
    const now = Date.now();
    if (heldByLease(source, now)) return { kind: "busy" };
    const token = crypto.randomUUID();
    const lostAt = now + this.settings.LEASE_SECONDS * 1000;
    if (!this.live(batch) || !this.discovery.transition(sourceId, "lease", { token, lostAt })) return { kind: "done" };
    const plan = batch.discovery;
    return {
      kind: "work",
      token,
      source: { kind: source.kind, url: source.url, depth: source.depth },
      include: plan.include,
      exclude: plan.exclude,
      respectRobots: batch.options.respectRobots,
    };
  }

  /**
   * The lease holder hands over a slice of what it read: new URLs join the batch (up
   * to the cap; duplicates of URLs held are dropped without a record) and whole chunks
   * of them are dispatched at once; child sitemaps become sources. `stop`: read no
   * further (the lease was lost, the cap reached, or the batch cancelled).
   */
  async discovered(sourceId: number, token: string, slice: DiscoveredSlice): Promise<{ stop: boolean }> {
    const batch = this.store.batch();
    const source = this.discovery.source(sourceId);
    if (!batch || !this.live(batch) || batch.capped || source?.state !== "leased" || source.token !== token) {
      return { stop: true };
    }
    const lostAt = Date.now() + this.settings.LEASE_SECONDS * 1000;
    const children = this.store.atomically(() => {
      const added = this.store.appendDiscovered(slice.urls, this.discoveryRoom(batch));
      this.discovery.recordSlice(sourceId, added, slice.invalid, slice.filtered, lostAt);
      if (this.discoveryRoom(this.requireBatch()) <= 0) {
        this.store.markCapped();
        this.discovery.closeOpen();
        return [];
      }
      const sitemaps = slice.sitemaps.map((url) => ({ kind: "sitemap" as const, url }));
      return this.discovery.add(sitemaps, source.depth + 1, this.settings.MAX_SOURCES_PER_BATCH);
    });
    await this.sendSources(children, "markSent", 0);
    await this.afterDiscovery();
    return { stop: this.requireBatch().capped };
  }

  /** The lease holder ends its reading; a transient failure is read again later, a few times. */
  async finishSource(sourceId: number, token: string, outcome: SourceOutcome): Promise<void> {
    const source = this.discovery.source(sourceId);
    if (source?.state !== "leased" || source.token !== token) return;
    if (!outcome.ok && outcome.transient && source.claims < MAX_SOURCE_ATTEMPTS) {
      await this.sendSources([sourceId], "reopen", backoffSeconds(source.claims));
      return;
    }
    this.store.atomically(() => this.discovery.finish(sourceId, outcome.ok ? null : outcome));
    await this.afterDiscovery();
  }

  // ---- consumers: claim, report; the queue's dead letters -------------------------------

  /** A consumer takes a lease on a chunk and gets its URLs still to fetch; a duplicate delivery finds it busy or done. */
  async claim(chunkId: number): Promise<ClaimResult> {
    const batch = this.store.batch();
    const chunk = this.store.chunk(chunkId);
    if (!batch || !chunk || batch.phase === "ingesting") return { kind: "unknown" };
    if (chunk.state === "done") return { kind: "done" };
    const now = Date.now();
    if (heldByLease(chunk, now)) return { kind: "busy" };
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
        announceStarted(this.webhooks, batch, this.summarize(this.requireBatch()));
      }
      return this.store.pendingEntries(...range);
    });
    await this.flushEventsSoon();
    return {
      kind: "work",
      token,
      attempt: chunk.claims + 1,
      options: batch.options,
      entries,
      previousBatch: batch.previous_batch,
    };
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
      if (report.part) announcePart(this.store, this.webhooks, batch, report.part.key);
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
    const found = this.owned(tenant);
    if (!found) return null;
    let batch = found;
    if (batch.phase === "ingesting") {
      // A scheduled run still copying its list: it stops copying, and what it holds is cancelled.
      this.store.atomically(() => {
        this.store.setCopy(null, found.copy_cursor ?? 0);
        this.store.seal(Date.now());
      });
      batch = this.requireBatch();
    }
    if (batch.phase === "queued" || batch.phase === "running") {
      this.store.atomically(() => {
        // Cancelled before any chunk was claimed: it starts and stops in one transition.
        if (batch.phase === "queued") announceStarted(this.webhooks, batch, this.summarize(batch));
        this.store.setPhase("cancelled");
        this.discovery.closeOpen();
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
    this.changes.init();
    this.webhooks.init();
    this.store.markDeleted(tenant, Date.now());
    return "deleted";
  }

  async alarm(): Promise<void> {
    // Events first: a failure here throws, and the runtime retries the alarm.
    await this.flushEvents();
    const batch = this.store.batch();
    if (!batch || batch.phase === "failed") return;
    // Published: only the listing may lag (the process died before updating it), and
    // the batch expires by this alarm when its retention runs out.
    if (batch.manifest_key) {
      await this.registerWithTenant(this.summarize(batch));
      return this.expireWhenDue(batch);
    }
    // A seal that died before listing the batch: listed here, once it is past its upload.
    if (batch.phase === "queued") await this.registerWithTenant(this.summarize(batch));
    const now = Date.now();
    if (batch.phase === "ingesting" && batch.copy_from !== null && now - batch.last_ingest_at < INGEST_TIMEOUT_MS) {
      return this.copyRun(batch);
    }
    if (batch.phase === "ingesting") {
      if (now - batch.last_ingest_at >= INGEST_TIMEOUT_MS) {
        this.store.atomically(() => {
          this.store.fail("the URL list upload was abandoned");
          const failed = this.requireBatch();
          announce(this.webhooks, failed, "batch.failed", "failed", batchEventData(this.summarize(failed)));
        });
        await this.flushEvents();
      } else await this.ctx.storage.setAlarm(batch.last_ingest_at + INGEST_TIMEOUT_MS);
      return;
    }
    // Chunks sent or leased and presumed lost (a dead consumer, or local queues that
    // died with the process): sent again, or closed when the batch was cancelled.
    for (const { id } of this.store.chunks.lost(now)) {
      if (batch.phase !== "cancelled") await this.send([id], "resend", 0);
      else {
        const range = this.store.chunkRange(id);
        this.store.atomically(() => {
          this.store.endPending(range, "skipped", "cancelled");
          this.store.transition(id, "close");
        });
      }
    }
    for (const source of this.discovery.leases.lost(now)) {
      if (source.claims >= MAX_SOURCE_ATTEMPTS) {
        this.discovery.giveUp(source.id, `no reading finished in ${source.claims} attempts`);
      } else await this.sendSources([source.id], "reopen", 0);
    }
    if (this.discovery.settled()) this.store.makeChunks(true);
    const moreToWrite = await writeCoordinatorRecords(
      this.store,
      this.env.RESULTS,
      batch.batch_id,
      this.previousLookup(batch),
      (key) => announcePart(this.store, this.webhooks, batch, key),
    );
    await this.checkLate();
    await this.flushEvents();
    await this.pump();
    if (this.finishable()) {
      // The list is final now: what the previous run had and this one lacks is removed.
      if (await this.removedScanned(batch)) return this.publish(this.requireBatch());
      return this.ctx.storage.setAlarm(Date.now());
    }
    await this.ctx.storage.setAlarm(moreToWrite ? Date.now() : this.nextCheck());
  }

  // ---- webhooks: the delivery log, and moving the outbox onto the queue ---------------

  /**
   * Asked by the webhook consumer before each attempt: false once the batch is deleted
   * (or was never sealed), so events already on the queue go no further.
   */
  async webhookWanted(): Promise<boolean> {
    return this.store.batch() !== null;
  }

  /**
   * What became of a batch whose manifest is gone: `deleted` by its tenant, or `expired`
   * (retention ran out). Asked by the signed download link, which carries no tenant.
   */
  async removal(): Promise<"deleted" | "expired"> {
    return this.store.deletedBy() === null ? "expired" : "deleted";
  }

  /** The webhook consumer reports one delivery attempt (parsed: it crossed a queue). */
  async logWebhookAttempt(entry: WebhookAttempt): Promise<void> {
    if (!this.store.batch()) return; // deleted meanwhile: nothing to log against
    this.webhooks.logAttempt(WebhookAttempt.parse(entry));
  }

  /** The delivery log from `cursor` on, for `tenant`'s batch. */
  async webhookLog(
    tenant: string,
    cursor: number,
    limit: number,
  ): Promise<Owned<(WebhookAttempt & { seq: number })[]>> {
    const batch = this.owned(tenant);
    return batch ? { summary: this.summarize(batch), value: this.webhooks.deliveryLog(cursor, limit) } : null;
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

  /** The next step of a scheduled run's copy; a failure (the source busy) is tried again soon, until the upload times out. */
  private async copyRun(batch: Batch): Promise<void> {
    try {
      const done = await copyRunSlices(batch, {
        store: this.store,
        settings: this.settings,
        source: this.env.BATCH.get(this.env.BATCH.idFromString(batch.copy_from ?? "")),
        planDiscovery: (token, plan) => this.planDiscovery(token, plan),
        seal: (token) => this.seal(token),
      });
      if (!done) await this.ctx.storage.setAlarm(Date.now());
    } catch (error) {
      console.error(`batch ${batch.batch_id}: copying its run's list failed; trying again`, error);
      await this.ctx.storage.setAlarm(Date.now() + OUTBOX_RETRY_MS);
    }
  }

  /** Writes manifest.json once (create-only put); the committed manifest is the truth. */
  private async publish(batch: Batch): Promise<void> {
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
      changes: this.manifestChanges(batch),
    });
    // A second publication (an alarm retried after a crash) finds the object and keeps it,
    // and takes its finish time from what the first one committed.
    const written = await this.env.RESULTS.put(key, JSON.stringify(manifest), {
      onlyIf: { etagDoesNotMatch: "*" },
      httpMetadata: { contentType: "application/json" },
    });
    const committed = written ? manifest : readManifest(await (await this.env.RESULTS.get(key))?.json());
    // One more look after the publication commits, for the listing (see LISTING_CHECK_MS).
    await this.ctx.storage.setAlarm(Date.now() + LISTING_CHECK_MS);
    this.store.atomically(() => {
      // No chunk was ever claimed (every URL refused or duplicate at submission): the
      // batch starts in the transition that ends it, so no batch ends unstarted.
      if (batch.phase === "queued") announceStarted(this.webhooks, batch, this.summarize(batch));
      this.store.markPublished(status, Date.parse(committed.finishedAt), key, committed.changes ?? null);
      const published = this.requireBatch();
      announce(this.webhooks, published, `batch.${status}`, status, batchEventData(this.summarize(published)));
    });
    await this.flushEvents();
    await this.registerWithTenant(this.summarize(this.requireBatch()));
    const expiresAt = this.expiresAt(this.requireBatch());
    if (expiresAt !== null) await this.wakeAt(expiresAt);
  }

  /**
   * A published batch expires by its own alarm, set at publication for its expiry: its
   * objects are deleted and its listing row marked, whether or not its tenant still has
   * a key (the cron's pass over the keyed tenants is only a backstop). Before it is due
   * (an alarm for the outbox) the alarm is set again for it. A failure throws: the
   * runtime retries the alarm.
   */
  private async expireWhenDue(batch: Batch): Promise<void> {
    const expiresAt = this.expiresAt(batch);
    if (expiresAt === null) return;
    if (expiresAt > Date.now()) return this.wakeAt(expiresAt);
    if (!(await this.expire(Date.now()))) return;
    await deleteBatchObjects(this.env.RESULTS, batch.batch_id);
    await this.env.TENANT.getByName(batch.tenant).markExpired(batch.batch_id);
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
      announce(this.webhooks, batch, "schedule.late", "schedule-late", scheduleLateData(summary));
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

  /** The change counts and removed parts the manifest lists (every URL is terminal by now). */
  private manifestChanges(batch: Batch): ManifestChanges {
    const removed = this.changes.removedParts();
    return {
      previousBatch: batch.previous_batch,
      ...this.changes.changeCounts(),
      removed: removed.reduce((sum, part) => sum + part.records, 0),
      removedParts: removed,
    };
  }

  /** How to ask the previous run about URLs, or null when this batch has none. */
  private previousLookup(batch: Batch): PreviousLookup {
    const previous = this.previousRun(batch);
    return previous ? (keys) => previous.previousStates(keys) : null;
  }

  /** Goes on with the removed scan; answers whether it is finished (at once without a previous run). */
  private async removedScanned(batch: Batch): Promise<boolean> {
    const previous = this.previousRun(batch);
    if (!previous) return true;
    return writeRemovedRecords(
      this.changes,
      (work) => this.store.atomically(work),
      previous,
      this.env.RESULTS,
      batch.batch_id,
      batch.total,
    );
  }

  private previousRun(batch: Batch): DurableObjectStub<BatchCoordinator> | null {
    return batch.previous_batch ? this.env.BATCH.get(this.env.BATCH.idFromString(batch.previous_batch)) : null;
  }

  /** Sends more ready chunks while fewer than the window are in flight. */
  private async pump(): Promise<void> {
    const batch = this.store.batch();
    if (batch?.phase !== "queued" && batch?.phase !== "running") return;
    const room = this.settings.MAX_CHUNKS_IN_FLIGHT - this.store.chunks.inFlight();
    if (room > 0) await this.send(this.store.chunks.ready(room), "markSent", 0);
  }

  /** Marks sources sent (by `transition`) and puts their messages on the discovery queue. */
  private sendSources(ids: number[], transition: SourceTransition, delaySeconds: number): Promise<void> {
    const batchId = this.requireBatch().batch_id;
    const to = { ...this.dispatchVia(this.discovery.leases), queue: this.env.DISCOVERY };
    return dispatch({ ...to, message: (sourceId) => ({ batchId, sourceId }) }, ids, transition, delaySeconds);
  }

  /**
   * After discovered URLs or a finished source: whole chunks (and, once no source is
   * left, the last partial one) are made and dispatched while discovery goes on.
   */
  private async afterDiscovery(): Promise<void> {
    this.store.atomically(() => this.store.makeChunks(this.discovery.settled()));
    await this.pump();
    await this.wakeAt(this.finishable() ? Date.now() : this.nextCheck());
  }

  /** How many more URLs discovery may add: `maxUrls`, and the batch's own cap, less those found. */
  private discoveryRoom(batch: Batch): number {
    const plan = batch.discovery;
    const explicit = batch.explicit_total ?? batch.total;
    const cap = Math.min(plan?.maxUrls ?? Number.POSITIVE_INFINITY, this.settings.MAX_URLS_PER_BATCH - explicit);
    return cap - (batch.total - explicit);
  }

  /** Still dispatching: queued or running. */
  private live(batch: Batch): boolean {
    return batch.phase === "queued" || batch.phase === "running";
  }

  /** Marks chunks sent (by `transition`) and puts their messages on the queue. */
  private send(ids: number[], transition: ChunkTransition, delaySeconds: number): Promise<void> {
    const batchId = this.requireBatch().batch_id;
    const to = { ...this.dispatchVia(this.store.chunks), queue: this.env.CHUNKS };
    return dispatch({ ...to, message: (chunkId) => ({ batchId, chunkId }) }, ids, transition, delaySeconds);
  }

  private dispatchVia<Name extends string>(leases: LeaseTable<Name>) {
    return {
      leases,
      atomically: <T>(work: () => T) => this.store.atomically(work),
      leaseMs: this.settings.LEASE_SECONDS * 1000,
    };
  }

  /** Ends a chunk's URLs with `end` and closes it; the alarm writes their records. */
  private async closeChunk(chunkId: number, end: () => void): Promise<void> {
    this.store.atomically(() => {
      end();
      this.store.transition(chunkId, "close");
    });
    await this.wakeAt(Date.now());
  }

  /** Discovery over, every chunk done and every record written: the manifest can go out. */
  private finishable(): boolean {
    return this.discovery.settled() && this.store.allChunksDone() && !this.store.hasUnwritten();
  }

  /** The next time the alarm must look: a chunk presumed lost, the heartbeat, or a run's deadline not yet found late. */
  private nextCheck(): number {
    const batch = this.store.batch();
    const sla = batch?.run ? this.summarize(batch).sla : null;
    const deadline = sla && !sla.late ? Date.parse(sla.deadline) + 1 : Number.POSITIVE_INFINITY;
    const lost = Math.min(
      this.store.chunks.nextLostAt() ?? Number.POSITIVE_INFINITY,
      this.discovery.leases.nextLostAt() ?? Number.POSITIVE_INFINITY,
    );
    return Math.min(lost, Date.now() + HEARTBEAT_MS, deadline);
  }

  /** Moves the alarm to `at` if that is sooner than the one set: a later call never postpones work. */
  private async wakeAt(at: number): Promise<void> {
    const current = await this.ctx.storage.getAlarm();
    if (current === null || at < current) await this.ctx.storage.setAlarm(at);
  }

  /** Keeps the tenant's listing row current, and a scheduled run's history entry. */
  private async registerWithTenant(summary: BatchSummary): Promise<void> {
    const directory = this.env.TENANT.getByName(summary.tenant);
    await directory.upsert(
      { id: summary.id, createdAt: summary.createdAt, status: summary.status, total: summary.counts.total },
      summary.expiresAt === null ? null : Date.parse(summary.expiresAt),
    );
    const entry = runEntry(summary);
    if (entry) await directory.updateRun(entry);
  }

  /** When the results are deleted: publication plus the retention; null until published. */
  private expiresAt(batch: Batch): number | null {
    return expiresAtOf(batch, this.settings.RETENTION_DAYS);
  }

  private retentionDays(batch: Batch): number {
    return retentionDaysOf(batch, this.settings.RETENTION_DAYS);
  }

  private summarize(batch: Batch): BatchSummary {
    return batchStatus(
      batch,
      {
        errorsByCode: this.store.codeCounts(),
        discovery: batch.discovery ? this.discovery.status(batch.capped) : null,
        defaultRetentionDays: this.settings.RETENTION_DAYS,
      },
      Date.now(),
    );
  }

  /** The batch if it exists, is past its upload (or a run copying its list) and belongs to `tenant`. */
  private owned(tenant: string): Batch | null {
    const batch = this.store.batch();
    // A run copying its list is already the run (`queued`); an upload is not a batch yet.
    const visible = batch?.phase !== "ingesting" || batch.copy_from !== null;
    return batch && visible && batch.tenant === tenant ? batch : null;
  }

  private requireBatch(): Batch {
    const batch = this.store.batch();
    if (!batch) throw new Error("batch not initialised");
    return batch;
  }

  /** The batch while `token` is its live upload, else null. */
  private ingesting(token: string): Batch | null {
    const batch = this.store.batch();
    return batch?.phase === "ingesting" && batch.ingest_token === token ? batch : null;
  }

  /** The options as the manifest shows them: without the webhook, whose headers may hold the receiver's credentials. */
  private manifestOptions(batch: Batch): BatchOptions {
    const { webhook: _webhook, ...options } = batch.options;
    return options;
  }
}
