// What the CLI prints about a batch: durations, counts per error code, progress lines.
import { describe, expect, it } from "vitest";
import type { BatchView } from "../../../cli/api-client";
import { describeBatch, formatDuration, formatTally, progressLine } from "../../../cli/format";
import { emptyCounts } from "../../../lib/cost-ledger";

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
    slowestHost: null,
    cost: { counts: emptyCounts(), estimatedUsd: 0, priceTableDate: "2026-12-07" },
    drift: null,
    boost: null,
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

  it("names the host a batch waits for, and why, while it is held back", () => {
    const held = view({ slowestHost: { origin: "https://slow.example", reason: "throttled_503", pace: 0.5 } });
    expect(progressLine(held)).toBe(
      "running 45.0% 450/1000 | succeeded 440 failed 3 skipped 7 | 12.3 pages/s | ETA 45s | waiting for https://slow.example: slowed after 503 Service Unavailable (0.5 req/s) | duplicate 7, http_error 3",
    );
    expect(describeBatch(held)).toContain("held back waiting for https://slow.example: slowed after 503");
    expect(progressLine(view())).not.toContain("waiting for");
  });
});

describe("describeBatch", () => {
  it("shows the cost ledger: the estimate, its prices' date and the operations", () => {
    const counts = { ...emptyCounts(), fetches: 31, bytesFetched: 33_358, queueMessages: 6, doRequests: 46 };
    const cost = {
      counts: { ...counts, sqliteRowsWritten: 261, r2ClassA: 8, r2BytesStored: 42_494 },
      estimatedUsd: 0.000312,
      priceTableDate: "2026-12-07",
    };
    expect(describeBatch(view({ cost }))).toContain(
      "cost      ~$0.000312 at the prices of 2026-12-07: 31 fetches (32.6 KB), 6 queue messages, 46 DO requests, 261 rows written, R2 8 class A / 0 class B, 41.5 KB stored",
    );
  });

  it("says when a run was boosted or drifted", () => {
    const boost = { at: "2026-11-30T10:00:05.000Z", concurrency: 2, required: 7 };
    const drift = {
      measures: ["duration" as const],
      durationMs: 9000,
      medianDurationMs: 3000,
      estimatedUsd: 0.1,
      medianUsd: 0.1,
      factor: 2,
      runs: 5,
    };
    const text = describeBatch(view({ boost, drift }));
    expect(text).toContain("boost     per-host concurrency raised to 2 at 2026-11-30T10:00:05.000Z");
    expect(text).toContain("drift     duration above 2x the median of the last 5 runs");
    expect(describeBatch(view())).not.toMatch(/boost|drift/);
  });

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
