import { describe, expect, it } from "vitest";
import {
  carriedState,
  changeOf,
  changeOfLine,
  conditionalHeaders,
  extractionDifference,
  movedLines,
  type PreviousState,
} from "../../lib/changes";
import { unfetchedLine } from "../../lib/result-parts";
import { BatchOptions } from "../../lib/schemas";

const ok = (hash: string | null, more: Partial<PreviousState> = {}): PreviousState => ({
  index: 3,
  state: "succeeded",
  code: null,
  etag: '"v1"',
  lastModified: "Thu, 01 Jan 2026 00:00:00 GMT",
  contentHash: hash,
  part: "batches/x/parts/00000000-1.ndjson",
  ...more,
});

describe("changeOf", () => {
  it("says no change for a URL the run never looked at (cancelled), whatever the previous run had", () => {
    const cancelled = { status: "skipped", code: "cancelled", contentHash: null } as const;
    expect(changeOf(null, cancelled)).toBeNull();
    expect(changeOf(ok("a"), cancelled)).toBeNull();
    expect(changeOf(ok("a", { state: "skipped", code: "cancelled" }), cancelled)).toBeNull();
  });

  it("carries the previous state on through a URL the run did not look at, and only through such a URL", () => {
    expect(carriedState(ok("a"), "cancelled")).toEqual(ok("a"));
    expect(carriedState(null, "cancelled")).toBeNull();
    expect(carriedState(ok("a"), null)).toBeNull();
    expect(carriedState(ok("a"), "timeout")).toBeNull();
  });

  it("calls a URL the previous run did not have new, whatever became of it", () => {
    expect(changeOf(null, { status: "succeeded", code: null, contentHash: "a" })).toBe("new");
    expect(changeOf(null, { status: "failed", code: "http_error", contentHash: null })).toBe("new");
  });

  it("compares content by hash when both runs succeeded (a 304 carries the hash forward)", () => {
    expect(changeOf(ok("a"), { status: "succeeded", code: null, contentHash: "a" })).toBe("unchanged");
    expect(changeOf(ok("a"), { status: "succeeded", code: null, contentHash: "b" })).toBe("changed");
    // No hash to compare is never called unchanged.
    expect(changeOf(ok(null), { status: "succeeded", code: null, contentHash: null })).toBe("changed");
  });

  it("compares outcomes otherwise: a page that now fails, fails differently or recovers has changed", () => {
    const failed = ok(null, { state: "failed", code: "http_error" });
    expect(changeOf(ok("a"), { status: "failed", code: "http_error", contentHash: null })).toBe("changed");
    expect(changeOf(failed, { status: "failed", code: "http_error", contentHash: null })).toBe("unchanged");
    expect(changeOf(failed, { status: "failed", code: "timeout", contentHash: null })).toBe("changed");
    expect(changeOf(failed, { status: "succeeded", code: null, contentHash: "a" })).toBe("changed");
  });
});

describe("conditionalHeaders", () => {
  it("sends the validators a previous success came with", () => {
    expect(conditionalHeaders(ok("a"))).toEqual({
      "if-none-match": '"v1"',
      "if-modified-since": "Thu, 01 Jan 2026 00:00:00 GMT",
    });
    expect(conditionalHeaders(ok("a", { etag: null }))).toEqual({
      "if-modified-since": "Thu, 01 Jan 2026 00:00:00 GMT",
    });
  });

  it("sends none without validators, without a success, or without a record to carry forward", () => {
    expect(conditionalHeaders(null)).toBeNull();
    expect(conditionalHeaders(ok("a", { etag: null, lastModified: null }))).toBeNull();
    expect(conditionalHeaders(ok("a", { state: "failed" }))).toBeNull();
    expect(conditionalHeaders(ok("a", { part: null }))).toBeNull();
  });
});

describe("changeOfLine and movedLines", () => {
  const line = (index: number, change?: "new" | "changed" | "unchanged" | "removed" | null) =>
    unfetchedLine({ index, id: null, url: `https://e.com/${index}`, attempts: 0, change }, "skipped", "duplicate", "d");

  it("reads the change a line declares without parsing it", () => {
    expect(changeOfLine(line(12, "unchanged"))).toBe("unchanged");
    expect(changeOfLine(line(0, "removed"))).toBe("removed");
    expect(changeOfLine(line(4, null))).toBeNull();
    expect(changeOfLine(line(4))).toBeNull();
    // A record whose content mentions a change is judged by its own field only.
    expect(changeOfLine(line(5, null).replace('"d"', '"\\"change\\":\\"new\\""'))).toBeNull();
  });

  it("keeps only the moved lines of each block, in order", async () => {
    async function* blocks() {
      yield `${line(0, "unchanged")}\n${line(1, "new")}\n${line(2, null)}\n`;
      yield `${line(3, "unchanged")}\n`;
      yield `${line(4, "changed")}\n${line(5, "removed")}\n`;
    }
    const out: string[] = [];
    for await (const block of movedLines(blocks())) out.push(block);
    expect(out.join("").split("\n").filter(Boolean).map(changeOfLine)).toEqual(["new", "changed", "removed"]);
  });
});

describe("extractionDifference", () => {
  const options = (given: object) => BatchOptions.parse(given);

  it("names the first extraction option that differs", () => {
    expect(extractionDifference(options({}), options({ images: false }))).toBe("images");
    expect(extractionDifference(options({}), options({ formats: ["markdown", "html"] }))).toBe("formats");
    expect(extractionDifference(options({ excludeSelectors: [".ad"] }), options({}))).toBe("excludeSelectors");
  });

  it("ignores order within lists and options that do not shape content", () => {
    const a = options({ formats: ["links", "markdown"], maxAttempts: 2, retentionDays: 3 });
    const b = options({ formats: ["markdown", "links"], respectRobots: false });
    expect(extractionDifference(a, b)).toBeNull();
  });
});
