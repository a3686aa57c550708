// A redirect hop is a request like any other, as Scrapy's redirect middleware sends each
// hop back through the scheduler: it keeps its origin's pace and obeys its robots.txt.
// A hop to the granted origin takes one more start time under the grant's lease; a hop
// to another origin takes a turn at that origin's own gate.
import { LATE_SHARE } from "../lib/pace";
import { fail } from "../lib/result";
import type { HopSent, HopTurn } from "./follow-redirects";
import type { GroupContext } from "./origin-group";
import { type GoGrant, robotsVerdict, sleepUntil, withHostTurn } from "./polite-fetch";

/** Waits a hop sits out at another origin's gate, and for how long in all, before its URL is retried later. */
const HOP_GATE_WAITS = 5;
const HOP_WAIT_BUDGET_MS = 5000;
/** Start times a same-origin hop books before its URL is retried later (each lapses only on a late wake). */
const HOP_TRIES = 3;

/**
 * The hop turns of URLs fetched under `grant` at `origin`. `onBooked` is told when a hop
 * took a start time after the grant's own: the grant's later slots have then lapsed.
 */
export function redirectTurns(origin: string, grant: GoGrant, ctx: GroupContext, onBooked: () => void): HopTurn {
  const { respectRobots } = ctx.options;
  const userAgent = ctx.fetchLimits.userAgent;
  return async (target, send) => {
    if (target.origin === origin) {
      const refused = refusal(robotsVerdict(grant, respectRobots, target.href, userAgent), target);
      if (refused) return refused;
      if (!grant.intervalMs) return send();
      const gate = ctx.env.HOST_GATE.getByName(origin);
      for (let tries = 0; tries < HOP_TRIES; tries++) {
        const slot = await gate.extend(grant.lease, respectRobots);
        if (slot === null) break;
        onBooked();
        if (await startedInTime(slot, grant.intervalMs)) return send();
      }
      return fail("network_error", `redirect to ${target.href} not sent: no start in time on its origin`);
    }
    const turn = await withHostTurn(
      target.origin,
      1,
      {
        env: ctx.env,
        fetchLimits: ctx.fetchLimits,
        respectRobots,
        maxWaits: HOP_GATE_WAITS,
        waitBudgetMs: HOP_WAIT_BUDGET_MS,
        asker: ctx.asker,
        onPace: (pace) => ctx.onPace?.(target.origin, pace),
      },
      async (hopGrant): Promise<HopSent> => {
        const refused = refusal(robotsVerdict(hopGrant, respectRobots, target.href, userAgent), target);
        if (refused) return refused;
        const slot = hopGrant.slots[0] ?? Date.now();
        if (await startedInTime(slot, hopGrant.intervalMs ?? 0)) return send();
        return fail("network_error", `redirect to ${target.href} not sent: its start came too late`);
      },
    );
    if (turn.kind === "done") return turn.value;
    if (turn.kind === "refused") return fail(turn.code, turn.message);
    // Busy: the URL is tried again later, from its first request.
    return fail("network_error", `redirect to ${target.href} not sent: ${target.origin} is at its pace`);
  };
}

/**
 * Sleeps until `slot`; false when the isolate woke too late to keep the pace (as
 * origin-group.ts gives such a slot up): the slot after it may be another's.
 */
async function startedInTime(slot: number, intervalMs: number): Promise<boolean> {
  await sleepUntil(slot);
  return Date.now() - slot <= (intervalMs * LATE_SHARE) / (1 + LATE_SHARE) || intervalMs === 0;
}

/** The walk's end when robots.txt keeps the hop's URL from us, or null when it may go. */
function refusal(verdict: ReturnType<typeof robotsVerdict>, target: URL): HopSent | null {
  if (verdict.kind === "disallowed") {
    return fail("robots_disallowed", `redirect to ${target.href}, which robots.txt disallows`);
  }
  if (verdict.kind === "unreachable") {
    return fail("robots_unreachable", `redirect to ${target.href}: robots.txt of ${target.origin} unreachable`);
  }
  return null;
}
