// Reads one discovery source (a sitemap, sitemap index, feed or robots.txt) and hands
// what it finds to the batch's coordinator in slices, as the document streams by.

import type { FetchLimits } from "../fetch/fetcher";
import { fetchRobots, originOf, robotsVerdict, sleepUntil, withHostTurn } from "../fetch/polite-fetch";
import { openSource, SITEMAP_TIMEOUT_MS, TooLarge } from "../fetch/sitemap-fetch";
import { checkFetchTarget, checkTarget } from "../lib/address-policy";
import { crawlFilter } from "../lib/crawl";
import type { DiscoveredSlice, SourceClaim, SourceOutcome } from "../lib/discovery";
import { sitemapsOf } from "../lib/robots";
import { MAX_URL_LENGTH } from "../lib/schemas";
import { createSitemapParser, type FoundLink, TooComplex } from "../lib/sitemap-parser";
import { normalizeUrl } from "../lib/url-normalize";
import { type UrlFilter, urlFilter } from "../lib/url-patterns";
import { deliverStart, readPage, readsLinks } from "./crawl-page";

/** Links per slice handed to the coordinator: one RPC per thousand URLs, never one per URL. */
const SLICE = 1000;
/**
 * Characters parsed in one piece, and between two yields to the event loop (a few
 * milliseconds of parsing): a document arriving in large pieces (a decompressed chunk)
 * still lets the isolate's other requests run, and a small one costs no extra turns.
 */
const PARSE_SLICE = 64 * 1024;
const YIELD_EVERY = 1024 * 1024;
/**
 * Turns of "wait" from the host gate a reading sits through before it is retried later:
 * behind fetches in flight each is short (the gate's PRIORITY_WAIT_MS), so a few seconds in all.
 */
const MAX_GATE_WAITS = 40;

type Work = Extract<SourceClaim, { kind: "work" }>;

export interface SourceContext {
  env: Env;
  fetchLimits: FetchLimits;
  /** Hands a slice to the coordinator; `stop` ends the reading early (cap reached, lease lost, cancelled). */
  deliver: (slice: DiscoveredSlice) => Promise<{ stop: boolean }>;
}

/** Reads the claimed source to its end (or its first failure); the URLs delivered before a failure stay. */
export async function readSource(claim: Work, ctx: SourceContext): Promise<SourceOutcome> {
  // A destination the outbound gate refuses ends here, before its robots.txt is asked for.
  const target = checkFetchTarget(claim.source.url, ctx.fetchLimits.allow);
  if (!target.ok) return { ok: false, code: target.error.code, message: target.error.message, transient: false };
  if (claim.source.kind === "robots") return readRobots(claim, ctx);
  if (claim.source.kind === "page") {
    if (claim.source.depth === 0) await deliverStart(claim, ctx);
    if (!claim.crawl || !readsLinks(claim.source.depth, claim.crawl.rules)) return { ok: true };
  }
  const origin = originOf(claim.source.url);
  if (origin === null) return { ok: false, code: "invalid_url", message: "not a URL", transient: false };
  // Through the origin's gate, as pages are: its robots.txt, its pace and its concurrency.
  // One document, read now: a few of the gate's waits are sat out before it is retried later.
  const turn = await withHostTurn(
    origin,
    1,
    {
      env: ctx.env,
      fetchLimits: ctx.fetchLimits,
      respectRobots: claim.respectRobots,
      maxWaits: MAX_GATE_WAITS,
      // Discovery feeds every page chunk after it: it goes before queued ones.
      asker: { batch: null, priority: true, maxConcurrency: null },
    },
    async (grant): Promise<SourceOutcome> => {
      const verdict = robotsVerdict(grant, claim.respectRobots, claim.source.url, ctx.fetchLimits.userAgent);
      if (verdict.kind === "unreachable") {
        // Not a refusal: asked again with the source's next reading, and named apart if it stays so.
        const message = `robots.txt unreachable (status ${verdict.status})`;
        return { ok: false, code: "robots_unreachable", message, transient: true };
      }
      if (verdict.kind === "disallowed") {
        const message = `robots.txt disallows this ${claim.source.kind === "page" ? "page" : "sitemap"} for our user agent`;
        return { ok: false, code: "robots_disallowed", message, transient: false };
      }
      await sleepUntil(grant.slots[0] ?? 0);
      return claim.source.kind === "page" ? readPage(claim, ctx) : readDocument(claim, ctx);
    },
  );
  if (turn.kind === "refused") return { ok: false, code: turn.code, message: turn.message, transient: false };
  if (turn.kind === "busy") {
    return { ok: false, code: "rate_limited", message: "the origin's gate stayed busy", transient: true };
  }
  return turn.value;
}

/** A robots.txt source: its `Sitemap:` lines become sources of their own. */
async function readRobots(claim: Work, ctx: SourceContext): Promise<SourceOutcome> {
  const rules = await fetchRobots(claim.source.url, ctx.fetchLimits);
  if (rules.outcome === "unreachable") {
    return {
      ok: false,
      code: "network_error",
      message: `robots.txt unreachable (status ${rules.status})`,
      transient: true,
    };
  }
  const sitemaps = sitemapsOf(rules).map((url) => normalized(url) ?? url);
  if (sitemaps.length === 0) {
    return { ok: false, code: "no_sitemaps", message: "robots.txt lists no Sitemap", transient: false };
  }
  for (let i = 0; i < sitemaps.length; i += SLICE) {
    const { stop } = await ctx.deliver({ urls: [], sitemaps: sitemaps.slice(i, i + SLICE), invalid: 0, filtered: 0 });
    if (stop) break;
  }
  return { ok: true };
}

/** A sitemap, index or feed: parsed as it streams in, delivered a slice at a time. */
async function readDocument(claim: Work, ctx: SourceContext): Promise<SourceOutcome> {
  const signal = AbortSignal.timeout(SITEMAP_TIMEOUT_MS);
  const opened = await openSource(claim.source.url, ctx.fetchLimits, signal);
  if (!opened.ok) return opened;
  const filter = crawlAware(urlFilter(claim.include, claim.exclude), claim);
  let links: FoundLink[] = [];
  const parser = createSitemapParser((link) => links.push(link));
  const flush = async (): Promise<boolean> => {
    const slice = toSlice(links, filter, ctx.fetchLimits);
    links = [];
    if (slice.urls.length + slice.sitemaps.length + slice.invalid + slice.filtered === 0) return false;
    return (await ctx.deliver(slice)).stop;
  };
  const reader = opened.body.pipeThrough(new TextDecoderStream()).getReader();
  let sinceYield = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      for (let at = 0; at < value.length; at += PARSE_SLICE) {
        const piece = value.slice(at, at + PARSE_SLICE);
        parser.write(piece);
        sinceYield += piece.length;
        if (sinceYield >= YIELD_EVERY) {
          sinceYield = 0;
          await yieldToEventLoop();
        }
      }
      if (links.length >= SLICE && (await flush())) {
        await reader.cancel().catch(() => {});
        return { ok: true };
      }
    }
  } catch (error) {
    await flush();
    await reader.cancel().catch(() => {});
    if (error instanceof TooLarge) return { ok: false, code: "too_large", message: error.message, transient: false };
    if (error instanceof TooComplex)
      return { ok: false, code: "too_complex", message: error.message, transient: false };
    if (signal.aborted) return { ok: false, code: "timeout", message: "not read whole in time", transient: true };
    const message = error instanceof Error ? error.message.slice(0, 300) : String(error);
    return opened.gzipped
      ? { ok: false, code: "decoding_failed", message: `gzip: ${message}`, transient: false }
      : { ok: false, code: "network_error", message, transient: true };
  }
  let root: ReturnType<typeof parser.end>;
  try {
    root = parser.end();
  } catch (error) {
    await flush();
    if (error instanceof TooComplex)
      return { ok: false, code: "too_complex", message: error.message, transient: false };
    throw error;
  }
  await flush();
  if (root === null) {
    const message = "not a sitemap, sitemap index, RSS or Atom feed (unknown root element)";
    return { ok: false, code: "not_a_sitemap", message, transient: false };
  }
  return { ok: true };
}

/** A crawl's sitemap URLs pass its rules (paths, hosts) as well as the plan's include/exclude. */
function crawlAware(filter: UrlFilter, claim: Work): UrlFilter {
  const crawl = claim.crawl;
  if (!crawl) return filter;
  const rules = crawlFilter(crawl.rules, crawl.start);
  return { accepts: (url) => filter.accepts(url) && rules.take(url, url) !== null };
}

/** Checks and normalises a slice of links: pages through the address policy and the filter, child sitemaps as found. */
function toSlice(links: FoundLink[], filter: UrlFilter, limits: FetchLimits): DiscoveredSlice {
  const slice: DiscoveredSlice = { urls: [], sitemaps: [], invalid: 0, filtered: 0 };
  for (const link of links) {
    if (link.kind === "sitemap") {
      slice.sitemaps.push(normalized(link.url) ?? link.url.slice(0, MAX_URL_LENGTH));
      continue;
    }
    const check = link.url.length <= MAX_URL_LENGTH ? checkTarget(link.url, limits.allow) : null;
    if (!check?.ok) slice.invalid++;
    else {
      const norm = normalizeUrl(check.value);
      if (filter.accepts(norm)) slice.urls.push({ url: link.url, norm });
      else slice.filtered++;
    }
  }
  return slice;
}

/** A source URL in the form sources are deduplicated by; null when it is not a URL at all. */
function normalized(url: string): string | null {
  try {
    return normalizeUrl(new URL(url.trim()));
  } catch {
    return null;
  }
}

/** Lets the isolate's other requests run (a timer, not a microtask, so they really get a turn). */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
