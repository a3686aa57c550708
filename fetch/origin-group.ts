import type { ClaimEntry, GateRelease } from "../lib/coordinator-protocol";
import { unfetchedRecord } from "../lib/result-parts";
import { pageRetryDelay } from "../lib/retry-policy";
import type { BatchOptions } from "../lib/schemas";
import { fetchAndExtract, type Previous, recordWithoutFetch, type UrlOutcome } from "./fetch-and-extract";
import type { FetchLimits } from "./fetcher";
import { type GoGrant, robotsVerdict, sleepUntil, withHostTurn } from "./polite-fetch";

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

/**
 * Settles one chunk's URLs of one origin: one turn at the origin's gate for the whole
 * group, then the URLs one at a time at the start times it handed out. URLs the gate
 * cannot fit, or that follow a 429/503, are retried later.
 */
export async function fetchOriginGroup(
  origin: string,
  entries: ClaimEntry[],
  ctx: GroupContext,
): Promise<UrlOutcome[]> {
  const respectRobots = ctx.options.respectRobots;
  // A chunk never sits out the gate's waits: its URLs go back to the queue instead.
  const turn = await withHostTurn(
    origin,
    entries.length,
    { env: ctx.env, fetchLimits: ctx.fetchLimits, respectRobots, maxWaits: 0, limit: ctx.limit },
    (grant, feedback) => fetchGranted(grant, feedback, entries, ctx),
  );
  // A destination the outbound gate refuses (a host name whose address nothing here
  // checks) ends its URLs now, before robots.txt is asked for on their behalf.
  if (turn.kind === "refused")
    return entries.map((entry) => recordWithoutFetch(entry, "failed", turn.code, turn.message));
  if (turn.kind === "busy") {
    const afterSeconds = turn.waitMs === null ? 1 : Math.ceil(turn.waitMs / 1000);
    return entries.map(() => ({ kind: "retry", afterSeconds, fetched: false, rateLimited: false }));
  }
  return turn.value;
}

/** The group's URLs under a granted lease, each at its start time; a 429/503 sends the rest back to the queue. */
async function fetchGranted(
  grant: GoGrant,
  feedback: GateRelease,
  entries: ClaimEntry[],
  ctx: GroupContext,
): Promise<UrlOutcome[]> {
  const outcomes: UrlOutcome[] = [];
  let rateLimitedFor: number | null = null;
  for (const [i, entry] of entries.entries()) {
    const slot = grant.slots[i];
    if (slot === undefined || rateLimitedFor !== null) {
      // Not granted a start time, or the origin just asked us to back off.
      const afterSeconds = rateLimitedFor ?? Math.ceil(ctx.maxWaitMs / 1000);
      outcomes.push({ kind: "retry", afterSeconds, fetched: false, rateLimited: false });
      continue;
    }
    const refused = judgeRobots(grant, entry, ctx);
    if (refused) {
      outcomes.push(refused);
      continue;
    }
    await sleepUntil(slot);
    const previous = ctx.previousOf?.(entry) ?? null;
    const outcome = await ctx.limit(() => fetchAndExtract(entry, ctx.options, budgeted(ctx), previous));
    if (outcome.kind === "retry" && outcome.rateLimited) {
      rateLimitedFor = outcome.afterSeconds;
      feedback.rateLimitedForMs = rateLimitedFor * 1000;
    }
    outcomes.push(outcome);
  }
  return outcomes;
}

/** The fetch limits with the batch's own per-URL budget (`timeoutMs`), never past the deployment's. */
function budgeted(ctx: GroupContext): FetchLimits {
  const asked = ctx.options.timeoutMs;
  return asked === undefined
    ? ctx.fetchLimits
    : { ...ctx.fetchLimits, timeoutMs: Math.min(asked, ctx.fetchLimits.timeoutMs) };
}

/** A page's robots.txt rule: pages retry an unreachable robots.txt, then end `robots_unreachable`. */
function judgeRobots(grant: GoGrant, entry: ClaimEntry, ctx: GroupContext): UrlOutcome | null {
  const verdict = robotsVerdict(grant, ctx.options.respectRobots, entry.url, ctx.fetchLimits.userAgent);
  if (verdict.kind === "unreachable") {
    // RFC 9309 says disallow everything while unreachable; a batch waits and asks again
    // (the retry lands after the gate's cached answer expires, so it re-asks robots.txt),
    // and what is still unreachable at the last attempt failed to be read, not forbade.
    const attempts = entry.attempts + 1;
    const backoff = pageRetryDelay(attempts, ctx.options.maxAttempts);
    if (backoff !== null) {
      const untilReask = Math.ceil((verdict.reaskAt - Date.now()) / 1000);
      // Counted as an attempt, so a robots.txt that stays unreachable ends the URL.
      return {
        kind: "retry",
        afterSeconds: Math.max(backoff, untilReask),
        fetched: true,
        rateLimited: false,
      };
    }
    const message = `robots.txt unreachable (status ${verdict.status}) after ${attempts} attempts`;
    // Each attempt asked (or waited on) robots.txt, so the record counts them all.
    const record = unfetchedRecord({ ...entry, attempts }, "failed", "robots_unreachable", message);
    return { kind: "terminal", record, fetched: true };
  }
  if (verdict.kind === "allowed") return null;
  return recordWithoutFetch(entry, "skipped", "robots_disallowed", "robots.txt disallows this URL for our user agent");
}
