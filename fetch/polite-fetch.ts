// The one client of the HostGate protocol: every read of an origin's pages, sitemaps or
// feeds (the consumer's chunks, discovery, the single scrape) takes its turn here, as
// every Scrapy request passes one downloader slot and one robots middleware.
import { checkFetchTarget, type TargetCheck } from "../lib/address-policy";
import type { GateAsker, GateGrant, GateRelease, PaceNow } from "../lib/coordinator-protocol";
import {
  isAllowed,
  ROBOTS_MAX_BYTES,
  type RobotsRules,
  robotsUrlFor,
  rulesFromFailure,
  rulesFromResponse,
} from "../lib/robots";
import { type FetchLimits, fetchPage } from "./fetcher";

/** A grant to start fetching: a lease, one start time per URL it covers, and the origin's robots.txt. */
export type GoGrant = Extract<GateGrant, { kind: "go" }>;

export interface TurnContext {
  env: Pick<Env, "HOST_GATE">;
  fetchLimits: FetchLimits;
  /** The batch's choice: whether robots.txt is fetched and obeyed. */
  respectRobots: boolean;
  /**
   * Turns of `wait` sat out here before the turn is given up as busy: 0 for a chunk's
   * pages (retried later by the queue), a few for a sitemap (one document, read now).
   */
  maxWaits: number;
  /** Waits are sat out only while they end within this many ms of the first ask (default: no bound). */
  waitBudgetMs?: number;
  /** The invocation-wide limit on simultaneous outgoing connections, when the caller keeps one. */
  limit?: <R>(work: () => Promise<R>) => Promise<R>;
  /** Who asks (batch, priority, the batch's own cap); a page chunk of no named batch when absent. */
  asker?: GateAsker;
  /** Told the origin's pace and why, whenever the gate says it (a wait, a grant, a release). */
  onPace?: (pace: PaceNow) => void;
}

export type HostTurn<T> =
  /** The outbound gate refuses the origin: nothing was asked of it, robots.txt included. */
  | { kind: "refused"; code: Extract<TargetCheck, { ok: false }>["error"]["code"]; message: string }
  /** The gate could not fit us in: try again after `waitMs` (null when it gave no time). */
  | { kind: "busy"; waitMs: number | null }
  | { kind: "done"; value: T };

/**
 * One turn at an origin: the address policy, then the gate (acquire; when it asks for
 * robots.txt, fetch it and acquire again; sit out up to `maxWaits` waits), then `work`
 * under the granted lease, which is released whatever `work` does, with the feedback
 * `work` set (the Retry-After a 429/503 asked for slows the origin down).
 */
export async function withHostTurn<T>(
  origin: string,
  count: number,
  ctx: TurnContext,
  work: (grant: GoGrant, feedback: GateRelease) => Promise<T>,
): Promise<HostTurn<T>> {
  const target = checkFetchTarget(origin, ctx.fetchLimits.allow);
  if (!target.ok) return { kind: "refused", code: target.error.code, message: target.error.message };
  const gate = ctx.env.HOST_GATE.getByName(origin);
  const run = ctx.limit ?? (<R>(job: () => Promise<R>) => job());
  const asker = ctx.asker;
  const waitDeadline = Date.now() + (ctx.waitBudgetMs ?? Number.POSITIVE_INFINITY);
  let grant = await gate.acquire(count, ctx.respectRobots, null, asker);
  let robotsJustGiven = false;
  for (let waits = 0; grant.kind !== "go"; ) {
    if (grant.kind === "robots" && !robotsJustGiven) {
      // Fetched once per ask: a gate asking again for what it was just given is busy.
      const rules = await run(() => fetchRobots(origin, ctx.fetchLimits));
      grant = await gate.acquire(count, ctx.respectRobots, rules, asker);
      robotsJustGiven = true;
      continue;
    }
    if (grant.kind === "wait") ctx.onPace?.(grant);
    else ctx.onPace?.({ reason: "robots_pending", pace: null });
    if (grant.kind !== "wait" || waits >= ctx.maxWaits || Date.now() + grant.waitMs > waitDeadline) {
      return { kind: "busy", waitMs: grant.kind === "wait" ? grant.waitMs : null };
    }
    waits++;
    await sleepUntil(Date.now() + grant.waitMs);
    grant = await gate.acquire(count, ctx.respectRobots, null, asker);
    robotsJustGiven = false;
  }
  const feedback: GateRelease = { rateLimitedForMs: null, samples: [], retries: 0 };
  try {
    return { kind: "done", value: await work(grant, feedback) };
  } finally {
    ctx.onPace?.(await gate.release(grant.lease, feedback, asker?.batch ?? null));
  }
}

/** The origin (scheme, host, port) a URL's politeness is counted against, or null for a bad URL. */
export function originOf(url: string): string | null {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

/** What the origin's robots.txt, as the grant carries it, says of `url`. */
export type RobotsVerdict =
  | { kind: "allowed" }
  | { kind: "disallowed" }
  /** RFC 9309: disallowed everywhere while unreachable; the gate asks again at `reaskAt`. */
  | { kind: "unreachable"; status: number; reaskAt: number };

/** Judges `url` by the grant's robots.txt; everything is allowed when the batch does not respect robots. */
export function robotsVerdict(grant: GoGrant, respectRobots: boolean, url: string, userAgent: string): RobotsVerdict {
  const rules = grant.robots;
  if (!respectRobots || !rules) return { kind: "allowed" };
  if (rules.outcome === "unreachable") {
    return { kind: "unreachable", status: rules.status, reaskAt: grant.robotsExpiresAt };
  }
  return isAllowed(rules, url, userAgent) ? { kind: "allowed" } : { kind: "disallowed" };
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

/** Sleeps until the epoch ms `at` (a granted start slot); returns at once when it has passed. */
export function sleepUntil(at: number): Promise<void> {
  const ms = at - Date.now();
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}
