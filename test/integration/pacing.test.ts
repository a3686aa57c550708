// Adaptive pacing, fair shares and the per-host view, counted at real local origins
// (test/support/pace-routes.ts): each request's start, end and the requests in flight
// are the origin's own timestamps. The integration env allows 4 fetches at once per
// origin and no minimum interval (vitest.config.ts); the paced origin's robots.txt
// says Crawl-delay: 0.25.
import { describe, expect, it } from "vitest";
import type { HostEntry } from "../../lib/host-view";
import type { BatchBody } from "./helpers";
import {
  api,
  expectViewsAgree,
  json,
  ORIGIN,
  originRequests,
  PACED_ORIGIN,
  submit,
  unique,
  waitForPublished,
} from "./helpers";

interface Seen {
  at: number;
  end: number | null;
  inFlight: number;
  status: number;
}

const MAX_CONCURRENCY = 4;

async function paceLog(origin: string, run: string): Promise<Seen[]> {
  return json<Seen[]>(await fetch(`${origin}/pace/${run}/log`));
}

async function hosts(id: string): Promise<HostEntry[]> {
  const response = await api(`/v1/batches/${id}/hosts`);
  expect(response.status).toBe(200);
  return (await json<{ hosts: HostEntry[] }>(response)).hosts;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("adaptive pace", () => {
  it("slows down on 503 with Retry-After, recovers in steps, never passes the configured concurrency", async () => {
    const run = unique("adapt");
    // 20 quick answers, then 8 × 503 (Retry-After: 1), then quick answers again.
    const phases = "20:ok-30,8:503-1,999:ok-30";
    const urls = Array.from({ length: 60 }, (_, i) => `${ORIGIN}/pace/${run}/${phases}/${i}`);
    const created = await submit(urls, { maxAttempts: 10 });

    // While it runs, the hosts view explains the throttle.
    let throttled: HostEntry | null = null;
    for (let i = 0; i < 400 && !throttled; i++) {
      const [host] = await hosts(created.id);
      if (host?.lastThrottle) throttled = host;
      else await sleep(50);
    }
    expect(throttled).toMatchObject({ origin: ORIGIN, lastThrottle: { status: 503 } });
    expect(["throttled_503", "retry_after"]).toContain(throttled?.reason);
    expect(throttled?.concurrency).toBeLessThan(MAX_CONCURRENCY);

    const done = await waitForPublished(created.id, undefined, 90_000);
    expect(done.counts).toMatchObject({ total: 60, succeeded: 60, failed: 0 });
    await expectViewsAgree(created.id);

    const log = await paceLog(ORIGIN, run);
    // The configured maximum is a maximum, whatever the pace does.
    expect(Math.max(...log.map((r) => r.inFlight))).toBeLessThanOrEqual(MAX_CONCURRENCY);
    const throttles = log.filter((r) => r.status === 503);
    expect(throttles).toHaveLength(8);
    const first = throttles[0] as Seen;
    const last = throttles.at(-1) as Seen;
    // Retry-After is a floor: besides the requests of leases already under way (each stops
    // at its own 503), nothing starts within the second the origin asked for.
    const during = log.filter((r) => r.at > (first.end ?? first.at) && r.at < (first.end ?? first.at) + 950);
    expect(during.filter((r) => r.status === 200)).toHaveLength(0);
    // Slower after the throttles: the first requests after the last 503 are at least the throttle floor apart.
    const after = log.filter((r) => r.at > (last.end ?? last.at));
    expect(after.length).toBeGreaterThan(5);
    const gap = (i: number) => (after[i + 1]?.at ?? 0) - (after[i]?.at ?? 0);
    expect(gap(0)).toBeGreaterThanOrEqual(240);
    // … and back at the configured pace (no interval) within a bounded time, in steps.
    const recovered = after.findIndex((_, i) => i + 1 < after.length && gap(i) < 100);
    expect(recovered).toBeGreaterThan(0);
    expect((after[recovered]?.at ?? 0) - (last.end ?? last.at)).toBeLessThan(20_000);
    // The view ends with the batch's counts there and the retries the 503s caused.
    const [host] = await hosts(created.id);
    expect(host).toMatchObject({ origin: ORIGIN, done: 60, pending: 0, retries: 8 });
    expect(host?.latencyP50Ms).not.toBeNull();
  }, 120_000);

  // The origin stamps each start when a request reaches it. Two things between the gate
  // and that stamp are not the gate's: the origin's event loop (the test runner's own Node
  // process, busy transforming modules), and workerd's, which another test file's isolate
  // can hold for a few hundred milliseconds, so a request sent on time goes out late.
  // A late request shortens the gap after it by as much as it lengthened the one before,
  // so the count is taken over windows: any two gaps together, and any four, are at least
  // that many intervals. (One full run, with the suite's other files beside it, saw a
  // shortest gap of 156, 220 and 56 ms in its three tries of the per-gap count.)
  it("never sends faster than Crawl-delay, counted per interval at the origin", {
    retry: 2,
    timeout: 60_000,
  }, async () => {
    const run = unique("crawl-delay");
    const urls = Array.from({ length: 12 }, (_, i) => `${PACED_ORIGIN}/pace/${run}/999:ok-10/${i}`);
    const created = await submit(urls);
    await waitForPublished(created.id, undefined, 60_000);
    const starts = (await paceLog(PACED_ORIGIN, run)).map((r) => r.at).sort((a, b) => a - b);
    expect(starts).toHaveLength(12);
    // Crawl-delay: 0.25 → one start per 250 ms, 10% slack for the origin's own timer.
    const window = (span: number, i: number) => (starts[i] ?? 0) - (starts[i - span] ?? 0);
    for (let i = 2; i < starts.length; i++) expect(window(2, i)).toBeGreaterThanOrEqual(450);
    for (let i = 4; i < starts.length; i++) expect(window(4, i)).toBeGreaterThanOrEqual(1000);
    const [host] = await hosts(created.id);
    expect(host).toMatchObject({ crawlDelaySeconds: 0.25, robots: "allowed", pace: 4 });
  });
});

describe("fair shares", () => {
  // Counted at a real paced origin: a machine busy enough to starve the consumers' timers
  // can bunch one run's starts, so the run is tried again before the test fails.
  it("serves a small batch beside a large one on a paced origin in turns, not after it", {
    retry: 2,
    timeout: 90_000,
  }, async () => {
    const large = unique("large");
    const small = unique("small");
    const big = await submit(Array.from({ length: 40 }, (_, i) => `${PACED_ORIGIN}/pace/${large}/999:ok-10/${i}`));
    // The small batch arrives once the large one has the origin.
    for (let i = 0; i < 200 && (await paceLog(PACED_ORIGIN, large)).length < 3; i++) await sleep(50);
    const little = await submit(Array.from({ length: 5 }, (_, i) => `${PACED_ORIGIN}/pace/${small}/999:ok-10/${i}`));
    await waitForPublished(little.id, undefined, 60_000);
    await waitForPublished(big.id, undefined, 60_000);

    const log = (await originRequests(PACED_ORIGIN)).filter(
      (r) => (r.path.includes(large) || r.path.includes(small)) && !r.path.endsWith("/log"),
    );
    const order = log.sort((a, b) => a.at - b.at).map((r) => (r.path.includes(small) ? "s" : "L"));
    const firstSmall = order.indexOf("s");
    const lastSmall = order.lastIndexOf("s");
    const largeIn = (from: number, to: number) => order.slice(from, to).filter((x) => x === "L").length;
    expect(order.filter((x) => x === "s")).toHaveLength(5);
    // In turns: between the small batch's first and last start, about one of the large
    // batch's each (its grant already booked, and some slack); queued behind it, the
    // small batch would start after all 40.
    expect(largeIn(firstSmall, lastSmall)).toBeLessThanOrEqual(12);
    expect(largeIn(lastSmall, order.length)).toBeGreaterThanOrEqual(10);
  });

  it("holds a batch to its maxConcurrency at each origin", async () => {
    const capped = unique("capped");
    const free = unique("free");
    const make = (run: string) => Array.from({ length: 20 }, (_, i) => `${ORIGIN}/pace/${run}/999:ok-150/${i}`);
    const [one, other] = await Promise.all([submit(make(capped), { maxConcurrency: 1 }), submit(make(free))]);
    await Promise.all([waitForPublished(one.id, undefined, 60_000), waitForPublished(other.id, undefined, 60_000)]);
    const most = async (run: string) => Math.max(...(await paceLog(ORIGIN, run)).map((r) => r.inFlight));
    expect(await most(capped)).toBe(1);
    // The same batch without the cap does fetch several at once: the cap is what held it.
    expect(await most(free)).toBeGreaterThan(1);
  }, 90_000);

  it("refuses a maxConcurrency that is not a positive integer, naming the field", async () => {
    const response = await api("/v1/batches", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ urls: [`${ORIGIN}/a`], options: { maxConcurrency: 0 } }),
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain("maxConcurrency");
  });
});

describe("honest ETA", () => {
  // A real run's finish against its own ETA: a machine busy enough to stall the consumers
  // moves the finish, so the run is tried again before the test fails.
  it("after 20% progress on a paced origin, predicts the finish within 25%", {
    retry: 2,
    timeout: 120_000,
  }, async () => {
    const run = unique("eta");
    const urls = Array.from({ length: 80 }, (_, i) => `${PACED_ORIGIN}/pace/${run}/999:ok-10/${i}`);
    const created = await submit(urls);
    let predicted: { at: number; finishAt: number } | null = null;
    for (let i = 0; i < 1200 && !predicted; i++) {
      const batch = await json<BatchBody>(await api(`/v1/batches/${created.id}`));
      const done = batch.counts.total - batch.counts.pending;
      if (done >= 16 && batch.etaSeconds !== null) {
        const at = Date.now();
        predicted = { at, finishAt: at + batch.etaSeconds * 1000 };
      } else await sleep(100);
    }
    expect(predicted).not.toBeNull();
    const done = await waitForPublished(created.id, undefined, 90_000);
    const finishedAt = Date.parse(done.finishedAt ?? "");
    const { at, finishAt } = predicted as { at: number; finishAt: number };
    const error = Math.abs(finishAt - finishedAt) / (finishedAt - at);
    expect(error).toBeLessThan(0.25);
  });
});
