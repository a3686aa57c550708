import type { ClaimEntry, GateAsker, GateRelease, PaceNow } from "../lib/coordinator-protocol";
import { LATE_SHARE, type PaceSample } from "../lib/pace";
import { unfetchedRecord } from "../lib/result-parts";
import { pageRetryDelay } from "../lib/retry-policy";
import type { BatchOptions } from "../lib/schemas";
import type { DocumentBudget } from "./document-budget";
import {
  fetchAndExtract,
  type PageSource,
  type Previous,
  recordWithoutFetch,
  type UrlOutcome,
} from "./fetch-and-extract";
import type { FetchLimits } from "./fetcher";
import type { ChunkRecords } from "./held-records";
import { type GoGrant, robotsVerdict, sleepUntil, withHostTurn } from "./polite-fetch";
import { redirectTurns } from "./redirect-turns";

/** A URL left for a later delivery while the isolate's held records are at their limit: no attempt counted. */
const HELD_BACK: UrlOutcome = { kind: "retry", afterSeconds: 1, fetched: false, rateLimited: false };

/** How long one chunk's group keeps asking its origin's gate for more turns before the rest go back to the queue. */
const GROUP_BUDGET_MS = 4000;

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
  /** The time this delivery's documents may still take (workers/consumer.ts); none: no limit across documents. */
  documentBudget?: DocumentBudget;
  /** The chunk's share of the records its isolate holds (fetch/held-records.ts); none: no limit. */
  heldRecords?: ChunkRecords;
  /** Where pages come from and bodies are kept (default: the origin, nothing kept). */
  pages?: PageSource;
  /** Who asks the origin's gate: the batch (its fair share and `maxConcurrency`) or a priority scrape. */
  asker?: GateAsker;
  /** Told each origin's latest pace and why (the consumer's report carries it to the batch's status). */
  onPace?: (origin: string, pace: PaceNow) => void;
}

/**
 * Settles one chunk's URLs of one origin: turns at the origin's gate, each for the URLs
 * still unfetched, the URLs one at a time at the start times it hands out, until all are
 * done or `maxWaitMs` has passed. URLs the gate cannot fit by then, or that follow a
 * 429/503, are retried later.
 */
export async function fetchOriginGroup(
  origin: string,
  entries: ClaimEntry[],
  ctx: GroupContext,
): Promise<UrlOutcome[]> {
  const respectRobots = ctx.options.respectRobots;
  // Turns are asked for while this lasts; the queue's delivery is held meanwhile (locally,
  // deliveries run one after another), so what waits longer goes back to the queue.
  const deadline = Date.now() + Math.min(ctx.maxWaitMs, GROUP_BUDGET_MS);
  const outcomes: Array<UrlOutcome | null> = entries.map(() => null);
  const retryRest = (afterSeconds: number) => {
    for (const [i, outcome] of outcomes.entries())
      if (outcome === null) outcomes[i] = { kind: "retry", afterSeconds, fetched: false, rateLimited: false };
  };
  for (;;) {
    const rest = [...outcomes.keys()].filter((i) => outcomes[i] === null);
    if (rest.length === 0) break;
    if (Date.now() >= deadline) {
      retryRest(1);
      break;
    }
    const turn = await withHostTurn(
      origin,
      rest.length,
      {
        env: ctx.env,
        fetchLimits: ctx.fetchLimits,
        respectRobots,
        maxWaits: 0,
        limit: ctx.limit,
        asker: ctx.asker,
        onPace: (pace) => ctx.onPace?.(origin, pace),
      },
      (grant, feedback) =>
        fetchGranted(
          origin,
          grant,
          feedback,
          rest.map((i) => entries[i] as ClaimEntry),
          ctx,
        ),
    );
    // A destination the outbound gate refuses (a host name whose address nothing here
    // checks) ends its URLs now, before robots.txt is asked for on their behalf.
    if (turn.kind === "refused") {
      for (const i of rest)
        outcomes[i] = recordWithoutFetch(entries[i] as ClaimEntry, "failed", turn.code, turn.message);
      break;
    }
    if (turn.kind === "busy") {
      // The gate's wait is sat out here while it ends before the deadline; past it, the queue retries.
      if (turn.waitMs !== null && Date.now() + turn.waitMs < deadline) {
        await sleepUntil(Date.now() + turn.waitMs);
        continue;
      }
      retryRest(turn.waitMs === null ? 1 : Math.ceil(turn.waitMs / 1000));
      break;
    }
    for (const [k, i] of rest.entries()) outcomes[i] = turn.value[k] ?? null;
  }
  return outcomes.map((outcome) => outcome ?? { kind: "retry", afterSeconds: 1, fetched: false, rateLimited: false });
}

/**
 * The group's URLs under a granted lease, each at its start time: null for a URL the
 * grant gave no start time (asked for in the next turn); after a 429/503 the rest go
 * back to the queue. What each request met is fed back to the gate's pace.
 */
async function fetchGranted(
  origin: string,
  grant: GoGrant,
  feedback: GateRelease,
  entries: ClaimEntry[],
  ctx: GroupContext,
): Promise<Array<UrlOutcome | null>> {
  const outcomes: Array<UrlOutcome | null> = [];
  let rateLimitedFor: number | null = null;
  // Once a redirect hop has booked a start after the grant's slots, those slots have
  // lapsed: none is handed back, since the hop went out after them.
  let hopBooked = false;
  const limits = { ...budgeted(ctx), hopTurn: redirectTurns(origin, grant, ctx, () => (hopBooked = true)) };
  for (const [i, entry] of entries.entries()) {
    const slot = grant.slots[i];
    if (rateLimitedFor !== null) {
      // The origin just asked us to back off.
      outcomes.push({ kind: "retry", afterSeconds: rateLimitedFor, fetched: false, rateLimited: false });
      continue;
    }
    if (slot === undefined) {
      outcomes.push(null);
      continue;
    }
    const refused = judgeRobots(grant, entry, ctx);
    if (refused) {
      outcomes.push(refused);
      continue;
    }
    if (ctx.heldRecords?.full()) {
      // The isolate holds as many records as it can: the rest wait for a later delivery, uncounted.
      if (!hopBooked) feedback.unusedFrom = slot;
      outcomes.push(...entries.slice(i).map(() => HELD_BACK));
      break;
    }
    await sleepUntil(slot);
    const previous = ctx.previousOf?.(entry) ?? null;
    // The grant's slots are LATE_SHARE wider than the pace: this much late still keeps it.
    const lateBy = ((grant.intervalMs ?? 0) * LATE_SHARE) / (1 + LATE_SHARE);
    let began = 0;
    const outcome = await ctx.limit(async () => {
      began = Date.now();
      // Started late (the connection limit, a busy isolate), the gap to the next slot,
      // perhaps another consumer's, would be shorter than the pace: the slot is given up.
      if (lateBy > 0 && began - slot > lateBy) return null;
      return fetchAndExtract(entry, ctx.options, limits, previous, ctx.pages, ctx.documentBudget ?? null);
    });
    if (outcome === null) {
      if (!hopBooked) feedback.unusedFrom = slot;
      outcomes.push(...entries.slice(i).map(() => null));
      break;
    }
    if (outcome.kind === "terminal") ctx.heldRecords?.hold(outcome.record);
    feedback.samples?.push(sampleOf(outcome, Date.now() - began));
    if (outcome.kind === "retry" && outcome.fetched) feedback.retries = (feedback.retries ?? 0) + 1;
    if (outcome.kind === "retry" && outcome.rateLimited) {
      rateLimitedFor = outcome.afterSeconds;
      feedback.rateLimitedForMs = rateLimitedFor * 1000;
    }
    outcomes.push(outcome);
  }
  return outcomes;
}

/** What one request tells the pace: its latency (the exchange, not the extraction) and whether the origin struggled. */
function sampleOf(outcome: UrlOutcome, elapsedMs: number): PaceSample {
  if (outcome.kind === "retry") {
    const code = outcome.cause?.code;
    if (outcome.rateLimited) {
      const status = outcome.cause?.status ?? 429;
      return { latencyMs: elapsedMs, outcome: "throttled", status, retryAfterMs: outcome.afterSeconds * 1000 };
    }
    return { latencyMs: elapsedMs, outcome: code === "timeout" ? "timeout" : "error" };
  }
  const latencyMs = outcome.record.durationMs ?? elapsedMs;
  const code = outcome.record.error?.code;
  if (code === "timeout") return { latencyMs, outcome: "timeout" };
  return { latencyMs, outcome: "ok" };
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
