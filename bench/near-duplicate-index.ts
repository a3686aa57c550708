// `npm run bench:near-duplicates`: what the near-duplicate index costs the coordinator.
// The real BatchCoordinator in workerd, driven as bench/coordinator-model.ts drives it
// (simulated consumers, no page fetched), twice per size in the same run: reports without
// a simhash, then with one (a tenth of the pages near-duplicates of earlier ones). Prints
// the run and publication times of both, their ratio, the extra time per 100,000 pages,
// and the index rows written per URL.
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect, it } from "vitest";
import type { BatchCoordinator } from "../durable-objects/batch-coordinator";
import type { ClaimEntry } from "../lib/coordinator-protocol";
import { toIngestRow } from "../lib/ingest-row";
import { r2Keys } from "../lib/r2-keys";
import { unfetchedRecord, writePart } from "../lib/result-parts";
import { BatchOptions, type ResultRecord } from "../lib/schemas";

const vars = env as unknown as { BENCH_SIZES?: string; BENCH_CONSUMERS?: string };
const SIZES = (vars.BENCH_SIZES ?? "100000").split(",").map(Number);
const CONSUMERS = Number(vars.BENCH_CONSUMERS ?? 8);
const CHUNK_SIZE = 25;
const ALLOW = { origins: new Set<string>() };

/** A page's simhash: random, or 1-3 bits from an earlier page's for every tenth page. */
function simhashOf(index: number): string {
  const mix = (x: number) => {
    let h = x >>> 0;
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    return (h ^ (h >>> 16)) >>> 0;
  };
  const source = index % 10 === 9 ? index - 9 : index;
  let hi = mix(source * 2 + 1);
  const lo = mix(source * 2 + 2);
  if (source !== index) hi = (hi ^ (1 << (index % 32))) >>> 0;
  return hi.toString(16).padStart(8, "0") + lo.toString(16).padStart(8, "0");
}

function pageRecord(entry: ClaimEntry): ResultRecord {
  return {
    ...unfetchedRecord(entry, "failed", "network_error", ""),
    status: "succeeded",
    error: null,
    httpStatus: 200,
    markdown: `# Item ${entry.index}`,
    wordCount: 2,
    contentHash: `h${entry.index}`,
    attempts: 1,
  };
}

async function runBatch(
  n: number,
  withSimhash: boolean,
): Promise<{ run: number; publish: number; stub: DurableObjectStub<BatchCoordinator> }> {
  const id = env.BATCH.newUniqueId();
  const stub = env.BATCH.get(id) as DurableObjectStub<BatchCoordinator>;
  const begun = await stub.begin({
    batchId: id.toString(),
    tenant: "bench",
    options: BatchOptions.parse({}),
    chunkSize: CHUNK_SIZE,
  });
  if (!begun.created) throw new Error("expected a new batch");
  for (let start = 0; start < n; start += 1000) {
    await stub.append(
      begun.token,
      Array.from({ length: Math.min(1000, n - start) }, (_, k) =>
        toIngestRow(`https://shop.example/item/${start + k}`, ALLOW),
      ),
    );
  }
  await stub.seal(begun.token);
  const t0 = performance.now();
  const chunks = Math.ceil(n / CHUNK_SIZE);
  let next = 0;
  await Promise.all(
    Array.from({ length: CONSUMERS }, async () => {
      while (next < chunks) {
        const chunkId = next++;
        const claim = await stub.claim(chunkId);
        if (claim.kind !== "work") continue;
        const records = claim.entries.map(pageRecord);
        const part = await writePart(env.RESULTS, r2Keys.part(id.toString(), chunkId, claim.attempt), records);
        await stub.reportChunk({
          chunkId,
          token: claim.token,
          part,
          urls: records.map((r) => ({
            index: r.index,
            outcome: "succeeded" as const,
            code: null,
            message: null,
            fetched: true,
            contentHash: r.contentHash,
            ...(withSimhash && { simhash: simhashOf(r.index), quality: 0.9 }),
          })),
          retryAfterSeconds: null,
        });
      }
    }),
  );
  const ran = performance.now();
  for (;;) {
    const summary = await stub.view("bench");
    if (summary?.manifestKey) break;
    await runDurableObjectAlarm(stub);
  }
  return { run: ran - t0, publish: performance.now() - ran, stub };
}

it("measures the near-duplicate index against the same batches without it", async () => {
  console.log(`near-duplicate index, ${CONSUMERS} simulated consumers, chunks of ${CHUNK_SIZE}:`);
  for (const n of SIZES) {
    const off = await runBatch(n, false);
    const on = await runBatch(n, true);
    const rows = await runInDurableObject(on.stub, (_i, state) =>
      state.storage.sql
        .exec<{ bands: number; marks: number }>(
          "SELECT (SELECT COUNT(*) FROM simhash_bands) AS bands, (SELECT COUNT(*) FROM near_duplicates) AS marks",
        )
        .one(),
    );
    expect(rows.marks).toBeGreaterThanOrEqual(n / 10 - 1);
    const per100k = ((on.run + on.publish - off.run - off.publish) / n) * 100_000;
    console.log(
      `  ${n} pages: run ${(off.run / 1000).toFixed(1)} s without, ${(on.run / 1000).toFixed(1)} s with (x${(on.run / off.run).toFixed(2)}); ` +
        `publication ${(off.publish / 1000).toFixed(1)} s / ${(on.publish / 1000).toFixed(1)} s; ` +
        `+${(per100k / 1000).toFixed(1)} s per 100k pages; rows per URL: ${(rows.bands / n).toFixed(2)} band + ${(rows.marks / n).toFixed(2)} mark; ` +
        `${rows.marks} near-duplicates`,
    );
  }
});
