import { describe, expect, it } from "vitest";
import { buildManifest, type ManifestFacts, manifestProblems, parseManifest } from "../../lib/manifest";
import { BatchOptions } from "../../lib/schemas";

const part = (key: string, first: number, last: number, records: number) => ({
  key,
  first,
  last,
  records,
  bytes: records * 100,
  sha256: "0".repeat(64),
});

const facts: ManifestFacts = {
  batchId: "a".repeat(64),
  status: "completed",
  createdAt: Date.UTC(2026, 10, 30),
  finishedAt: Date.UTC(2026, 10, 30, 1),
  expiresAt: null,
  totals: { total: 10, succeeded: 6, failed: 1, skipped: 3 },
  options: BatchOptions.parse({}),
  parts: [part("c", 5, 9, 4), part("a", 0, 4, 3), part("r", 2, 8, 3)],
};

describe("buildManifest", () => {
  it("lists parts in input order of their first index, with ISO times", () => {
    const manifest = buildManifest(facts);
    expect(manifest.parts.map((p) => p.key)).toEqual(["a", "r", "c"]);
    expect(manifest).toMatchObject({ version: 2, finishedAt: "2026-11-30T01:00:00.000Z" });
  });

  it("says when the results expire, and leaves the field out when they do not", () => {
    expect(buildManifest({ ...facts, expiresAt: Date.UTC(2026, 11, 30, 1) }).expiresAt).toBe(
      "2026-12-30T01:00:00.000Z",
    );
    expect("expiresAt" in buildManifest(facts)).toBe(false);
  });

  it("refuses totals that do not add up", () => {
    expect(() => buildManifest({ ...facts, totals: { ...facts.totals, skipped: 2 } })).toThrow(/!= total 10/);
  });

  it("refuses parts whose records do not sum to the total", () => {
    expect(() => buildManifest({ ...facts, parts: facts.parts.slice(1) })).toThrow(/parts hold 6 records, total is 10/);
  });

  it("refuses a part outside the input or holding more records than its range", () => {
    const outside = [part("a", 0, 4, 3), part("c", 5, 10, 7)];
    expect(manifestProblems(buildManifestUnchecked(outside))).toContainEqual(expect.stringMatching(/outside 0..9/));
    const crowded = [part("a", 0, 1, 5), part("c", 2, 9, 5)];
    expect(manifestProblems(buildManifestUnchecked(crowded))).toContainEqual(
      expect.stringMatching(/5 records in a range of 2/),
    );
  });
});

describe("parseManifest", () => {
  it("reads a version 1 manifest (parts per chunk) as index ranges", () => {
    const v1 = {
      version: 1,
      batchId: facts.batchId,
      status: "completed",
      createdAt: "2026-11-30T00:00:00.000Z",
      finishedAt: "2026-11-30T01:00:00.000Z",
      totals: facts.totals,
      options: facts.options,
      chunkSize: 4,
      parts: [0, 1, 2].map((chunk) => ({ key: `p${chunk}`, chunk, records: 4, bytes: 1, sha256: "0".repeat(64) })),
    };
    expect(parseManifest(v1).parts.map((p) => [p.first, p.last])).toEqual([
      [0, 3],
      [4, 7],
      [8, 9],
    ]);
  });
});

function buildManifestUnchecked(parts: ManifestFacts["parts"]) {
  return { ...buildManifest(facts), parts };
}
