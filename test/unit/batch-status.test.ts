import { describe, expect, it } from "vitest";
import { Batch } from "../../lib/batch";
import { BatchSummary, batchStatus, expiresAtOf, slaAt } from "../../lib/batch-status";

const DAY_MS = 86_400_000;

/** A stored batch row as SQLite hands it back: JSON columns are strings. */
function row(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    batch_id: "b1",
    tenant: "t",
    phase: "running",
    options: JSON.stringify({}),
    ingest_token: null,
    created_at: 0,
    last_ingest_at: 0,
    sealed_at: 1_000,
    finished_at: null,
    chunk_size: 5,
    total: 10,
    succeeded: 4,
    failed: 1,
    skipped: 2,
    invalid: 1,
    duplicates: 1,
    manifest_key: null,
    failure: null,
    retry_of: null,
    retry_codes: null,
    explicit_total: 10,
    discovery: null,
    capped: 0,
    previous_batch: null,
    changes: null,
    run: null,
    late_at: null,
    busy_ms: 0,
    busy_urls: 0,
    copy_from: null,
    copy_cursor: null,
    ...overrides,
  };
}

const facts = { errorsByCode: { http_error: 1 }, discovery: null, defaultRetentionDays: 7 };

describe("Batch", () => {
  it("parses the JSON columns once into values", () => {
    const batch = Batch.parse(
      row({
        retry_codes: JSON.stringify(["timeout"]),
        changes: JSON.stringify({ new: 1, changed: 2, unchanged: 3, removed: 4 }),
        run: JSON.stringify({ scheduleId: "s", scheduledAt: "2026-01-01T00:00:00.000Z" }),
        capped: 1,
      }),
    );
    expect(batch.retry_codes).toEqual(["timeout"]);
    expect(batch.changes).toEqual({ new: 1, changed: 2, unchanged: 3, removed: 4 });
    expect(batch.run?.scheduleId).toBe("s");
    expect(batch.capped).toBe(true);
    expect(batch.options.respectRobots).toBe(true);
  });
});

describe("batchStatus", () => {
  it("reports an upload still streaming in as queued, not yet started", () => {
    const summary = batchStatus(Batch.parse(row({ phase: "ingesting", sealed_at: null })), facts, 5_000);
    expect(summary).toMatchObject({ status: "queued", startedAt: null, finishedAt: null });
  });

  it("derives counts, submitted counts and per-code errors, and matches the declared shape", () => {
    const summary = batchStatus(Batch.parse(row()), facts, 11_000);
    expect(summary.counts).toEqual({ total: 10, pending: 3, succeeded: 4, failed: 1, skipped: 2 });
    expect(summary.submitted).toEqual({ accepted: 8, invalid: 1, duplicates: 1 });
    expect(summary.errorsByCode).toEqual({ http_error: 1 });
    expect(BatchSummary.parse(summary)).toEqual(summary);
  });

  it("expires a published batch after its own retention, or the deployment's when it has none", () => {
    const published = { phase: "completed", manifest_key: "m", finished_at: DAY_MS };
    expect(expiresAtOf(Batch.parse(row(published)), 7)).toBe(8 * DAY_MS);
    const own = Batch.parse(row({ ...published, options: JSON.stringify({ retentionDays: 2 }) }));
    expect(batchStatus(own, facts, 0).expiresAt).toBe(new Date(3 * DAY_MS).toISOString());
    expect(expiresAtOf(Batch.parse(row()), 7)).toBeNull();
  });

  it("links a retry to the batch and codes it took", () => {
    const retry = Batch.parse(row({ retry_of: "a".repeat(64), retry_codes: JSON.stringify(["timeout"]) }));
    expect(batchStatus(retry, facts, 0).retryOf).toEqual({ batchId: "a".repeat(64), codes: ["timeout"] });
  });

  it("gives a run with a window its SLA figures, late once found late", () => {
    const run = JSON.stringify({ scheduleId: "s", scheduledAt: new Date(0).toISOString(), window: "PT1H" });
    const summary = batchStatus(Batch.parse(row({ run, late_at: 10 })), facts, 60_000);
    expect(summary.sla).toMatchObject({ window: "PT1H", deadline: new Date(3_600_000).toISOString(), late: true });
    expect(slaAt(Batch.parse(row({ run, late_at: 10 })), 60_000)).toEqual(summary.sla);
    expect(batchStatus(Batch.parse(row()), facts, 0).sla).toBeNull();
    expect(slaAt(Batch.parse(row()), 0)).toBeNull();
  });
});
