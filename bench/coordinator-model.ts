// The coordinator model bench (`npm run bench:coordinator`): the real BatchCoordinator in
// workerd, driven by simulated consumers that claim chunks, write a part of synthetic
// records to R2 and report, as fast as BENCH_CONSUMERS of them can (no page is fetched).
// Prints, for each N in BENCH_SIZES: the time to accept the list (begin, append in slices
// of 1,000, seal), to run every chunk, and to publish; and the coordinator's operations
// per second while running. These are the numbers docs/scaling.md builds on.
import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect, it } from "vitest";
import type { BatchCoordinator } from "../durable-objects/batch-coordinator";
import type { ClaimEntry } from "../lib/coordinator-protocol";
import { toIngestRow } from "../lib/ingest-row";
import { r2Keys } from "../lib/r2-keys";
import { unfetchedRecord, writePart } from "../lib/result-parts";
import { BatchOptions, type ResultRecord } from "../lib/schemas";

// Set from the environment by bench/coordinator.vitest.config.ts (they are not deployment vars).
const vars = env as unknown as { BENCH_SIZES?: string; BENCH_CONSUMERS?: string };
const SIZES = (vars.BENCH_SIZES ?? "10000,100000,1000000").split(",").map(Number);
const CONSUMERS = Number(vars.BENCH_CONSUMERS ?? 8);
const CHUNK_SIZE = 25;
const SLICE = 1000;
const ALLOW = { origins: new Set<string>() };

/** What a consumer would write for a fetched catalog page. */
function pageRecord(entry: ClaimEntry): ResultRecord {
  return {
    ...unfetchedRecord(entry, "failed", "network_error", ""),
    status: "succeeded",
    error: null,
    httpStatus: 200,
    title: `Item ${entry.index}`,
    markdown: `# Item ${entry.index}\n\nA product page of a catalog crawl.`,
    wordCount: 9,
    attempts: 1,
  };
}

async function runBatch(n: number): Promise<string> {
  const id = env.BATCH.newUniqueId();
  const stub = env.BATCH.get(id) as DurableObjectStub<BatchCoordinator>;
  const t0 = performance.now();
  const begun = await stub.begin({
    batchId: id.toString(),
    tenant: "bench",
    options: BatchOptions.parse({}),
    chunkSize: CHUNK_SIZE,
  });
  if (!begun.created) throw new Error("expected a new batch");
  for (let start = 0; start < n; start += SLICE) {
    const rows = Array.from({ length: Math.min(SLICE, n - start) }, (_, k) =>
      toIngestRow(`https://shop.example/item/${start + k}`, ALLOW),
    );
    await stub.append(begun.token, rows);
  }
  await stub.seal(begun.token);
  const accepted = performance.now();

  const chunks = Math.ceil(n / CHUNK_SIZE);
  let next = 0;
  let operations = 0;
  await Promise.all(
    Array.from({ length: CONSUMERS }, async () => {
      while (next < chunks) {
        const chunkId = next++;
        const claim = await stub.claim(chunkId);
        operations++;
        if (claim.kind !== "work") continue;
        const records = claim.entries.map(pageRecord);
        const part = await writePart(env.RESULTS, r2Keys.part(id.toString(), chunkId, claim.attempt), records);
        await stub.reportChunk({
          chunkId,
          token: claim.token,
          part,
          urls: records.map((r) => ({
            index: r.index,
            outcome: "succeeded",
            code: null,
            message: null,
            fetched: true,
          })),
          retryAfterSeconds: null,
        });
        operations++;
      }
    }),
  );
  const ran = performance.now();

  for (;;) {
    const summary = await stub.view("bench");
    if (summary?.manifestKey) {
      expect(summary.counts).toMatchObject({ total: n, succeeded: n, pending: 0 });
      break;
    }
    await runDurableObjectAlarm(stub);
  }
  const published = performance.now();
  const s = (ms: number) => (ms / 1000).toFixed(1).padStart(7);
  const runSeconds = (ran - accepted) / 1000;
  return [
    String(n).padEnd(9),
    `${s(accepted - t0)} s (${Math.round(n / ((accepted - t0) / 1000))} URLs/s)`.padEnd(26),
    `${s(ran - accepted)} s (${Math.round(n / runSeconds)} pages/s, ${Math.round(operations / runSeconds)} coordinator ops/s)`.padEnd(
      50,
    ),
    `${s(published - ran)} s`,
  ].join("  ");
}

it(`drives the coordinator with ${CONSUMERS} simulated consumers at N = ${SIZES.join(", ")}`, async () => {
  const rows: string[] = [];
  for (const n of SIZES) rows.push(await runBatch(n));
  console.log(
    `coordinator model (chunks of ${CHUNK_SIZE}, ${CONSUMERS} simulated consumers, no fetching):\n` +
      `  N          accept                      run                                                 publish\n` +
      rows.map((row) => `  ${row}`).join("\n"),
  );
});
