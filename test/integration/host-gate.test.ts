// The host gate's own promise, counted at the gate rather than at an origin: whatever
// mix of askers (batches, discovery reads, a late run's boost, a batch's own cap) asks
// at once, and whatever they report back (throttles with Retry-After, slots given up,
// redirect hops), the starts it hands out are never closer than Crawl-delay and the
// leases it holds never pass HOST_MAX_CONCURRENCY. The origin-side tests
// (pacing.test.ts, politeness.test.ts) see the same requests after workerd has sent
// them, which a busy isolate can delay; this one sees the gate's decisions themselves.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { GateAsker } from "../../lib/coordinator-protocol";
import type { PaceSample } from "../../lib/pace";
import { prng } from "../support/prng";
import { unique } from "./helpers";

/** HOST_MAX_CONCURRENCY in vitest.config.ts. */
const MAX_CONCURRENCY = 4;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Run {
  /** Every start the askers were allowed and took, epoch ms. */
  starts: number[];
  /** The most leases held at once when a grant came back (the new one included). */
  mostHeld: number;
  grants: number;
}

/**
 * Askers loop on one gate until `untilMs`, each acting as a consumer does: take the
 * grant, start at each slot it uses, maybe one redirect hop, then release with what the
 * origin "said" (a throttle now and then), giving up the slots it did not use.
 */
async function hammer(robotsText: string | null, askers: GateAsker[], untilMs: number, seed: number): Promise<Run> {
  const gate = env.HOST_GATE.getByName(unique("gate-origin"));
  const respectRobots = robotsText !== null;
  const robots = respectRobots ? { outcome: "parsed" as const, status: 200, text: robotsText, truncated: false } : null;
  const run: Run = { starts: [], mostHeld: 0, grants: 0 };
  const held = new Set<string>();
  const deadline = Date.now() + untilMs;
  const next = prng(seed);
  const loop = async (asker: GateAsker) => {
    while (Date.now() < deadline) {
      const count = 1 + Math.floor(next() * 6);
      let grant = await gate.acquire(count, respectRobots, null, asker);
      // As a consumer does: fetch robots.txt when the gate asks for it, and hand it over.
      if (grant.kind === "robots") grant = await gate.acquire(count, respectRobots, robots, asker);
      if (grant.kind === "robots") throw new Error("the gate asked for robots.txt twice");
      if (grant.kind === "wait") {
        await sleep(Math.min(grant.waitMs, 300));
        continue;
      }
      held.add(grant.lease);
      run.grants++;
      run.mostHeld = Math.max(run.mostHeld, held.size);
      const used = 1 + Math.floor(next() * grant.slots.length);
      const samples: PaceSample[] = [];
      for (const slot of grant.slots.slice(0, used)) {
        await sleep(Math.max(0, slot - Date.now()));
        run.starts.push(slot);
        const throttled = next() < 0.08;
        samples.push(
          throttled
            ? { latencyMs: 20, outcome: "throttled", status: 503, retryAfterMs: 300 }
            : { latencyMs: 5 + Math.floor(next() * 40), outcome: "ok" },
        );
      }
      if (next() < 0.2) {
        // A redirect hop to the same origin books one more start under the lease.
        const hop = await gate.extend(grant.lease, respectRobots);
        if (hop !== null) {
          await sleep(Math.max(0, hop - Date.now()));
          run.starts.push(hop);
        }
      }
      const throttle = samples.find((s) => s.outcome === "throttled");
      held.delete(grant.lease);
      await gate.release(
        grant.lease,
        {
          rateLimitedForMs: throttle ? (throttle.retryAfterMs ?? null) : null,
          samples,
          retries: throttle ? 1 : 0,
          unusedFrom: used < grant.slots.length ? (grant.slots[used] as number) : null,
        },
        asker.batch,
      );
    }
  };
  await Promise.all(askers.map(loop));
  run.starts.sort((a, b) => a - b);
  return run;
}

const gaps = (starts: number[]) => starts.slice(1).map((t, i) => t - (starts[i] as number));

const MIXED: GateAsker[] = [
  { batch: "large", priority: false, maxConcurrency: null },
  { batch: "large", priority: false, maxConcurrency: null },
  { batch: "large", priority: false, maxConcurrency: null },
  { batch: "small", priority: false, maxConcurrency: 1 },
  { batch: "late", priority: false, maxConcurrency: null, boost: 8 },
  { batch: "large", priority: true, maxConcurrency: null },
  { batch: null, priority: true, maxConcurrency: null },
];

describe("host gate", () => {
  it("never hands out starts closer than Crawl-delay, whoever asks and whatever they report", {
    timeout: 60_000,
  }, async () => {
    const run = await hammer("User-agent: *\nCrawl-delay: 0.25\n", MIXED, 5_000, 7);
    // Enough starts to mean something: 5 s at one start per 250 ms at best, throttles slow it.
    expect(run.starts.length).toBeGreaterThan(6);
    expect(Math.min(...gaps(run.starts))).toBeGreaterThanOrEqual(250);
    expect(run.mostHeld).toBeLessThanOrEqual(MAX_CONCURRENCY);
  });

  it("never holds more leases than HOST_MAX_CONCURRENCY on an unpaced origin, even with a boost", {
    timeout: 60_000,
  }, async () => {
    const askers = [...MIXED, ...MIXED];
    const run = await hammer(null, askers, 2_000, 11);
    expect(run.grants).toBeGreaterThan(10);
    // Fourteen askers at once reach the limit, and never pass it.
    expect(run.mostHeld).toBe(MAX_CONCURRENCY);
  });
});
