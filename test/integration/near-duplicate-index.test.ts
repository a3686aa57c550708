// The coordinator's near-duplicate index (durable-objects/near-duplicates.ts) in a real
// coordinator's SQLite: its marks equal a brute-force pass over every pair, whatever
// order the pages arrive in, and a page arriving twice changes nothing.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { BatchStore } from "../../durable-objects/batch-store";
import { indexSimhash, marksBetween } from "../../durable-objects/near-duplicates";
import { toIngestRow } from "../../lib/ingest-row";
import { BatchOptions } from "../../lib/schemas";
import { hammingDistance } from "../../lib/simhash";

const ALLOW = { origins: new Set<string>() };

/** A seeded generator of 32-bit words. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0;
    return s;
  };
}

const hex = (hi: number, lo: number) =>
  (hi >>> 0).toString(16).padStart(8, "0") + (lo >>> 0).toString(16).padStart(8, "0");

/** `n` pages: clusters of hashes 0..5 bits from a centre, some sharing their content hash. */
function pages(n: number, seed: number): { simhash: string; contentHash: string }[] {
  const next = random(seed);
  const out: { simhash: string; contentHash: string }[] = [];
  const centres: [number, number][] = [];
  for (let i = 0; i < n; i++) {
    if (centres.length === 0 || next() % 3 === 0) {
      centres.push([next(), next()]);
      const [hi, lo] = centres[centres.length - 1] as [number, number];
      out.push({ simhash: hex(hi, lo), contentHash: `c${i}` });
      continue;
    }
    let [hi, lo] = centres[next() % centres.length] as [number, number];
    const flips = next() % 6;
    for (let f = 0; f < flips; f++) {
      const bit = next() % 64;
      if (bit < 32) hi ^= 1 << bit;
      else lo ^= 1 << (bit - 32);
    }
    out.push({ simhash: hex(hi, lo), contentHash: flips === 0 ? `centre-${hi}-${lo}` : `c${i}` });
  }
  return out;
}

/** The marks by brute force: the earliest earlier page within 3 bits, and the earliest with the same content. */
function expected(all: { simhash: string; contentHash: string }[]): Map<number, unknown> {
  const out = new Map<number, unknown>();
  for (const [i, p] of all.entries()) {
    const near = all.findIndex((q, j) => j < i && hammingDistance(p.simhash, q.simhash) <= 3);
    if (near < 0) continue;
    const exact = all.findIndex(
      (q, j) => j < i && q.contentHash === p.contentHash && hammingDistance(p.simhash, q.simhash) <= 3,
    );
    out.set(i, {
      nearDuplicateOf: near,
      nearDuplicateDistance: hammingDistance(p.simhash, (all[near] as { simhash: string }).simhash),
      ...(exact >= 0 && { duplicateOf: exact }),
    });
  }
  return out;
}

async function marksAfter(
  all: { simhash: string; contentHash: string }[],
  order: number[],
): Promise<Map<number, unknown>> {
  const stub = env.BATCH.get(env.BATCH.newUniqueId());
  return runInDurableObject(stub, (_instance, state) => {
    const store = new BatchStore(state.storage);
    store.createBatch({ batchId: "b", tenant: "t", options: BatchOptions.parse({}), chunkSize: 10 }, "token", 0);
    store.appendUrls(
      all.map((_, i) => toIngestRow(`https://example.com/${i}`, ALLOW)),
      0,
    );
    const sql = state.storage.sql;
    for (const i of order) {
      const p = all[i] as { simhash: string; contentHash: string };
      sql.exec("UPDATE urls SET state = 'succeeded', content_hash = ? WHERE idx = ?", p.contentHash, i);
      indexSimhash(sql, i, p.simhash, p.contentHash);
    }
    // A page reported again (a duplicate delivery the store let through) changes nothing.
    const again = order[0] as number;
    indexSimhash(
      sql,
      again,
      (all[again] as { simhash: string }).simhash,
      (all[again] as { contentHash: string }).contentHash,
    );
    return marksBetween(sql, 0, all.length - 1);
  });
}

describe("the near-duplicate index", () => {
  it("marks every page with the earliest earlier page within 3 bits, in any arrival order", async () => {
    const all = pages(300, 7);
    const want = expected(all);
    expect(want.size).toBeGreaterThan(50);
    const inOrder = all.map((_, i) => i);
    const next = random(11);
    const shuffled = [...inOrder];
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = next() % (i + 1);
      [shuffled[i], shuffled[j]] = [shuffled[j] as number, shuffled[i] as number];
    }
    expect(await marksAfter(all, inOrder)).toEqual(want);
    expect(await marksAfter(all, shuffled)).toEqual(want);
    expect(await marksAfter(all, [...inOrder].reverse())).toEqual(want);
  });
});
