// The chunk state machine of BatchStore, run against a real coordinator's SQLite: every
// named transition applies from the states it lists and from no other.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  BatchStore,
  CHUNK_TRANSITIONS,
  type ChunkState,
  type ChunkTransition,
} from "../../durable-objects/batch-store";
import { toIngestRow } from "../../lib/ingest-row";
import { BatchOptions } from "../../lib/schemas";

const STATES: ChunkState[] = ["ready", "sent", "leased", "done"];
const ALLOW = { origins: new Set<string>() };

/** Runs `work` on the store of a fresh, unused coordinator. */
async function withStore<T>(work: (store: BatchStore) => T): Promise<T> {
  const stub = env.BATCH.get(env.BATCH.newUniqueId());
  return runInDurableObject(stub, (_instance, state) => work(new BatchStore(state.storage)));
}

function sealedWith(store: BatchStore, urls: string[], chunkSize: number): void {
  store.createBatch({ batchId: "b", tenant: "t", options: BatchOptions.parse({}), chunkSize }, "token", 0);
  store.appendUrls(
    urls.map((url) => toIngestRow(url, ALLOW)),
    0,
  );
  store.seal(0);
}

describe("BatchStore chunk transitions", () => {
  for (const [name, { from, to }] of Object.entries(CHUNK_TRANSITIONS)) {
    for (const state of STATES) {
      const legal = (from as readonly ChunkState[]).includes(state);
      it(`${legal ? "applies" : "refuses"} ${name} from ${state}`, async () => {
        const result = await withStore((store) => {
          sealedWith(store, ["https://example.com/a"], 1);
          store.atomically(() => {
            // Put chunk 0 in `state` directly: this test is about the transition alone.
            (store as unknown as { sql: SqlStorage }).sql.exec("UPDATE chunks SET state = ? WHERE id = 0", state);
          });
          const applied = store.transition(0, name as ChunkTransition, { lostAt: 5, token: "t" });
          return { applied, now: store.chunk(0)?.state };
        });
        expect(result).toEqual({ applied: legal, now: legal ? to : state });
      });
    }
  }
});

describe("BatchStore ingestion", () => {
  it("marks duplicates across slices and within one, naming the first, and counts each kind", async () => {
    const result = await withStore((store) => {
      store.createBatch({ batchId: "b", tenant: "t", options: BatchOptions.parse({}), chunkSize: 2 }, "token", 0);
      const first = store.appendUrls(
        ["https://e.com/1", "https://e.com/2#x", "ftp://e.com/", "https://E.com/1"].map((u) => toIngestRow(u, ALLOW)),
        0,
      );
      const second = store.appendUrls(
        ["https://e.com/2", "https://e.com/3", "https://e.com/3"].map((u) => toIngestRow(u, ALLOW)),
        0,
      );
      store.seal(0);
      return {
        first,
        second,
        errors: store.errors(0, 100, null).map((e) => [e.index, e.code, e.message]),
        chunks: [0, 1, 2, 3].map((id) => store.chunk(id)?.state),
      };
    });
    expect(result.first).toEqual({ accepted: 2, invalid: 1, duplicates: 1 });
    expect(result.second).toEqual({ accepted: 1, invalid: 0, duplicates: 2 });
    expect(result.errors).toEqual([
      [2, "invalid_url", "scheme ftp: is not http or https"],
      [3, "duplicate", "same page as input #0"],
      [4, "duplicate", "same page as input #1"],
      [6, "duplicate", "same page as input #5"],
    ]);
    // Chunks 1 (inputs 2, 3) and 3 (input 6) hold nothing to fetch: done at seal, never sent.
    expect(result.chunks).toEqual(["ready", "done", "ready", "done"]);
  });
});

/** Wraps the store's SQL so every statement's written rows are counted; answers the running total. */
function countWrites(store: BatchStore): () => number {
  const inner = (store as unknown as { sql: SqlStorage }).sql;
  let written = 0;
  (store as unknown as { sql: Pick<SqlStorage, "exec"> }).sql = {
    exec: ((query: string, ...bindings: SqlStorageValue[]) => {
      const cursor = inner.exec(query, ...bindings);
      const rows = cursor.toArray();
      written += cursor.rowsWritten;
      return { toArray: () => rows, one: () => rows[0], rowsWritten: cursor.rowsWritten };
    }) as unknown as SqlStorage["exec"],
  };
  return () => written;
}

/** Leases, reports and finishes every chunk of `chunks`, as consumers would. */
function runChunks(store: BatchStore, chunks: number): void {
  for (let chunk = 0; chunk < chunks; chunk++) {
    store.transition(chunk, "lease", { token: "t", lostAt: 1 });
    const [first, last] = store.chunkRange(chunk);
    const entries = store.pendingEntries(first, last);
    const part = { key: `p${chunk}`, first, last, records: entries.length, bytes: 1, sha256: "x" };
    store.applyReport(
      entries.map((e) => ({ index: e.index, outcome: "succeeded", code: null, message: null, fetched: true })),
      part,
      first,
      last,
    );
    store.transition(chunk, "finish");
  }
}

describe("BatchStore write cost", () => {
  // 4.20 and 4.22 measured: the URL row and its normalised-URL entry at ingestion, the row
  // and its urls_ended entry at the report, and a little per chunk (docs/scaling.md).
  it("writes at most 4.25 SQLite rows per URL from ingestion to its report (the coordinator's largest bill)", async () => {
    const rowsPerUrl = await withStore((store) => {
      const written = countWrites(store);
      const urls = Array.from({ length: 1000 }, (_, i) => `https://example.com/item/${i}`);
      sealedWith(store, urls, 25);
      runChunks(store, 40);
      return written() / urls.length;
    });
    console.log(`coordinator SQLite rows written per URL: ${rowsPerUrl.toFixed(2)}`);
    expect(rowsPerUrl).toBeLessThanOrEqual(4.25);
  });

  it("writes at most 4.25 SQLite rows per discovered URL too, found in slices with duplicates among them", async () => {
    const rowsPerUrl = await withStore((store) => {
      const written = countWrites(store);
      sealedWith(store, [], 25);
      // Slices of 100 that overlap by half: every URL arrives twice, as from two sitemaps.
      for (let from = 0; from < 1000; from += 50) {
        const slice = Array.from({ length: 100 }, (_, i) => `https://example.com/item/${from + i}`);
        store.appendDiscovered(
          slice.map((url) => ({ url, norm: url })),
          1000 - (store.batch()?.total ?? 0),
        );
        store.makeChunks(false);
      }
      store.makeChunks(true);
      expect(store.batch()?.total).toBe(1000);
      runChunks(store, 40);
      return written() / 1000;
    });
    console.log(`coordinator SQLite rows written per discovered URL: ${rowsPerUrl.toFixed(2)}`);
    expect(rowsPerUrl).toBeLessThanOrEqual(4.25);
  });
});

describe("BatchStore reads of ended URLs", () => {
  it("walk the urls_ended index (pending URLs are not in it), never every row", async () => {
    const plans = await withStore((store) => {
      sealedWith(store, ["https://e.com/1", "ftp://e.com/", "https://e.com/1", "https://e.com/2"], 2);
      const inner = (store as unknown as { sql: SqlStorage }).sql;
      const asked: [string, SqlStorageValue[]][] = [];
      (store as unknown as { sql: Pick<SqlStorage, "exec"> }).sql = {
        exec: ((query: string, ...bindings: SqlStorageValue[]) => {
          if (/\bFROM urls\b/.test(query)) asked.push([query, bindings]);
          return inner.exec(query, ...bindings);
        }) as SqlStorage["exec"],
      };
      const errors = store.errors(0, 10, null).length;
      store.errors(0, 10, "duplicate");
      store.locate(0, 10, "skipped");
      store.retryInputs(0, 10, null);
      store.retryInputs(0, 10, ["invalid_url"]);
      const plan = asked.map(([query, bindings]) =>
        inner
          .exec<{ detail: string }>(`EXPLAIN QUERY PLAN ${query}`, ...bindings)
          .toArray()
          .map((row) => row.detail)
          .join("; "),
      );
      return { errors, plan };
    });
    expect(plans.errors).toBe(2);
    expect(plans.plan).toHaveLength(5);
    for (const detail of plans.plan) expect(detail).toContain("urls_ended");
  });
});

describe("BatchStore cancel sweep", () => {
  it("ends the URLs of chunks no consumer holds a bounded step at a time, never a leased chunk's", async () => {
    const result = await withStore((store) => {
      const urls = Array.from({ length: 100 }, (_, i) => `https://e.com/${i}`);
      sealedWith(store, urls, 5); // 20 chunks of 5
      store.transition(3, "lease", { token: "t", lostAt: 1 });
      store.transition(4, "markSent");
      store.transition(12, "lease", { token: "t", lostAt: 1 });
      const steps: boolean[] = [];
      // 30 URLs a step: six chunks, so the 18 unleased chunks take three steps and a last one finds none.
      for (let more = true; more; ) {
        more = store.atomically(() => store.endUnleasedChunks("skipped", "cancelled", 30));
        steps.push(more);
      }
      const batch = store.batch();
      return {
        steps,
        open: [3, 12].map((id) => [store.chunk(id)?.state, store.pendingIn(...store.chunkRange(id))]),
        notDone: Array.from({ length: 20 }, (_, id) => id).filter((id) => store.chunk(id)?.state !== "done"),
        counts: { skipped: batch?.skipped, pending: store.pendingIn(0, 99) },
        codes: store.codeCounts(),
      };
    });
    expect(result.steps).toEqual([true, true, true, false]);
    expect(result.open).toEqual([
      ["leased", 5],
      ["leased", 5],
    ]);
    expect(result.notDone).toEqual([3, 12]);
    expect(result.counts).toEqual({ skipped: 90, pending: 10 });
    expect(result.codes).toEqual({ cancelled: 90 });
  });
});
