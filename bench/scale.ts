// `npm run bench:scale [N]`: a catalog-sized batch through the real local service.
// N URLs (default 1,000,000) are streamed as text/plain to `wrangler dev`, next to a
// 10,000-URL reference run in the same process, each on a fresh service:
//   - time until the 202 (the list is accepted and counted);
//   - peak memory of wrangler + workerd while accepting and running, against the reference;
//   - status latency p50/p95 while the batch runs;
//   - time from cancel to the published manifest;
//   - the signed download, streamed: exactly N records whose states add up to the totals;
//   - the disk the local state takes once published (the coordinators' SQLite, the R2
//     objects), and the coordinator's SQLite bytes per URL. The state is deleted after.
// One local origin serves tiny pages; politeness is opened up, as in bench:pipeline.
import { readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { startOrigin } from "../demo/origin-server";
import { TrawlClient } from "../test/e2e/client";
import { startWranglerDev } from "../test/support/wrangler-dev";
import { type CpuProfiler, startCpuProfile } from "./cpu-profile";
import { sampleGroupMemory } from "./memory-sampler";

const big = Number(process.argv[2] ?? process.env.BENCH_URLS ?? 1_000_000);
const runSeconds = Number(process.env.BENCH_RUN_SECONDS ?? 20);
const sizes = [10_000, big];

const origin = await startOrigin({
  routes: (_req, res, url) => {
    if (!url.pathname.startsWith("/p/")) return false;
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(
      `<html><head><title>${url.pathname}</title></head><body><main><p>Item ${url.pathname}</p></main></body></html>`,
    );
    return true;
  },
});

interface Row {
  urls: number;
  acceptSeconds: number;
  peakMb: number;
  statusP50: number;
  statusP95: number;
  cancelSeconds: number;
  records: number;
  consistent: boolean;
  counts: string;
  /** Bytes of the whole local state directory, and of its Durable Objects' SQLite files alone. */
  diskMb: number;
  sqliteMb: number;
  /** The cost ledger's SQLite rows written by the coordinator, per URL, as the status shows it. */
  rowsPerUrl: number;
}

/** Bytes under `dir`, and of those the Durable Objects' SQLite files (their WAL included). */
function diskUse(dir: string): { total: number; sqlite: number } {
  let total = 0;
  let sqlite = 0;
  const walk = (path: string, inDo: boolean) => {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const child = join(path, entry.name);
      if (entry.isDirectory()) walk(child, inDo || entry.name === "do");
      else if (entry.isFile()) {
        const size = statSync(child).size;
        total += size;
        if (inDo && /\.sqlite(-wal|-shm)?$/.test(entry.name)) sqlite += size;
      }
    }
  };
  walk(dir, false);
  return { total, sqlite };
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

/** The list as a stream generated on the fly: the bench holds no URL list either. */
function listBody(n: number): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (i >= n) return controller.close();
      const lines: string[] = [];
      for (const end = Math.min(n, i + 10_000); i < end; i++) lines.push(`${origin.url}/p/${i}`);
      controller.enqueue(encoder.encode(`${lines.join("\n")}\n`));
    },
  });
}

async function printProfile(profiler: CpuProfiler, what: string): Promise<void> {
  const { byFunction, totalMs } = await profiler.stop();
  console.log(`CPU profile of ${what} (${(totalMs / 1000).toFixed(1)} s sampled):`);
  for (const [fn, ms] of byFunction.slice(0, 30))
    console.log(`  ${((ms / totalMs) * 100).toFixed(1).padStart(5)}%  ${fn}`);
}

async function measure(n: number): Promise<Row> {
  const dev = await startWranglerDev({
    allowedOrigins: [origin.url],
    vars: { HOST_MIN_INTERVAL_MS: "0", HOST_MAX_CONCURRENCY: "64", LEASE_SECONDS: "120" },
  });
  const memory = sampleGroupMemory(dev.pgid, 250);
  try {
    const client = new TrawlClient(dev.url, "dev-key");
    // BENCH_PROFILE=accept or =cancel profiles that phase of the large run.
    const profile = n === big ? process.env.BENCH_PROFILE : undefined;
    const profiler = profile === "accept" ? await startCpuProfile(dev.inspectorPort) : null;
    const t0 = performance.now();
    const response = await client.request("/v1/batches", {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: listBody(n),
      duplex: "half",
    } as RequestInit);
    if (response.status !== 202) throw new Error(`submit: ${response.status} ${await response.text()}`);
    const acceptSeconds = (performance.now() - t0) / 1000;
    if (profiler) await printProfile(profiler, `accepting ${n} URLs`);
    const { id } = (await response.json()) as { id: string };

    const latencies: number[] = [];
    const runUntil = performance.now() + runSeconds * 1000;
    while (performance.now() < runUntil) {
      const s = performance.now();
      const batch = await client.status(id);
      latencies.push(performance.now() - s);
      if (batch.published) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    latencies.sort((a, b) => a - b);

    const cancelProfiler = profile === "cancel" ? await startCpuProfile(dev.inspectorPort) : null;
    const t1 = performance.now();
    await client.request(`/v1/batches/${id}/cancel`, { method: "POST" });
    const done = await client.waitForPublished(id, 30 * 60_000);
    const cancelSeconds = (performance.now() - t1) / 1000;
    if (cancelProfiler) await printProfile(cancelProfiler, `cancel to manifest of ${n} URLs`);

    const tally = { succeeded: 0, failed: 0, skipped: 0 } as Record<string, number>;
    let records = 0;
    const link = (await (await client.request(`/v1/batches/${id}/download`)).json()) as { url: string };
    const download = await fetch(link.url);
    const reader = (download.body as ReadableStream<Uint8Array>).pipeThrough(new TextDecoderStream()).getReader();
    let rest = "";
    for (;;) {
      const { done: end, value } = await reader.read();
      if (value) rest += value;
      let start = 0;
      for (let nl = rest.indexOf("\n"); nl >= 0; nl = rest.indexOf("\n", start)) {
        const status = /"status":"(\w+)"/.exec(rest.slice(start, nl))?.[1] ?? "?";
        tally[status] = (tally[status] ?? 0) + 1;
        records++;
        start = nl + 1;
      }
      rest = rest.slice(start);
      if (end) break;
    }
    const disk = diskUse(dev.persistDir);
    const { total, succeeded, failed, skipped } = done.counts;
    const consistent =
      records === n &&
      total === n &&
      tally.succeeded === succeeded &&
      tally.failed === failed &&
      tally.skipped === skipped &&
      succeeded + failed + skipped === total;
    return {
      urls: n,
      acceptSeconds,
      peakMb: memory.stop(),
      statusP50: percentile(latencies, 50),
      statusP95: percentile(latencies, 95),
      cancelSeconds,
      records,
      consistent,
      counts: JSON.stringify(done.counts),
      rowsPerUrl: (done.cost?.counts.sqliteRowsWritten ?? Number.NaN) / n,
      diskMb: disk.total / 1e6,
      sqliteMb: disk.sqlite / 1e6,
    };
  } finally {
    memory.stop();
    await dev.stop();
    // Gigabytes at ten million: measured above, not kept.
    rmSync(dev.persistDir, { recursive: true, force: true });
  }
}

const rows: Row[] = [];
try {
  for (const n of sizes) {
    const row = await measure(n);
    rows.push(row);
    console.log(`  ${n} URLs: ${JSON.stringify(row)}`);
  }
} finally {
  await origin.close();
}
const [reference, large] = rows;
console.log(`\nscale bench (${runSeconds} s of running before the cancel):`);
console.log("  URLs        accept (s)  URLs/s   peak MB  status p50/p95 ms  cancel→manifest (s)  download");
for (const r of rows) {
  console.log(
    `  ${String(r.urls).padEnd(10)}  ${r.acceptSeconds.toFixed(1).padStart(9)}  ${Math.round(r.urls / r.acceptSeconds)
      .toString()
      .padStart(
        6,
      )}  ${r.peakMb.toFixed(0).padStart(7)}  ${`${r.statusP50.toFixed(0)}/${r.statusP95.toFixed(0)}`.padStart(17)}  ${r.cancelSeconds
      .toFixed(1)
      .padStart(
        19,
      )}  ${`${r.diskMb.toFixed(0)} (${r.sqliteMb.toFixed(0)})`.padStart(16)}  ${r.records} records, ${r.consistent ? "counts add up" : `MISMATCH ${r.counts}`}`,
  );
}
if (reference && large) {
  console.log(`  memory ratio ${large.urls} / ${reference.urls}: ${(large.peakMb / reference.peakMb).toFixed(2)}x`);
  // The coordinator's SQLite per URL, less the reference's (the other objects' files and empty pages).
  const perUrl = ((large.sqliteMb - reference.sqliteMb) * 1e6) / (large.urls - reference.urls);
  console.log(`  coordinator SQLite per URL: ${perUrl.toFixed(0)} bytes`);
  console.log(`  coordinator SQLite rows written per URL (cost ledger): ${large.rowsPerUrl.toFixed(2)}`);
}
if (rows.some((r) => !r.consistent)) process.exitCode = 1;
