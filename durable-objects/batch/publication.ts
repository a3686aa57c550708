// Publication: the records the coordinator writes itself, the removed scan against the
// previous run, and the one create-only manifest.json; then the listing and the expiry.
import type { Batch } from "../../lib/batch";
import { coordinatorOf } from "../../lib/batch-objects";
import { retentionDaysOf } from "../../lib/batch-status";
import { now } from "../../lib/clock";
import { buildManifest, parseManifest } from "../../lib/manifest";
import { r2Keys } from "../../lib/r2-keys";
import type { BatchOptions, ManifestChanges } from "../../lib/schemas";
import { announcePart } from "../batch-events";
import { writeCoordinatorRecords } from "../coordinator-records";
import { writeRemovedRecords } from "../removed-records";
import { publishAnalysis } from "./analysis";
import type { BatchContext } from "./context";

const DAY_MS = 86_400_000;
/**
 * The alarm looks once more this long after a publication, to bring the tenant's
 * listing up to date should the process have died between the two.
 */
const LISTING_CHECK_MS = 60_000;

/** Writes the next records of URLs the coordinator knows are terminal; answers whether more are left. */
export function writeRecords(cx: BatchContext, batch: Batch): Promise<boolean> {
  const previous = previousRun(cx, batch);
  return writeCoordinatorRecords(
    cx.store,
    cx.env.RESULTS,
    batch.batch_id,
    previous ? (keys) => previous.previousStates(keys) : null,
    (key) => announcePart(cx.store, cx.webhooks, batch, key),
  );
}

/** Goes on with the removed scan; answers whether it is finished (at once without a previous run). */
export function removedScanned(cx: BatchContext, batch: Batch): Promise<boolean> {
  const previous = previousRun(cx, batch);
  if (!previous) return Promise.resolve(true);
  return writeRemovedRecords(
    cx.changes,
    (work) => cx.atomically(work),
    previous,
    cx.env.RESULTS,
    batch.batch_id,
    batch.total,
  );
}

/** Writes manifest.json once (create-only put); the committed manifest is the truth. */
export async function publish(cx: BatchContext, batch: Batch): Promise<void> {
  const key = r2Keys.manifest(batch.batch_id);
  const status = batch.phase === "cancelled" ? "cancelled" : "completed";
  const finishedAt = batch.finished_at ?? now();
  const analysis = await publishAnalysis(cx, batch);
  cx.saveCost();
  const manifest = buildManifest({
    batchId: batch.batch_id,
    status,
    createdAt: batch.created_at,
    finishedAt,
    expiresAt: finishedAt + retentionDaysOf(batch, cx.settings.RETENTION_DAYS) * DAY_MS,
    retryOf: cx.summarize(batch).retryOf ?? undefined,
    totals: { total: batch.total, succeeded: batch.succeeded, failed: batch.failed, skipped: batch.skipped },
    options: manifestOptions(batch),
    parts: cx.store.parts(),
    changes: manifestChanges(cx, batch),
    reextractOf: batch.reextract_of,
    ...(analysis && { analysis }),
    cost: cx.costOf(cx.requireBatch()),
  });
  // A second publication (an alarm retried after a crash) finds the object and keeps it,
  // and takes its finish time from what the first one committed.
  const written = await cx.env.RESULTS.put(key, JSON.stringify(manifest), {
    onlyIf: { etagDoesNotMatch: "*" },
    httpMetadata: { contentType: "application/json" },
  });
  const committed = written ? manifest : parseManifest(await (await cx.env.RESULTS.get(key))?.json());
  // One more look after the publication commits, for the listing (see LISTING_CHECK_MS).
  await cx.ctx.storage.setAlarm(Date.now() + LISTING_CHECK_MS);
  cx.atomically(() => {
    // No chunk was ever claimed (every URL refused or duplicate at submission): the
    // batch starts in the transition that ends it, so no batch ends unstarted.
    if (batch.phase === "queued") cx.announceStatus(batch, "batch.started", "started");
    cx.store.markPublished(status, Date.parse(committed.finishedAt), key, committed.changes ?? null);
    cx.saveCost(); // the manifest's own put
    cx.announceStatus(cx.requireBatch(), `batch.${status}`, status);
  });
  await cx.flushEvents();
  const published = cx.requireBatch();
  await cx.registerWithTenant(cx.summarize(published));
  const expiresAt = cx.expiresAt(published);
  if (expiresAt !== null) await cx.wakeAt(expiresAt);
}

/** The change counts and removed parts the manifest lists (every URL is terminal by now). */
function manifestChanges(cx: BatchContext, batch: Batch): ManifestChanges {
  const removed = cx.changes.removedParts();
  return {
    previousBatch: batch.previous_batch,
    ...cx.changes.changeCounts(),
    removed: removed.reduce((sum, part) => sum + part.records, 0),
    removedParts: removed,
  };
}

/** The options as the manifest shows them: without the webhook, whose headers may hold the receiver's credentials. */
function manifestOptions(batch: Batch): BatchOptions {
  const { webhook: _webhook, ...options } = batch.options;
  return options;
}

/** The previous run's coordinator, or null when this batch has none. */
function previousRun(cx: BatchContext, batch: Batch): ReturnType<Env["BATCH"]["get"]> | null {
  return batch.previous_batch ? coordinatorOf(cx.env, batch.previous_batch) : null;
}
