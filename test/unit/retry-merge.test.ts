import { describe, expect, it } from "vitest";
import type { ErrorCode } from "../../lib/error-codes";
import { unfetchedRecord } from "../../lib/result-parts";
import { mergeRetry, retried } from "../../lib/retry-merge";
import type { ResultRecord } from "../../lib/schemas";

const failed = (index: number, code: ErrorCode = "http_error"): ResultRecord =>
  unfetchedRecord({ index, id: `id-${index}`, url: `https://example.com/${index}`, attempts: 1 }, "failed", code, "no");
const ok = (index: number, title = "first"): ResultRecord => ({
  ...failed(index),
  status: "succeeded",
  error: null,
  title,
});
const skipped = (index: number, code: ErrorCode): ResultRecord => ({ ...failed(index, code), status: "skipped" });

async function* blocks(records: ResultRecord[], perBlock = 2): AsyncGenerator<string> {
  for (let i = 0; i < records.length; i += perBlock) {
    yield records
      .slice(i, i + perBlock)
      .map((r) => `${JSON.stringify(r)}\n`)
      .join("");
  }
}

async function merged(
  first: ResultRecord[],
  retry: ResultRecord[],
  codes: ErrorCode[] | null,
): Promise<ResultRecord[]> {
  let text = "";
  for await (const block of mergeRetry(blocks(first), blocks(retry, 3), codes)) text += block;
  return text
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as ResultRecord);
}

describe("merging a retry onto the batch it retried", () => {
  it("replaces every failed record with the retry's outcome, at the first batch's index", async () => {
    const first = [ok(0), failed(1), skipped(2, "duplicate"), failed(3, "timeout"), ok(4)];
    // The retry of every failed URL holds inputs 1 and 3, as its own 0 and 1.
    const retry = [
      { ...ok(0, "second try"), url: first[1]?.url ?? "" },
      { ...failed(1, "timeout"), url: first[3]?.url ?? "" },
    ];
    const out = await merged(first, retry, null);
    expect(out.map((r) => r.index)).toEqual([0, 1, 2, 3, 4]);
    expect(out.map((r) => r.status)).toEqual(["succeeded", "succeeded", "skipped", "failed", "succeeded"]);
    expect(out[1]).toMatchObject({ title: "second try", url: "https://example.com/1" });
    expect(out[2]).toEqual(first[2]);
  });

  it("takes failed and skipped records by code when codes are given", async () => {
    expect(retried(skipped(0, "robots_disallowed"), ["robots_disallowed"])).toBe(true);
    expect(retried(failed(0, "timeout"), ["robots_disallowed"])).toBe(false);
    expect(retried(ok(0), ["robots_disallowed"])).toBe(false);
    const first = [skipped(0, "robots_disallowed"), failed(1, "timeout"), ok(2)];
    const out = await merged(first, [ok(0, "allowed now")], ["robots_disallowed"]);
    expect(out.map((r) => [r.index, r.status])).toEqual([
      [0, "succeeded"],
      [1, "failed"],
      [2, "succeeded"],
    ]);
  });

  it("refuses a retry that does not line up with its selection", async () => {
    await expect(merged([failed(0), failed(1)], [ok(0)], null)).rejects.toThrow(/fewer records/);
    await expect(merged([failed(0)], [ok(0), ok(1)], null)).rejects.toThrow(/more records/);
  });
});
