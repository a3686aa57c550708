// `npm run load`: LOAD_CLIENTS (default 50) clients at once against a fresh
// `wrangler dev` and a local origin for LOAD_SECONDS (default 60). Each client keeps
// submitting a small batch (5–20 URLs, one duplicate, one 404), polls it to
// publication, downloads it and checks the counts. Loopback only; stops by itself.
// Exits non-zero on any 5xx, count mismatch or stuck batch.
import { mkdirSync, watch, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startOrigin } from "../demo/origin-server";
import { formatReport, runLoad } from "../test/support/load";
import { startWranglerDev } from "../test/support/wrangler-dev";

const seconds = Number(process.env.LOAD_SECONDS ?? 60);
const clients = Number(process.env.LOAD_CLIENTS ?? 50);
if (!(seconds > 0 && seconds <= 3600 && Number.isInteger(clients) && clients > 0 && clients <= 500)) {
  throw new Error("LOAD_SECONDS must be in (0, 3600] and LOAD_CLIENTS an integer in [1, 500]");
}

// `wrangler dev` rebuilds and reloads when a source file changes, and local queues die
// with the old instance: chunks then wait for their lease (LEASE_SECONDS) to run out.
// Such a run measures the reload, not the service, so say so.
const root = join(import.meta.dirname, "..");
const changed = new Set<string>();
const watchers = ["api", "workers", "durable-objects", "lib"].map((dir) =>
  watch(join(root, dir), { recursive: true }, (_event, file) => changed.add(`${dir}/${file}`)),
);

const origin = await startOrigin();
const dev = await startWranglerDev({ allowedOrigins: [origin.url] });
let failed = true;
try {
  const report = await runLoad({
    service: dev.url,
    origin: origin.url,
    apiKey: "dev-key",
    clients,
    durationMs: seconds * 1000,
    batchesPerClient: Number.POSITIVE_INFINITY,
    batchTimeoutMs: Number(process.env.LOAD_BATCH_TIMEOUT_SECONDS ?? 180) * 1000,
  });
  console.log(formatReport(report, clients));
  if (changed.size > 0) {
    console.log(
      `  WARNING: ${changed.size} source file(s) changed during the run (${[...changed].slice(0, 5).join(", ")}):`,
    );
    console.log("           wrangler dev reloaded and lost its local queues; stuck batches waited for LEASE_SECONDS.");
  }
  failed = report.serverErrors > 0 || report.mismatches.length > 0 || report.stuck.length > 0 || report.batches === 0;
} finally {
  for (const watcher of watchers) watcher.close();
  const out = join(import.meta.dirname, "out");
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, "load-wrangler.log"), dev.log());
  console.log(`  wrangler log        ${join(out, "load-wrangler.log")}`);
  await dev.stop();
  await origin.close();
}
process.exit(failed ? 1 : 0);
