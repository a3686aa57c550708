import { checkFetchTarget } from "../lib/address-policy";
import type { ClaimEntry } from "../lib/coordinator-protocol";
import { unfetchedRecord } from "../lib/result-parts";
import { pageRetryDelay } from "../lib/retry-policy";
import {
  isAllowed,
  ROBOTS_MAX_BYTES,
  type RobotsRules,
  robotsUrlFor,
  rulesFromFailure,
  rulesFromResponse,
} from "../lib/robots";
import type { BatchOptions } from "../lib/schemas";
import { fetchAndExtract, type Previous, recordWithoutFetch, type UrlOutcome } from "./fetch-and-extract";
import { type FetchLimits, fetchPage } from "./fetcher";

export interface GroupContext {
  env: Env;
  options: BatchOptions;
  fetchLimits: FetchLimits;
  /** How far ahead the gate hands out start times; URLs beyond wait for a redelivery. */
  maxWaitMs: number;
  /** The invocation-wide limit on simultaneous outgoing connections. */
  limit: <R>(work: () => Promise<R>) => Promise<R>;
  /** The previous run's record of an entry, when the batch is a later run and has one worth a conditional request. */
  previousOf?: (entry: ClaimEntry) => Previous | null;
}

/** The origin (scheme, host, port) a URL's politeness is counted against, or null for a bad URL. */
export function originOf(url: string): string | null {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

/**
 * Settles one chunk's URLs of one origin: one gate call for the whole group (two
 * when robots.txt must be fetched), then the URLs one at a time at the start times the
 * gate handed out. URLs the gate cannot fit, or that follow a 429/503, are retried later.
 */
export async function fetchOriginGroup(
  origin: string,
  entries: ClaimEntry[],
  ctx: GroupContext,
): Promise<UrlOutcome[]> {
  // A destination the outbound gate refuses (a host name whose address nothing here
  // checks) ends its URLs now, before robots.txt is asked for on their behalf.
  const target = checkFetchTarget(origin, ctx.fetchLimits.allow);
  if (!target.ok)
    return entries.map((entry) => recordWithoutFetch(entry, "failed", target.error.code, target.error.message));
  const gate = ctx.env.HOST_GATE.getByName(origin);
  const respectRobots = ctx.options.respectRobots;
  let grant = await gate.acquire(entries.length, respectRobots, null);
  if (grant.kind === "robots") {
    const rules = await ctx.limit(() => fetchRobots(origin, ctx.fetchLimits));
    grant = await gate.acquire(entries.length, respectRobots, rules);
  }
  if (grant.kind !== "go") {
    const afterSeconds = grant.kind === "wait" ? Math.ceil(grant.waitMs / 1000) : 1;
    return entries.map(() => ({ kind: "retry", afterSeconds, fetched: false, rateLimited: false }));
  }

  const outcomes: UrlOutcome[] = [];
  let rateLimitedFor: number | null = null;
  try {
    for (const [i, entry] of entries.entries()) {
      const slot = grant.slots[i];
      if (slot === undefined || rateLimitedFor !== null) {
        // Not granted a start time, or the origin just asked us to back off.
        const afterSeconds = rateLimitedFor ?? Math.ceil(ctx.maxWaitMs / 1000);
        outcomes.push({ kind: "retry", afterSeconds, fetched: false, rateLimited: false });
        continue;
      }
      const { robots, robotsExpiresAt } = grant;
      const refused = respectRobots && robots ? judgeRobots({ robots, robotsExpiresAt }, entry, ctx) : null;
      if (refused) {
        outcomes.push(refused);
        continue;
      }
      const wait = slot - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const previous = ctx.previousOf?.(entry) ?? null;
      const outcome = await ctx.limit(() => fetchAndExtract(entry, ctx.options, ctx.fetchLimits, previous));
      if (outcome.kind === "retry" && outcome.rateLimited) rateLimitedFor = outcome.afterSeconds;
      outcomes.push(outcome);
    }
  } finally {
    await gate.release(grant.lease, { rateLimitedForMs: rateLimitedFor === null ? null : rateLimitedFor * 1000 });
  }
  return outcomes;
}

function judgeRobots(
  grant: { robots: RobotsRules; robotsExpiresAt: number },
  entry: ClaimEntry,
  ctx: GroupContext,
): UrlOutcome | null {
  const rules = grant.robots;
  if (rules.outcome === "unreachable") {
    // RFC 9309 says disallow everything while unreachable; a batch waits and asks again
    // (the retry lands after the gate's cached answer expires, so it re-asks robots.txt),
    // and what is still unreachable at the last attempt failed to be read, not forbade.
    const attempts = entry.attempts + 1;
    const backoff = pageRetryDelay(attempts, ctx.options.maxAttempts);
    if (backoff !== null) {
      const untilReask = Math.ceil((grant.robotsExpiresAt - Date.now()) / 1000);
      // Counted as an attempt, so a robots.txt that stays unreachable ends the URL.
      return {
        kind: "retry",
        afterSeconds: Math.max(backoff, untilReask),
        fetched: true,
        rateLimited: false,
      };
    }
    const message = `robots.txt unreachable (status ${rules.status}) after ${attempts} attempts`;
    // Each attempt asked (or waited on) robots.txt, so the record counts them all.
    const record = unfetchedRecord({ ...entry, attempts }, "failed", "robots_unreachable", message);
    return { kind: "terminal", record, fetched: true };
  }
  if (isAllowed(rules, entry.url, ctx.fetchLimits.userAgent)) return null;
  return recordWithoutFetch(entry, "skipped", "robots_disallowed", "robots.txt disallows this URL for our user agent");
}

/**
 * Fetches an origin's robots.txt: 2xx parsed (its first 500 KiB when longer), 4xx and
 * redirects that lead nowhere allow all, 5xx or no complete answer disallow all.
 */
export async function fetchRobots(origin: string, limits: FetchLimits): Promise<RobotsRules> {
  // A longer file is cut, not refused: its first rules still apply (RFC 9309 §2.5).
  const page = await fetchPage(robotsUrlFor(origin), { ...limits, maxBytes: ROBOTS_MAX_BYTES, truncate: true });
  if (page.ok) return rulesFromResponse(page.status, new TextDecoder().decode(page.body), page.truncated);
  return rulesFromFailure(page.code, page.status);
}
