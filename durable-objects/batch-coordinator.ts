import { DurableObject } from "cloudflare:workers";
import type { Batch } from "../lib/batch";
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
import type { CostCounts } from "../lib/cost-ledger";
import type { DiscoveredSlice, DiscoveryPlan, SourceClaim, SourceOutcome } from "../lib/discovery";
import type { ErrorCode } from "../lib/error-codes";
import type { BatchOptions } from "../lib/schemas";
import { WebhookAttempt } from "../lib/webhooks";
import { alarm } from "./batch/alarm";
import * as chunks from "./batch/chunks";
import { BatchContext } from "./batch/context";
import * as ingest from "./batch/ingest";
import * as lifecycle from "./batch/lifecycle";
import * as sources from "./batch/sources";
import type { ListedUrl } from "./change-store";
import type { HostCount } from "./host-counts";

export { INGEST_LIVE_MS } from "./batch/ingest";

/**
 * One batch: its URL list, the state of every URL and chunk, and the publication of its
 * manifest. Consumers talk to it once per chunk (claim, report); it never fetches pages.
 * This class is the RPC surface: each method delegates to the protocol module of
 * durable-objects/batch/ that owns it (ingest, chunks, sources, publication, lifecycle,
 * the alarm), and every statement lives in a store beside them.
 */
export class BatchCoordinator extends DurableObject<Env> {
  private readonly cx: BatchContext;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.cx = new BatchContext(ctx, env);
  }

  // ---- ingestion: begin, append*, seal (or abandon); batch/ingest.ts -------------------

  /**
   * Starts a batch, or returns the existing one (the same Idempotency-Key again). A
   * batch of another tenant is neither told nor replaced, whatever its phase.
   */
  async begin(input: BeginInput): Promise<BeginResult> {
    this.cx.received();
    return ingest.begin(this.cx, input);
  }

  /**
   * Starts a scheduled run whose list is `copyFrom`'s, copied by this coordinator's own
   * alarm (durable-objects/run-copy.ts) rather than by the cron. The same run again (a
   * cron that fired twice) changes nothing. False when the object holds another
   * tenant's batch.
   */
  async beginRun(input: BeginInput, copyFrom: string): Promise<boolean> {
    this.cx.received();
    return ingest.beginRun(this.cx, input, copyFrom);
  }

  /** Appends a slice of the list. Null when `token` is no longer the upload (it stalled and was replaced). */
  async append(token: string, rows: IngestRow[]): Promise<SubmitCounts | null> {
    this.cx.received();
    return ingest.append(this.cx, token, rows);
  }

  /**
   * Gives the upload sources to discover more URLs from (sitemaps, feeds, robots.txt),
   * read by the discovery queue once sealed; the uploaded URLs keep the first indices.
   * False as for `append`.
   */
  async planDiscovery(token: string, plan: DiscoveryPlan): Promise<boolean> {
    this.cx.received();
    return ingest.planDiscovery(this.cx, token, plan);
  }

  /** Ends ingestion: chunks are made and dispatched, sources sent, the tenant lists the batch. Null as for `append`. */
  async seal(token: string): Promise<BatchSummary | null> {
    this.cx.received();
    const summary = await ingest.seal(this.cx, token);
    this.cx.saveCost(); // the upload's rows, counted since `begin`
    return summary;
  }

  /** Drops an upload that failed part-way (bad input), so its key can be used again. */
  async abandon(token: string): Promise<void> {
    this.cx.received();
    return ingest.abandon(this.cx, token);
  }

  // ---- reads, each checked against the asking tenant -----------------------------------

  /** The batch's status, or null when it does not exist (yet) or is not `tenant`'s. */
  async view(tenant: string): Promise<BatchSummary | null> {
    this.cx.received();
    const batch = this.cx.owned(tenant);
    return batch ? this.cx.summarize(batch) : null;
  }

  /** Where the records of URLs from `cursor` on live, in input order. */
  async locate(tenant: string, cursor: number, limit: number, state: string | null): Promise<Owned<ResultLocation[]>> {
    this.cx.received();
    return this.ownedRead(tenant, () => this.cx.store.locate(cursor, limit, state));
  }

  /** The batch's URLs counted per origin (durable-objects/host-counts.ts), with whether it obeys robots.txt. */
  async hostCounts(tenant: string): Promise<Owned<{ respectRobots: boolean; hosts: HostCount[] }>> {
    return this.ownedRead(tenant, (batch) => ({
      respectRobots: batch.options.respectRobots,
      hosts: this.cx.store.hostCounts(),
    }));
  }

  /** Failed and skipped URLs with their codes (optionally one code), in input order. */
  async errors(tenant: string, cursor: number, limit: number, code: string | null): Promise<Owned<ErrorEntry[]>> {
    this.cx.received();
    return this.ownedRead(tenant, () => this.cx.store.errors(cursor, limit, code));
  }

  /** A published batch's options and the URLs a retry of it takes (see `BatchStore.retryInputs`); null as for `view`. */
  async retryInputs(
    tenant: string,
    cursor: number,
    limit: number,
    codes: ErrorCode[] | null,
  ): Promise<Owned<{ options: BatchOptions; inputs: { index: number; url: string; id: string | null }[] }>> {
    this.cx.received();
    return this.ownedRead(tenant, (batch) => ({
      options: batch.options,
      inputs: this.cx.store.retryInputs(cursor, limit, codes),
    }));
  }

  /** A published batch's options and every URL of its list, discovered ones too, for a re-extraction of it; null as for `view`. */
  async reextractInputs(
    tenant: string,
    cursor: number,
    limit: number,
  ): Promise<Owned<{ options: BatchOptions; inputs: { index: number; url: string; id: string | null }[] }>> {
    return this.ownedRead(tenant, (batch) => ({
      options: batch.options,
      inputs: this.cx.store.inputs(cursor, limit, true),
    }));
  }

  /** Where this batch's records from `cursor` on live (internal: a re-extraction of it reads them by index). */
  async recordsFrom(cursor: number, limit: number): Promise<ResultLocation[]> {
    return this.cx.store.batch() ? this.cx.store.locate(cursor, limit, null) : [];
  }

  // ---- asked by the next run of a schedule (internal: the run checked the tenant when it began) ----

  /** This run's state of each normalised URL, for the next run's conditional requests and changes. */
  async previousStates(keys: string[]): Promise<(PreviousState | null)[]> {
    return this.cx.store.batch() ? this.cx.changes.previousStates(keys) : keys.map(() => null);
  }

  /** This run's pages from `cursor` on, for the next run's removed scan. */
  async listed(cursor: number, limit: number): Promise<ListedUrl[]> {
    return this.cx.store.batch() ? this.cx.changes.listed(cursor, limit) : [];
  }

  /** The uploaded list from `cursor` on, as given, without discovered URLs: what a scheduled run fetches again. */
  async exportInputs(cursor: number, limit: number): Promise<{ index: number; url: string; id: string | null }[]> {
    return this.cx.store.inputs(cursor, limit);
  }

  /** What the batch discovers from (null: nothing): a scheduled run passes it to its own `planDiscovery`. */
  async discoveryPlan(): Promise<DiscoveryPlan | null> {
    return this.cx.store.batch()?.discovery ?? null;
  }

  // ---- discovery consumers: claimSource, discovered*, finishSource; batch/sources.ts ----

  /** A discovery consumer takes a lease on a source; a duplicate delivery finds it busy or done. */
  async claimSource(sourceId: number): Promise<SourceClaim> {
    return sources.claimSource(this.cx, sourceId);
  }

  /** The lease holder hands over a slice of what it read; `stop`: read no further. */
  async discovered(sourceId: number, token: string, slice: DiscoveredSlice): Promise<{ stop: boolean }> {
    return sources.discovered(this.cx, sourceId, token, slice);
  }

  /** The lease holder ends its reading; a transient failure is read again later, a few times. */
  async finishSource(
    sourceId: number,
    token: string,
    outcome: SourceOutcome,
    usage?: Partial<CostCounts>,
  ): Promise<void> {
    if (usage) this.cx.meter.add(usage); // the source's fetches and calls, counted by the discovery consumer
    return sources.finishSource(this.cx, sourceId, token, outcome);
  }

  // ---- consumers: claim, report; the queue's dead letters; batch/chunks.ts -------------

  /** A consumer takes a lease on a chunk and gets its URLs still to fetch; a duplicate delivery finds it busy or done. */
  async claim(chunkId: number): Promise<ClaimResult> {
    return chunks.claim(this.cx, chunkId);
  }

  /** A consumer reports its attempt; only the current lease holder's first report counts. */
  async reportChunk(report: ChunkReport): Promise<{ accepted: boolean }> {
    return chunks.reportChunk(this.cx, report);
  }

  /** The queue gave up on a chunk: its unfinished URLs fail `delivery_failed`; nothing vanishes or loops. */
  async deadLetter(chunkId: number): Promise<void> {
    this.cx.received();
    return chunks.deadLetter(this.cx, chunkId);
  }

  // ---- control and the end of a batch: batch/lifecycle.ts, batch/alarm.ts --------------

  /** Stops dispatching: every URL not held by a consumer ends `skipped` (`cancelled`), in the alarm's bounded steps. */
  async cancel(tenant: string): Promise<BatchSummary | null> {
    this.cx.received();
    return lifecycle.cancel(this.cx, tenant);
  }

  /** Marks a published batch `expired` once its retention has run out at `now`; answers whether it is expired. */
  async expire(now: number): Promise<boolean> {
    this.cx.received();
    return lifecycle.expire(this.cx, now);
  }

  /** Forgets the batch but who deleted it; `already` for the same tenant again, null for anyone else. */
  async destroy(tenant: string): Promise<"deleted" | "already" | null> {
    this.cx.received();
    return lifecycle.destroy(this.cx, tenant);
  }

  /** Resends lost work, writes records, checks lateness, publishes, expires: see batch/alarm.ts. */
  async alarm(): Promise<void> {
    this.cx.received();
    try {
      await alarm(this.cx);
    } finally {
      this.cx.saveCost(true);
    }
  }

  // ---- webhooks: the delivery log ------------------------------------------------------

  /**
   * Asked by the webhook consumer before each attempt: false once the batch is deleted
   * (or was never sealed), so events already on the queue go no further.
   */
  async webhookWanted(): Promise<boolean> {
    this.cx.received();
    return this.cx.store.batch() !== null;
  }

  /**
   * What became of a batch whose manifest is gone: `deleted` by its tenant, or `expired`
   * (retention ran out). Asked by the signed download link, which carries no tenant.
   */
  async removal(): Promise<"deleted" | "expired"> {
    this.cx.received();
    return this.cx.store.deletedBy() === null ? "expired" : "deleted";
  }

  /** The webhook consumer reports one delivery attempt (parsed: it crossed a queue). */
  async logWebhookAttempt(entry: WebhookAttempt): Promise<void> {
    if (!this.cx.store.batch()) return; // deleted meanwhile: nothing to log against
    this.cx.webhooks.logAttempt(WebhookAttempt.parse(entry));
    // The attempt's request and this call (its webhookWanted is counted as received).
    this.cx.meter.add({ webhookDeliveries: 1, fetches: 1, doRequests: 1 });
  }

  /** The delivery log from `cursor` on, for `tenant`'s batch. */
  async webhookLog(
    tenant: string,
    cursor: number,
    limit: number,
  ): Promise<Owned<(WebhookAttempt & { seq: number })[]>> {
    this.cx.received();
    return this.ownedRead(tenant, () => this.cx.webhooks.deliveryLog(cursor, limit));
  }

  /** `read` of `tenant`'s batch with its status, or null when it is not theirs. */
  private ownedRead<T>(tenant: string, read: (batch: Batch) => T): Owned<T> {
    const batch = this.cx.owned(tenant);
    return batch ? { summary: this.cx.summarize(batch), value: read(batch) } : null;
  }
}
