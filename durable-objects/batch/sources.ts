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
    ...(batch.discovery.crawl && { crawl: batch.discovery.crawl }),
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
    addCrawlPages(cx, slice.pages, source.depth + 1);
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
  const again = !outcome.ok && outcome.transient ? retryDelayOf(source, outcome.code) : null;
  if (again !== null) {
    await cx.sendSources([sourceId], "reopen", again);
    return;
  }
  cx.atomically(() => cx.discovery.finish(sourceId, outcome.ok ? null : outcome));
  await afterDiscovery(cx);
}

/** Seconds until a source is read again. A crawl's page the origin's gate was too busy for (its pages are being fetched) is not failed for it: its links decide what the crawl finds. */
function retryDelayOf(source: { kind: string; claims: number }, code: string): number | null {
  if (source.kind === "page" && code === "rate_limited") return CRAWL_BUSY_RETRY_SECONDS;
  return sourceRetryDelay(source.claims);
}

/** How soon a crawl's page found the origin busy is read again. */
const CRAWL_BUSY_RETRY_SECONDS = 2;

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
  // A crawl's next level, should the process have died between a level's end and its sending.
  await cx.sendSources(cx.discovery.nextCrawlLevel(), "markSent", 0);
  if (cx.discovery.settled()) cx.store.makeChunks(true);
}

/**
 * A crawled page's links to read in turn, held as `ready` sources until their level's
 * turn (DiscoveryStore.nextCrawlLevel). As many as the batch may hold URLs: each is one.
 */
function addCrawlPages(cx: BatchContext, pages: string[] | undefined, depth: number): void {
  if (!pages || pages.length === 0) return;
  const cap = Math.max(cx.settings.MAX_SOURCES_PER_BATCH, cx.settings.MAX_URLS_PER_BATCH);
  cx.discovery.add(
    pages.map((url) => ({ kind: "page" as const, url })),
    depth,
    cap,
  );
}

/**
 * After discovered URLs or a finished source: whole chunks (and, once no source is
 * left, the last partial one) are made and dispatched while discovery goes on.
 */
async function afterDiscovery(cx: BatchContext): Promise<void> {
  await cx.sendSources(cx.discovery.nextCrawlLevel(), "markSent", 0);
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
