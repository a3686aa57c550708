// Ingestion: begin, append*, seal (or abandon). An upload streams its list in slices
// under a token; a scheduled run copies its list from its source batch by its own alarm.
import type { Batch } from "../../lib/batch";
import { coordinatorOf } from "../../lib/batch-objects";
import { now as clockNow, wallTime } from "../../lib/clock";
import type { BatchSummary, BeginInput, BeginResult, IngestRow, SubmitCounts } from "../../lib/coordinator-protocol";
import { DiscoveryPlan } from "../../lib/discovery";
import { copyRunSlices } from "../run-copy";
import { type BatchContext, HEARTBEAT_MS, OUTBOX_RETRY_MS } from "./context";

/** An upload that has not sent a URL for this long is abandoned and the batch failed. */
export const INGEST_TIMEOUT_MS = 10 * 60_000;
/**
 * An upload is live while its appends keep coming: the API appends at least every two
 * seconds while lines arrive. One silent for longer than this (its request or the
 * whole process died) gives its Idempotency-Key to the next `begin` at once.
 */
export const INGEST_LIVE_MS = 10_000;

/**
 * Starts a batch, or returns the existing one (the same Idempotency-Key again). A
 * batch of another tenant is neither told nor replaced, whatever its phase.
 */
export async function begin(cx: BatchContext, input: BeginInput): Promise<BeginResult> {
  const existing = cx.store.batch();
  if (existing && existing.tenant !== input.tenant) return { created: false, foreign: true };
  const now = clockNow();
  const stalled = existing?.phase === "ingesting" && now - existing.last_ingest_at > INGEST_LIVE_MS;
  if (existing && existing.phase !== "failed" && !stalled) {
    return { created: false, inProgress: existing.phase === "ingesting", summary: cx.summarize(existing) };
  }
  const token = crypto.randomUUID();
  cx.atomically(() => {
    forget(cx);
    cx.store.createBatch(input, token, now);
  });
  await cx.ctx.storage.setAlarm(wallTime(now + INGEST_TIMEOUT_MS));
  return { created: true, token };
}

/** Starts a scheduled run whose list its own alarm copies from `copyFrom`; see `BatchCoordinator.beginRun`. */
export async function beginRun(cx: BatchContext, input: BeginInput, copyFrom: string): Promise<boolean> {
  const begun = await begin(cx, input);
  if (!begun.created) return !("foreign" in begun);
  cx.store.setCopy(copyFrom, 0);
  await cx.ctx.storage.setAlarm(Date.now());
  // Listed (and its history entry current) from the start, as `queued`, while it copies.
  await cx.registerWithTenant(cx.summarize(cx.requireBatch()));
  return true;
}

/** Appends a slice of the list. Null when `token` is no longer the upload (it stalled and was replaced). */
export function append(cx: BatchContext, token: string, rows: IngestRow[]): SubmitCounts | null {
  if (!ingesting(cx, token)) return null;
  return cx.atomically(() => cx.store.appendUrls(rows, clockNow()));
}

/** Gives the upload sources to discover more URLs from; false as for `append`. */
export function planDiscovery(cx: BatchContext, token: string, plan: DiscoveryPlan): boolean {
  if (!ingesting(cx, token)) return false;
  const parsed = DiscoveryPlan.parse(plan);
  cx.atomically(() => {
    cx.store.setDiscovery(JSON.stringify(parsed));
    cx.discovery.add(parsed.sources, 0, cx.settings.MAX_SOURCES_PER_BATCH);
  });
  return true;
}

/** Ends ingestion: chunks are made and dispatched, sources sent, the tenant lists the batch. Null as for `append`. */
export async function seal(cx: BatchContext, token: string): Promise<BatchSummary | null> {
  if (!ingesting(cx, token)) return null;
  // Armed before the seal commits: should the process die anywhere below, the alarm
  // sends what was not sent and lists the batch (the upload's 10-minute alarm is too late).
  await cx.wakeAt(clockNow() + HEARTBEAT_MS);
  cx.atomically(() => cx.store.seal(clockNow(), !cx.discovery.settled()));
  await cx.sendSources(cx.discovery.leases.ready(), "markSent", 0);
  await cx.pump();
  const summary = cx.summarize(cx.requireBatch());
  await cx.registerWithTenant(summary);
  // Records of URLs refused or duplicated at submission are the alarm's to write.
  await cx.wakeAt(cx.store.hasUnwritten() ? clockNow() : cx.nextCheck());
  return summary;
}

/** Drops an upload that failed part-way (bad input), so its key can be used again. */
export async function abandon(cx: BatchContext, token: string): Promise<void> {
  if (!ingesting(cx, token)) return; // replaced already: the new upload owns the batch
  forget(cx);
  await cx.ctx.storage.deleteAlarm();
}

/**
 * The alarm's step for an upload: a scheduled run copies the next slices of its list;
 * an upload silent past INGEST_TIMEOUT_MS fails the batch (announced); any other waits.
 */
export async function ingestStep(cx: BatchContext, batch: Batch): Promise<void> {
  const now = clockNow();
  if (now - batch.last_ingest_at < INGEST_TIMEOUT_MS) {
    if (batch.copy_from !== null) return copyRun(cx, batch);
    return cx.ctx.storage.setAlarm(wallTime(batch.last_ingest_at + INGEST_TIMEOUT_MS));
  }
  cx.atomically(() => {
    cx.store.fail("the URL list upload was abandoned");
    cx.announceStatus(cx.requireBatch(), "batch.failed", "failed");
  });
  await cx.flushEvents();
}

/** The next step of a scheduled run's copy; a failure (the source busy) is tried again soon, until the upload times out. */
async function copyRun(cx: BatchContext, batch: Batch): Promise<void> {
  try {
    const done = await copyRunSlices(batch, {
      store: cx.store,
      settings: cx.settings,
      source: coordinatorOf(cx.env, batch.copy_from ?? ""),
      planDiscovery: async (token, plan) => planDiscovery(cx, token, plan),
      seal: (token) => seal(cx, token),
      abandon: (token) => abandon(cx, token),
    });
    if (!done) await cx.ctx.storage.setAlarm(Date.now());
  } catch (error) {
    console.error(`batch ${batch.batch_id}: copying its run's list failed; trying again`, error);
    await cx.ctx.storage.setAlarm(Date.now() + OUTBOX_RETRY_MS);
  }
}

/** Forgets everything of the batch but its deletion mark: a new upload, or one abandoned. */
function forget(cx: BatchContext): void {
  cx.store.reset();
  cx.changes.reset();
  cx.webhooks.reset();
}

/** The batch while `token` is its live upload, else null. */
function ingesting(cx: BatchContext, token: string): Batch | null {
  const batch = cx.store.batch();
  return batch?.phase === "ingesting" && batch.ingest_token === token ? batch : null;
}
