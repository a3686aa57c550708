import type { ClaimEntry, GateLimits } from "../lib/coordinator-protocol";
import { backoffSeconds } from "../lib/retry-policy";
import {
  isAllowed,
  ROBOTS_MAX_BYTES,
  type RobotsRules,
  robotsUrlFor,
  rulesFromFailure,
  rulesFromResponse,
} from "../lib/robots";
import type { BatchOptions } from "../lib/schemas";
import { type FetchLimits, fetchPage } from "./fetcher";
import { endWithout, settleUrl, type Verdict } from "./settle-url";

export interface GroupContext {
  env: Env;
  options: BatchOptions;
  fetchLimits: FetchLimits;
  gateLimits: Omit<GateLimits, "respectRobots">;
  /** The invocation-wide limit on simultaneous outgoing connections. */
  limit: <R>(work: () => Promise<R>) => Promise<R>;
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
export async function settleOriginGroup(origin: string, entries: ClaimEntry[], ctx: GroupContext): Promise<Verdict[]> {
  const gate = ctx.env.HOST_GATE.get(ctx.env.HOST_GATE.idFromName(origin));
  const limits: GateLimits = { ...ctx.gateLimits, respectRobots: ctx.options.respectRobots };
  let grant = await gate.acquire(entries.length, limits, null);
  if (grant.kind === "robots") {
    const rules = await ctx.limit(() => fetchRobots(origin, ctx.fetchLimits));
    grant = await gate.acquire(entries.length, limits, rules);
  }
  if (grant.kind !== "go") {
    const afterSeconds = grant.kind === "wait" ? Math.ceil(grant.waitMs / 1000) : 1;
    return entries.map(() => ({ kind: "retry", afterSeconds, tried: false, rateLimited: false }));
  }

  const verdicts: Verdict[] = [];
  let rateLimitedFor: number | null = null;
  try {
    for (const [i, entry] of entries.entries()) {
      const slot = grant.slots[i];
      if (slot === undefined || rateLimitedFor !== null) {
        // Not granted a start time, or the origin just asked us to back off.
        const afterSeconds = rateLimitedFor ?? Math.ceil(ctx.gateLimits.maxWaitMs / 1000);
        verdicts.push({ kind: "retry", afterSeconds, tried: false, rateLimited: false });
        continue;
      }
      const robotsVerdict = ctx.options.respectRobots && grant.robots ? judgeRobots(grant.robots, entry, ctx) : null;
      if (robotsVerdict) {
        verdicts.push(robotsVerdict);
        continue;
      }
      const wait = slot - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const verdict = await ctx.limit(() => settleUrl(entry, ctx.options, ctx.fetchLimits));
      if (verdict.kind === "retry" && verdict.rateLimited) rateLimitedFor = verdict.afterSeconds;
      verdicts.push(verdict);
    }
  } finally {
    await gate.release(grant.lease, { rateLimitedForMs: rateLimitedFor === null ? null : rateLimitedFor * 1000 });
  }
  return verdicts;
}

function judgeRobots(rules: RobotsRules, entry: ClaimEntry, ctx: GroupContext): Verdict | null {
  if (rules.outcome === "unreachable") {
    // RFC 9309 says disallow everything; a batch waits and asks again before giving up.
    const attempts = entry.attempts + 1;
    if (attempts < ctx.options.maxAttempts) {
      return { kind: "retry", afterSeconds: backoffSeconds(attempts), tried: true, rateLimited: false };
    }
    return endWithout(entry, "skipped", "robots_disallowed", `robots.txt unreachable (status ${rules.status})`);
  }
  if (isAllowed(rules, entry.url, ctx.fetchLimits.userAgent)) return null;
  return endWithout(entry, "skipped", "robots_disallowed", "robots.txt disallows this URL for our user agent");
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
