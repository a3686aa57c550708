// Invariant 2 (Resumable), end to end: `wrangler dev` is killed with SIGKILL three
// times while a batch runs and started again on the same state directory and port.
// Local queues die with the process, so only the coordinator's SQLite and its alarm
// (leases that ran out are sent again) can bring the batch to its end.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { articlePage, type Origin, startOrigin } from "../../demo/origin-server";
import { type DevServer, freePort, startWranglerDev } from "../support/wrangler-dev";
import { type Batch, TrawlClient } from "./client";

const URLS = 600;
// Short leases so lost chunks come back within seconds; small chunks and a small window
// so ~60 chunks pass through one at a time-ish and a kill always lands mid-batch.
const VARS = {
  LEASE_SECONDS: "3",
  CHUNK_SIZE: "10",
  MAX_CHUNKS_IN_FLIGHT: "6",
  // A consumer killed mid-fetch leaves its HostGate lease behind until it expires
  // (FETCH_TIMEOUT_MS + 5 s); room for those beside the window keeps restarts brisk.
  HOST_MAX_CONCURRENCY: "12",
  FETCH_TIMEOUT_MS: "5000",
};

let origin: Origin;
let dev: DevServer | undefined;
let port: number;
let persistDir: string;

beforeAll(async () => {
  origin = await startOrigin({
    routes: async (_req, res, url) => {
      const match = /^\/slow\/(\d+)$/.exec(url.pathname);
      if (!match) return false;
      const n = Number(match[1]);
      await new Promise((resolve) => setTimeout(resolve, 30 + (n % 31)));
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(articlePage(n));
      return true;
    },
  });
  port = await freePort();
  persistDir = mkdtempSync(join(tmpdir(), "trawl-resume-"));
});

afterAll(async () => {
  await dev?.stop();
  await origin?.close();
});

async function start(): Promise<DevServer> {
  return startWranglerDev({ allowedOrigins: [origin.url], vars: VARS, persistDir, port });
}

/** Input indexes whose records can be read now (their part is written and reported). */
async function reportedIndexes(client: TrawlClient, id: string): Promise<Set<number>> {
  const seen = new Set<number>();
  let cursor: string | null = "0";
  while (cursor !== null) {
    const response = await client.request(`/v1/batches/${id}/results?limit=200&cursor=${cursor}`);
    expect(response.status).toBe(200);
    const page = (await response.json()) as { records: { index: number }[]; nextCursor: string | null };
    for (const record of page.records) seen.add(record.index);
    cursor = page.nextCursor;
  }
  return seen;
}

async function waitForDone(client: TrawlClient, id: string, fraction: number): Promise<Batch> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const batch = await client.status(id);
    const done = batch.counts.total - batch.counts.pending;
    if (done >= fraction * batch.counts.total || batch.published) return batch;
    if (Date.now() > deadline) throw new Error(`stuck before ${fraction * 100} %: ${JSON.stringify(batch)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Waits, without calling the API, until the origin is asked for a page at or after `since`. */
async function originHears(since: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!origin.requests.some((r) => r.at >= since && r.path.startsWith("/slow/"))) {
    if (Date.now() > deadline) throw new Error("no page fetched after the restart without a client touching the batch");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("wrangler dev killed mid-batch", () => {
  it("finishes after three kill -9 restarts, one record per URL, finished URLs never fetched again", async () => {
    const started = performance.now();
    const input = Array.from({ length: URLS }, (_, n) => `${origin.url}/slow/${n}`);
    dev = await start();
    let client = new TrawlClient(dev.url, "dev-key");
    const created = await client.submit({ urls: input });
    expect(created.status).toBe(202);
    const id = created.body.id;

    // Kill points: right after the submit returns, then at ~30 % and ~70 % done.
    const kills: { at: string; reported: Set<number>; restartedAt: number; doneAtKill: number }[] = [];
    for (const fraction of [0, 0.3, 0.7]) {
      const before = fraction === 0 ? await client.status(id) : await waitForDone(client, id, fraction);
      expect(before.published).toBe(false); // the kill must land mid-batch
      const reported = await reportedIndexes(client, id);
      await dev.kill();
      const restartedAt = Date.now();
      dev = await start();
      client = new TrawlClient(dev.url, "dev-key");
      // Nothing touches the coordinator here: its alarm, persisted with its storage,
      // fires in the new process and sends the lost chunks again by itself.
      await originHears(restartedAt);
      kills.push({ at: `${fraction * 100} %`, reported, restartedAt, doneAtKill: reported.size });
    }

    const done = await client.waitForPublished(id, 90_000);
    expect(done.status).toBe("completed");
    expect(done.counts).toEqual({ total: URLS, pending: 0, succeeded: URLS, failed: 0, skipped: 0 });

    const records = await client.downloadAll(id);
    expect(records).toHaveLength(URLS);
    expect(records.map((r) => r.index)).toEqual(input.map((_, i) => i));
    expect(records.map((r) => r.url)).toEqual(input);
    expect(records.every((r) => r.status === "succeeded")).toBe(true);

    // A URL reported before a kill is never requested again after that restart.
    const pages = origin.requests.filter((r) => r.path.startsWith("/slow/"));
    for (const kill of kills) {
      const refetched = pages.filter(
        (r) => r.at >= kill.restartedAt && kill.reported.has(Number(r.path.slice("/slow/".length))),
      );
      expect(
        refetched.map((r) => r.path),
        `reported before the kill at ${kill.at}, fetched again`,
      ).toEqual([]);
    }
    // Every URL fetched at least once; the only repeats are chunks in flight at a kill.
    const perPath = new Map<string, number>();
    for (const r of pages) perPath.set(r.path, (perPath.get(r.path) ?? 0) + 1);
    expect(perPath.size).toBe(URLS);
    const refetches = [...perPath.values()].reduce((sum, n) => sum + n - 1, 0);
    const inFlightBound = kills.length * Number(VARS.MAX_CHUNKS_IN_FLIGHT) * Number(VARS.CHUNK_SIZE);
    expect(refetches).toBeLessThanOrEqual(inFlightBound);
    console.log(
      `resume: ${URLS} URLs, kills at ${kills.map((k) => `${k.at} (${k.doneAtKill} reported)`).join(", ")}; ` +
        `${pages.length} page requests, ${refetches} refetches (bound ${inFlightBound}); ` +
        `${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
  });
});
