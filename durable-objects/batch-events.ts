// The webhook events a batch announces. Each is written to the webhook outbox inside
// the transaction of the transition it announces; the coordinator then moves the
// outbox onto the webhook queue. A batch never waits on a receiver: only on the queue.
import type { Batch, RunDrift } from "../lib/batch";
import type { BatchSummary } from "../lib/batch-status";
import { now } from "../lib/clock";
import { buildWebhookMessage, pageGroups, type WebhookEventType, wantsEvent } from "../lib/webhooks";
import type { BatchStore } from "./batch-store";
import type { WebhookStore } from "./webhook-store";

/** Announces `type` for `batch` if its webhook asked for it; `key` makes the event id (one event per key). */
export function announce(
  outbox: WebhookStore,
  batch: Batch,
  type: WebhookEventType,
  key: string,
  data: Record<string, unknown>,
): void {
  const { webhook } = batch.options;
  if (!wantsEvent(webhook, type)) return;
  outbox.addToOutbox(
    buildWebhookMessage({
      batchId: batch.batch_id,
      tenant: batch.tenant,
      config: webhook,
      type,
      key,
      data,
      now: now(),
    }),
  );
}

/**
 * Announces `batch.started`. Called on the one transition out of `queued`: the first
 * claim, or (never claimed) the cancel or the publication that ends the batch, in the
 * same transaction. So every batch that completes or is cancelled has started, once.
 */
export function announceStarted(outbox: WebhookStore, batch: Batch, summary: BatchSummary): void {
  announce(outbox, batch, "batch.started", "started", batchEventData(summary));
}

/** Announces the URLs whose records `partKey` holds as `batch.page` events, in groups that fit a message. */
export function announcePart(store: BatchStore, outbox: WebhookStore, batch: Batch, partKey: string): void {
  const { webhook } = batch.options;
  if (!wantsEvent(webhook, "batch.page")) return;
  // A part is written once and its URLs pointed at it once, so its name keys its events.
  const name = partKey.slice(partKey.indexOf("/", "batches/".length) + 1).replace(/\.ndjson$/, "");
  const groups = pageGroups(store.urlsInPart(partKey));
  for (const [n, pages] of groups.entries()) {
    announce(outbox, batch, "batch.page", `page-${name}-${n}`, { pages, count: pages.length });
  }
}

/** What `batch.started`, `.completed`, `.cancelled` and `.failed` carry: the status, totals and where to read more. */
export function batchEventData(summary: BatchSummary): Record<string, unknown> {
  const self = `/v1/batches/${summary.id}`;
  const published = summary.manifestKey !== null;
  return {
    status: summary.status,
    createdAt: summary.createdAt,
    startedAt: summary.startedAt,
    finishedAt: summary.finishedAt,
    totals: {
      total: summary.counts.total,
      succeeded: summary.counts.succeeded,
      failed: summary.counts.failed,
      skipped: summary.counts.skipped,
    },
    failure: summary.failure,
    // Paths on the API that took the batch: call them with your API key. (A signed
    // download link expires within the hour, sooner than a retried event may arrive.)
    links: {
      self,
      errors: `${self}/errors`,
      manifest: published ? `${self}/manifest` : null,
      download: published ? `${self}/download` : null,
      downloadParquet: published ? `${self}/download?format=parquet` : null,
    },
  };
}

/** What `schedule.late` carries: the run's schedule and occurrence, its SLA figures and progress. */
export function scheduleLateData(summary: BatchSummary): Record<string, unknown> {
  return {
    scheduleId: summary.run?.scheduleId ?? null,
    scheduledAt: summary.run?.scheduledAt ?? null,
    sla: summary.sla,
    status: summary.status,
    totals: {
      total: summary.counts.total,
      pending: summary.counts.pending,
      succeeded: summary.counts.succeeded,
      failed: summary.counts.failed,
      skipped: summary.counts.skipped,
    },
    pagesPerSecond: summary.pagesPerSecond,
    links: { self: `/v1/batches/${summary.id}`, runs: `/v1/schedules/${summary.run?.scheduleId}/runs` },
  };
}

/** What `schedule.drift` carries: the run, how it drifted (against which medians), and its ledger. */
export function scheduleDriftData(summary: BatchSummary, drift: RunDrift): Record<string, unknown> {
  return {
    scheduleId: summary.run?.scheduleId ?? null,
    scheduledAt: summary.run?.scheduledAt ?? null,
    drift,
    cost: summary.cost,
    links: { self: `/v1/batches/${summary.id}`, runs: `/v1/schedules/${summary.run?.scheduleId}/runs` },
  };
}

/** Messages per sendBatch, and the bytes they may add up to (a sendBatch carries at most 256 KB). */
const SEND_BATCH_MAX = 100;
const SEND_BATCH_BYTES = 200 * 1024;

/** Moves a coordinator's outbox onto the webhook queue. */
export class EventOutbox {
  private flushing: Promise<void> | null = null;

  constructor(
    private readonly webhooks: WebhookStore,
    private readonly queue: Queue,
  ) {}

  /**
   * Puts every event of the outbox on the queue, in order, then forgets them. One flush
   * at a time: requests interleave while `sendBatch` is awaited, and two flushes reading
   * the same rows would send every event twice. Throws when the queue refuses (the
   * events stay for the next flush).
   */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    this.flushing = this.drain().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  private async drain(): Promise<void> {
    for (;;) {
      const pending = this.webhooks.outbox(SEND_BATCH_MAX);
      if (pending.length === 0) return;
      let bytes = 0;
      const batch = pending.filter((p) => {
        bytes += p.message.body.length + 1024;
        return bytes <= SEND_BATCH_BYTES || p === pending[0];
      });
      await this.queue.sendBatch(batch.map((p) => ({ body: p.message, contentType: "json" as const })));
      this.webhooks.dropFromOutbox(batch.map((p) => p.seq));
    }
  }
}
