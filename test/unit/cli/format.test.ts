// What the CLI prints about a batch: durations, counts per error code, progress lines.
import { describe, expect, it } from "vitest";
import type { BatchView } from "../../../cli/api-client";
import { describeBatch, formatDuration, formatTally, progressLine } from "../../../cli/format";

const ID = "a".repeat(64);

function view(overrides: Partial<BatchView> = {}): BatchView {
  return {
    id: ID,
    name: null,
    labels: [],
    status: "running",
    createdAt: "2026-11-30T10:00:00.000Z",
    startedAt: "2026-11-30T10:00:01.000Z",
    finishedAt: null,
    counts: { total: 1000, pending: 550, succeeded: 440, failed: 3, skipped: 7 },
    errorsByCode: { http_error: 3, duplicate: 7 },
    percent: 45,
    pagesPerSecond: 12.34,
    etaSeconds: 45,
    published: false,
    expiresAt: null,
    retryOf: null,
    previousBatch: null,
    changes: null,
    run: null,
    sla: null,
    failure: null,
    discovery: null,
    links: { self: "", results: "", errors: "", manifest: null, download: null },
    ...overrides,
  };
}

describe("formatDuration", () => {
  it("says seconds, minutes and hours the short way", () => {
    expect([formatDuration(0), formatDuration(59.4), formatDuration(75), formatDuration(3600 * 2 + 65)]).toEqual([
      "0s",
      "59s",
      "1m15s",
      "2h01m",
    ]);
  });

  it("says ? when the server has no estimate", () => {
    expect(formatDuration(null)).toBe("?");
  });
});

describe("formatTally", () => {
  it("lists codes most frequent first, ties by name, none left at zero", () => {
    expect(formatTally({ duplicate: 1, http_error: 3, cancelled: 1, timeout: 0 })).toBe(
      "http_error 3, cancelled 1, duplicate 1",
    );
    expect(formatTally({})).toBe("");
  });
});

describe("progressLine", () => {
  it("gives done/total, counts, pages/s, ETA and errors by code on one line", () => {
    expect(progressLine(view())).toBe(
      "running 45.0% 450/1000 | succeeded 440 failed 3 skipped 7 | 12.3 pages/s | ETA 45s | duplicate 7, http_error 3",
    );
  });

  it("says ETA 0s once nothing is pending, and - pages/s before the first page", () => {
    const done = view({
      status: "completed",
      counts: { total: 2, pending: 0, succeeded: 2, failed: 0, skipped: 0 },
      errorsByCode: {},
    });
    expect(progressLine({ ...done, percent: 100, etaSeconds: null })).toBe(
      "completed 100.0% 2/2 | succeeded 2 failed 0 skipped 0 | 12.3 pages/s | ETA 0s",
    );
    expect(progressLine(view({ pagesPerSecond: null, etaSeconds: null, errorsByCode: {} }))).toMatch(
      /\| - pages\/s \| ETA \?$/,
    );
  });
});

describe("describeBatch", () => {
  it("points to the next command: watch while running, download once published", () => {
    expect(describeBatch(view())).toContain(`not published yet: trawl watch ${ID}`);
    expect(describeBatch(view({ status: "completed", published: true }))).toContain(
      `published: trawl download ${ID} -o results.ndjson`,
    );
  });

  it("shows discovery and changes only when the batch has them", () => {
    expect(describeBatch(view())).not.toMatch(/discovery|changes/);
    const discovering = {
      state: "discovering" as const,
      sources: { pending: 2, done: 3, failed: 1 },
      found: 1234,
      invalid: 0,
      filtered: 0,
      capped: false,
      errors: [],
    };
    expect(describeBatch(view({ discovery: discovering }))).toContain(
      "discovery discovering: 1234 URLs found, sources 3 done, 1 failed, 2 pending",
    );
    const previous = "b".repeat(64);
    const changes = { new: 2, changed: 1, unchanged: 18, removed: 1 };
    expect(describeBatch(view({ changes, previousBatch: previous }))).toContain(
      `changes   2 new, 1 changed, 18 unchanged, 1 removed since ${previous}`,
    );
  });
});
