// The discovery protocol: a consumer leases a source (claimSource), hands over what it
// read in slices (discovered), and ends its reading (finishSource); the alarm's step
// sends again the sources presumed lost. The source lease machine is discovery-store.ts's.
import { type Batch, isLive } from "../../lib/batch";
import { now as clockNow } from "../../lib/clock";
import type { DiscoveredSlice, SourceClaim, SourceOutcome } from "../../lib/discovery";
import { SOURCE_MAX_ATTEMPTS, sourceRetryDelay } from "../../lib/retry-policy";
import { heldByLease } from "../lease-table";
import type { BatchContext } from "./context";

/** A discovery consumer takes a lease on a source; a duplicate delivery finds it busy or done. */
export function claimSource(cx: BatchContext, sourceId: number): SourceClaim {
  const batch = cx.store.batch();
  const source = cx.discovery.source(sourceId);
  if (!batch?.discovery || !source || batch.phase === "ingesting") return { kind: "unknown" };
  const now = clockNow();
  if (heldByLease(source, now)) return { kind: "busy" };
  const token = crypto.randomUUID();
  const lostAt = now + cx.settings.LEASE_SECONDS * 1000;
  if (!isLive(batch) || !cx.discovery.transition(sourceId, "lease", { token, lostAt })) return { kind: "done" };
  return {
    kind: "work",
    token,
    source: { kind: source.kind, url: source.url, depth: source.depth },
    include: batch.discovery.include,
    exclude: batch.discovery.exclude,
    respectRobots: batch.options.respectRobots,
  };
}

/**
 * The lease holder hands over a slice of what it read: new URLs join the batch (up
 * to the cap; duplicates of URLs held are dropped without a record) and whole chunks
 * of them are dispatched at once; child sitemaps become sources. `stop`: read no
 * further (the lease was lost, the cap reached, or the batch cancelled).
 */
export async function discovered(
  cx: BatchContext,
  sourceId: number,
  token: string,
  slice: DiscoveredSlice,
): Promise<{ stop: boolean }> {
  const batch = cx.store.batch();
  const source = cx.discovery.source(sourceId);
  if (!batch || !isLive(batch) || batch.capped || source?.state !== "leased" || source.token !== token) {
    return { stop: true };
  }
  const lostAt = clockNow() + cx.settings.LEASE_SECONDS * 1000;
  const children = cx.atomically(() => {
    const added = cx.store.appendDiscovered(slice.urls, discoveryRoom(cx, batch));
    cx.discovery.recordSlice(sourceId, added, slice.invalid, slice.filtered, lostAt);
    if (discoveryRoom(cx, cx.requireBatch()) <= 0) {
      cx.store.markCapped();
      cx.discovery.closeOpen();
      return [];
    }
    const sitemaps = slice.sitemaps.map((url) => ({ kind: "sitemap" as const, url }));
    return cx.discovery.add(sitemaps, source.depth + 1, cx.settings.MAX_SOURCES_PER_BATCH);
  });
  await cx.sendSources(children, "markSent", 0);
  await afterDiscovery(cx);
  return { stop: cx.requireBatch().capped };
}

/** The lease holder ends its reading; a transient failure is read again later, a few times. */
export async function finishSource(
  cx: BatchContext,
  sourceId: number,
  token: string,
  outcome: SourceOutcome,
): Promise<void> {
  const source = cx.discovery.source(sourceId);
  if (source?.state !== "leased" || source.token !== token) return;
  const again = !outcome.ok && outcome.transient ? sourceRetryDelay(source.claims) : null;
  if (again !== null) {
    await cx.sendSources([sourceId], "reopen", again);
    return;
  }
  cx.atomically(() => cx.discovery.finish(sourceId, outcome.ok ? null : outcome));
  await afterDiscovery(cx);
}

/**
 * The alarm's step for sources presumed lost: sent again, or failed `gave_up` once they
 * took their attempts; once discovery settled, the last partial chunk is made.
 */
export async function resendLostSources(cx: BatchContext, now: number): Promise<void> {
  for (const source of cx.discovery.leases.lost(now)) {
    if (source.claims >= SOURCE_MAX_ATTEMPTS) {
      cx.discovery.giveUp(source.id, `no reading finished in ${source.claims} attempts`);
    } else await cx.sendSources([source.id], "reopen", 0);
  }
  if (cx.discovery.settled()) cx.store.makeChunks(true);
}

/**
 * After discovered URLs or a finished source: whole chunks (and, once no source is
 * left, the last partial one) are made and dispatched while discovery goes on.
 */
async function afterDiscovery(cx: BatchContext): Promise<void> {
  cx.atomically(() => cx.store.makeChunks(cx.discovery.settled()));
  await cx.pump();
  await cx.wakeForNext();
}

/** How many more URLs discovery may add: `maxUrls`, and the batch's own cap, less those found. */
function discoveryRoom(cx: BatchContext, batch: Batch): number {
  const explicit = batch.explicit_total ?? batch.total;
  const cap = Math.min(batch.discovery?.maxUrls ?? Number.POSITIVE_INFINITY, cx.settings.MAX_URLS_PER_BATCH - explicit);
  return cap - (batch.total - explicit);
}
