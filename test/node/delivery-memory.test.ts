// The consumer's memory with the worst pages it can be given, in a child whose V8 heap
// is capped at a Worker isolate's 128 MB (needing more ends it out of memory): a page of
// each worst-case kind (test/support/worst-pages.ts, each just under MAX_BODY_BYTES)
// through the consumer's per-URL call with the language tables loaded (analysis is on by
// default), and, when ../shared/corpus is there, a chunk of the corpora's largest pages
// held the consumer's way (FETCH_CONCURRENCY at once, records kept until the part).
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { parseSettings } from "../../lib/settings";
import { readabilityDir, wcxbDir } from "../support/corpora";

const HERE = dirname(fileURLToPath(import.meta.url));
const MB = 1024 * 1024;
/** A Worker isolate's memory. */
const ISOLATE_MB = 128;

interface Seen {
  pages: string[];
  urls: number;
  outcomes: Record<string, number>;
  recordBytes: number;
  partBytes: number;
  peakHeap: number;
  peakIsolate: number;
}

function readDelivery(job: object): Seen {
  const child = spawnSync(
    process.execPath,
    [
      `--max-old-space-size=${ISOLATE_MB}`,
      "--import",
      "tsx",
      join(HERE, "delivery-memory-child.ts"),
      JSON.stringify(job),
    ],
    { encoding: "utf8", timeout: 170_000 },
  );
  expect(child.status, child.stderr.slice(-2000)).toBe(0);
  return JSON.parse(child.stdout.trim().split("\n").at(-1) ?? "{}") as Seen;
}

function describeSeen(what: string, seen: Seen): string {
  return `${what}: ${seen.urls} URLs ${JSON.stringify(seen.outcomes)}, records ${(seen.recordBytes / MB).toFixed(1)} MB, part ${(seen.partBytes / MB).toFixed(1)} MB; sampled peak heap +${(seen.peakHeap / MB).toFixed(1)} MB, heap + buffers +${(seen.peakIsolate / MB).toFixed(1)} MB`;
}

/** The largest pages of the corpora (up to `n` of each), written out as files for the child. */
function largestCorpusPages(dir: string, n: number): string[] {
  const files: string[] = [];
  const readability = readabilityDir();
  if (readability) {
    const pages = readdirSync(readability)
      .map((d) => join(readability, d, "source.html"))
      .filter(existsSync)
      .sort((a, b) => statSync(b).size - statSync(a).size);
    files.push(...pages.slice(0, n));
  }
  const wcxb = wcxbDir();
  if (wcxb) {
    const pages = readdirSync(wcxb)
      .map((d) => join(wcxb, d, "source.html.gz"))
      .filter(existsSync)
      .map((file) => ({ file, bytes: gunzipSync(readFileSync(file)) }))
      .sort((a, b) => b.bytes.length - a.bytes.length)
      .slice(0, n);
    for (const [i, page] of pages.entries()) {
      const file = join(dir, `wcxb-${i}.html`);
      writeFileSync(file, page.bytes);
      files.push(file);
    }
  }
  return files;
}

describe("memory of the consumer's worst pages", () => {
  it("reads a page of each worst-case kind, one at a time, under a 128 MB heap", { timeout: 180_000 }, () => {
    const seen = readDelivery({ pages: "generated", chunks: 6, chunkSize: 1, options: {}, sequential: true });
    console.log(describeSeen("worst-case pages", seen));
    expect(seen.outcomes).toEqual({ "succeeded ": 6 });
    // Each record is bounded by the Markdown cap (2 Mi characters) and what goes with it.
    expect(seen.recordBytes).toBeLessThan(6 * 3 * MB);
  });

  // A whole chunk of them, fetched FETCH_CONCURRENCY at a time as a delivery fetches them.
  // Two bounds hold it under the cap: the extraction budget (fetch/extraction-budget.ts)
  // extracts one page at the body cap at a time, and past HELD_RECORD_BYTES of records
  // waiting for the part (fetch/held-records.ts) the chunk's other URLs go back to the
  // queue uncounted, for a later delivery.
  it("reads a whole chunk of worst-case pages under a 128 MB heap, sending back what does not fit", {
    timeout: 180_000,
  }, () => {
    const chunkSize = parseSettings({}).CHUNK_SIZE;
    const seen = readDelivery({ pages: "generated", chunks: 1, chunkSize, options: {} });
    console.log(describeSeen("a chunk of worst-case pages", seen));
    const succeeded = seen.outcomes["succeeded "] ?? 0;
    const sentBack = seen.outcomes.retry ?? 0;
    expect(succeeded + sentBack).toBe(chunkSize);
    expect(succeeded).toBeGreaterThanOrEqual(4);
    expect(sentBack).toBeGreaterThan(0);
  });

  it("reads the corpora's largest pages the same way under a 128 MB heap", { timeout: 180_000 }, (ctx) => {
    if (!readabilityDir() && !wcxbDir()) {
      console.log("skipped: ../shared/corpus is not here (the generated worst cases above still ran)");
      ctx.skip();
    }
    const dir = mkdtempSync(join(tmpdir(), "trawl-delivery-memory-"));
    try {
      const pages = largestCorpusPages(dir, 5);
      const seen = readDelivery({ pages, chunks: 1, chunkSize: pages.length, options: {} });
      console.log(describeSeen("largest corpus pages", seen));
      expect(Object.values(seen.outcomes).reduce((a, b) => a + b, 0)).toBe(pages.length);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
