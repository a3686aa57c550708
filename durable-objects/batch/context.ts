// What every protocol module of a batch's coordinator works with: its storage, its
// bindings, and the few steps they all take (the status, the alarm, the listing, the
// dispatch of chunks and sources, the outbox). The modules beside this file are the
// protocols; durable-objects/batch-coordinator.ts is the RPC surface over them.

import { MeteredStorage, meteredBucket, meteredNamespace, meteredQueue, UsageMeter } from "../../fetch/usage-meter";
import type { Batch, RunDrift } from "../../lib/batch";
import { batchStatus, expiresAtOf, slaAt } from "../../lib/batch-status";
import { now, wallTime } from "../../lib/clock";
import type { BatchSummary } from "../../lib/coordinator-protocol";
import {
  addCounts,
  type CostCounts,
  type CostView,
  costView,
  DEFAULT_PRICES,
  emptyCounts,
  isEmptyCounts,
  type PriceTable,
  priceTableFrom,
} from "../../lib/cost-ledger";
import { readSettings, type Settings } from "../../lib/settings";
import type { WebhookEventType } from "../../lib/webhooks";
import { announce, batchEventData, EventOutbox, scheduleDriftData } from "../batch-events";
import { BatchStore, type ChunkTransition } from "../batch-store";
import { ChangeStore } from "../change-store";
import { DiscoveryStore, type SourceTransition } from "../discovery-store";
import { dispatch, type LeaseTable } from "../lease-table";
import { runEntry } from "../scheduled-run";
import { WebhookStore } from "../webhook-store";

/** How often the alarm looks at a running batch even when no chunk is due. */
export const HEARTBEAT_MS = 30_000;
/** When moving the outbox onto the queue failed outside the alarm, the alarm tries again this soon. */
export const OUTBOX_RETRY_MS = 5_000;

export class BatchContext {
  readonly store: BatchStore;
  readonly changes: ChangeStore;
  readonly webhooks: WebhookStore;
  readonly discovery: DiscoveryStore;
  readonly settings: Settings;
  /** The bindings, metered: every R2, queue and Durable Object call through them is counted into `meter`. */
  readonly env: Env;
  /** What this coordinator counted since it last stored the ledger (lost with the object: see README, Operations). */
  readonly meter = new UsageMeter();
  readonly prices: PriceTable;
  private readonly metered: MeteredStorage;
  private readonly outbox: EventOutbox;

  constructor(
    readonly ctx: DurableObjectState,
    env: Env,
  ) {
    // Wrapped at each use, over the object the runtime gave: what reads the binding later
    // (a test putting a failing queue in its place) still sees it.
    const meter = this.meter;
    this.env = new Proxy(env, {
      get(target, property) {
        const value = Reflect.get(target, property);
        switch (property) {
          case "RESULTS":
            return meteredBucket(value, meter);
          case "CHUNKS":
          case "DISCOVERY":
          case "WEBHOOKS":
            return meteredQueue(value, meter);
          case "BATCH":
          case "TENANT":
            return meteredNamespace(value, meter);
          default:
            return value;
        }
      },
    });
    this.metered = new MeteredStorage(ctx.storage, this.meter);
    const storage = this.metered.storage;
    this.store = new BatchStore(storage);
    this.changes = new ChangeStore(storage.sql);
    this.webhooks = new WebhookStore(storage.sql);
    this.discovery = new DiscoveryStore(storage.sql);
    this.outbox = new EventOutbox(this.webhooks, this.env.WEBHOOKS);
    this.settings = readSettings(env);
    this.prices = pricesOf(this.settings);
  }

  // ---- the cost ledger (lib/cost-ledger.ts) ------------------------------------------

  /** Counts one request to this coordinator made on its batch's behalf (consumers count their own calls). */
  received(): void {
    this.meter.add({ doRequests: 1 });
  }

  /** The ledger's counts with what was counted since they were stored, taking the latter: store the result in this transaction. */
  takeCost(batch: Batch): CostCounts | null {
    this.metered.settle();
    if (isEmptyCounts(this.meter.peek())) return null;
    return addCounts(batch.cost ?? emptyCounts(), this.meter.take());
  }

  /**
   * Stores what was counted since the ledger was last stored (one row written, when there
   * is anything). `whenWorked`: not when only requests were counted (an idle alarm, status
   * reads): they wait in memory for the next write, the next report's free.
   */
  saveCost(whenWorked = false): void {
    this.metered.settle();
    const pending = this.meter.peek();
    if (whenWorked && isEmptyCounts({ ...pending, doRequests: 0 })) return;
    const batch = this.store.batch();
    const cost = batch && this.takeCost(batch);
    if (cost) this.store.setCost(cost);
  }

  /** The ledger as shown: stored counts plus those not stored yet, priced. */
  costOf(batch: Batch): CostView {
    this.metered.settle();
    const counts = addCounts(batch.cost ?? emptyCounts(), this.meter.peek());
    return costView(counts, this.prices, batch.options.retentionDays ?? this.settings.RETENTION_DAYS);
  }

  // ---- the batch -------------------------------------------------------------------

  requireBatch(): Batch {
    const batch = this.store.batch();
    if (!batch) throw new Error("batch not initialised");
    return batch;
  }

  /** The batch if it exists, is past its upload (or a run copying its list) and belongs to `tenant`. */
  owned(tenant: string): Batch | null {
    const batch = this.store.batch();
    // A run copying its list is already the run (`queued`); an upload is not a batch yet.
    const visible = batch?.phase !== "ingesting" || batch.copy_from !== null;
    return batch && visible && batch.tenant === tenant ? batch : null;
  }

  /** The status of `batch` now (lib/batch-status.ts), with the counts kept beside its row. */
  summarize(batch: Batch): BatchSummary {
    return batchStatus(
      batch,
      {
        errorsByCode: this.store.codeCounts(),
        discovery: batch.discovery ? this.discovery.status(batch.capped) : null,
        defaultRetentionDays: this.settings.RETENTION_DAYS,
        cost: this.costOf(batch),
      },
      now(),
    );
  }

  /** When the results are deleted: publication plus the retention; null until published. */
  expiresAt(batch: Batch): number | null {
    return expiresAtOf(batch, this.settings.RETENTION_DAYS);
  }

  /** Keeps the tenant's listing row current, and a scheduled run's history entry. */
  async registerWithTenant(summary: BatchSummary): Promise<void> {
    const directory = this.env.TENANT.getByName(summary.tenant);
    await directory.upsert(
      { id: summary.id, createdAt: summary.createdAt, status: summary.status, total: summary.counts.total },
      summary.expiresAt === null ? null : Date.parse(summary.expiresAt),
    );
    const entry = runEntry(summary);
    const drift = entry ? await directory.updateRun(entry) : null;
    if (drift) await this.announceDrift(drift, summary);
  }

  /** A run the directory judged drifting announces `schedule.drift` once, marked in the same transaction. */
  private async announceDrift(drift: RunDrift, summary: BatchSummary): Promise<void> {
    const batch = this.store.batch();
    if (!batch) return;
    const marked = this.atomically(() => {
      if (!this.store.markDrift(drift)) return false;
      announce(this.webhooks, batch, "schedule.drift", "schedule-drift", scheduleDriftData(summary, drift));
      return true;
    });
    if (marked) await this.flushEventsSoon();
  }

  // ---- the alarm -------------------------------------------------------------------

  /** Moves the alarm to `at` (on lib/clock.ts's clock) if that is sooner than the one set: a later call never postpones work. */
  async wakeAt(at: number): Promise<void> {
    const wall = wallTime(at);
    const current = await this.ctx.storage.getAlarm();
    if (current === null || wall < current) await this.ctx.storage.setAlarm(wall);
  }

  /** Discovery over, every chunk done and every record written: the manifest can go out. */
  finishable(): boolean {
    return this.discovery.settled() && this.store.allChunksDone() && !this.store.hasUnwritten();
  }

  /** The next time the alarm must look: a chunk presumed lost, the heartbeat, or a run's deadline not yet found late. */
  nextCheck(): number {
    const batch = this.store.batch();
    const sla = batch ? slaAt(batch, now()) : null;
    const deadline = sla && !sla.late ? Date.parse(sla.deadline) + 1 : Number.POSITIVE_INFINITY;
    const lost = Math.min(
      this.store.chunks.nextLostAt() ?? Number.POSITIVE_INFINITY,
      this.discovery.leases.nextLostAt() ?? Number.POSITIVE_INFINITY,
    );
    return Math.min(lost, now() + HEARTBEAT_MS, deadline);
  }

  /** The alarm now when the batch can finish, else at its next check. */
  wakeForNext(): Promise<void> {
    return this.wakeAt(this.finishable() ? now() : this.nextCheck());
  }

  // ---- dispatch: chunks and sources onto their queues ---------------------------------

  /** Sends more ready chunks while fewer than the window are in flight. */
  async pump(): Promise<void> {
    const batch = this.store.batch();
    if (batch?.phase !== "queued" && batch?.phase !== "running") return;
    const room = this.settings.MAX_CHUNKS_IN_FLIGHT - this.store.chunks.inFlight();
    if (room > 0) await this.sendChunks(this.store.chunks.ready(room), "markSent", 0);
  }

  /** Marks chunks sent (by `transition`) and puts their messages on the chunk queue. */
  sendChunks(ids: number[], transition: ChunkTransition, delaySeconds: number): Promise<void> {
    const batchId = this.requireBatch().batch_id;
    const via = { ...this.dispatchVia(this.store.chunks), queue: this.env.CHUNKS };
    return dispatch({ ...via, message: (chunkId) => ({ batchId, chunkId }) }, ids, transition, delaySeconds);
  }

  /** Marks sources sent (by `transition`) and puts their messages on the discovery queue. */
  sendSources(ids: number[], transition: SourceTransition, delaySeconds: number): Promise<void> {
    const batchId = this.requireBatch().batch_id;
    const via = { ...this.dispatchVia(this.discovery.leases), queue: this.env.DISCOVERY };
    return dispatch({ ...via, message: (sourceId) => ({ batchId, sourceId }) }, ids, transition, delaySeconds);
  }

  private dispatchVia<Name extends string>(leases: LeaseTable<Name>) {
    return {
      leases,
      atomically: <T>(work: () => T) => this.store.atomically(work),
      leaseMs: this.settings.LEASE_SECONDS * 1000,
    };
  }

  // ---- the webhook outbox ----------------------------------------------------------

  /** Announces a status event (`batch.started`, `.completed`, `.cancelled`, `.failed`) carrying `batch`'s status; call inside its transition's transaction. */
  announceStatus(batch: Batch, type: WebhookEventType, key: string): void {
    announce(this.webhooks, batch, type, key, batchEventData(this.summarize(batch)));
  }

  /** Moves the outbox onto the webhook queue (one flush at a time; see EventOutbox). */
  flushEvents(): Promise<void> {
    return this.outbox.flush();
  }

  /** `flushEvents` for RPC paths: a queue hiccup must not fail a consumer's claim or report; the alarm retries. */
  async flushEventsSoon(): Promise<void> {
    try {
      await this.flushEvents();
    } catch (error) {
      console.error(`batch ${this.store.batch()?.batch_id}: webhook events not queued yet; the alarm retries`, error);
      await this.wakeAt(now() + OUTBOX_RETRY_MS);
    }
  }

  /** Runs `work` as one transaction. */
  atomically<T>(work: () => T): T {
    return this.store.atomically(work);
  }
}

/** The deployment's price table; a COST_PRICES that does not parse is logged and the published prices used. */
function pricesOf(settings: Settings): PriceTable {
  try {
    return priceTableFrom(settings.COST_PRICES);
  } catch (error) {
    console.error(`${String(error)}; pricing the cost ledger with the published prices of ${DEFAULT_PRICES.date}`);
    return DEFAULT_PRICES;
  }
}
