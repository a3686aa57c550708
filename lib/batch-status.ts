// A batch's status: the one shape the coordinator answers, the API shows (with links),
// webhooks carry and a run's history copies, and the pure function that derives it
// from the stored batch. Declared once here; the OpenAPI schemas reuse these.
import { z } from "zod";
import { type Batch, isLive, RunBoost, RunDrift, RunLink } from "./batch";
import { CostView, costView, DEFAULT_PRICES, emptyCounts } from "./cost-ledger";
import { DiscoveryStatus } from "./discovery";
import { ErrorCode } from "./error-codes";
import { SlowestHost, slowestHostOf } from "./host-view";
import { type Progress, progressOf } from "./progress";
import { DEFAULT_LATE_THRESHOLD, windowMs } from "./schedule";
import { BatchId, BatchStatus, ChangeCounts } from "./schemas";
import { slaOf } from "./sla";

const DAY_MS = 86_400_000;

export const BatchCounts = z.object({
  total: z.number().int().describe("URLs in the batch (accepted, including those refused at submission)."),
  pending: z.number().int().describe("URLs not yet in a terminal state."),
  succeeded: z.number().int().describe("URLs fetched and extracted."),
  failed: z.number().int().describe("URLs that failed (see errorsByCode)."),
  skipped: z.number().int().describe("URLs not fetched (robots, cancelled, duplicates...)."),
});
export type BatchCounts = z.infer<typeof BatchCounts>;

export const SubmitCounts = z.object({
  accepted: z.number().int(),
  invalid: z.number().int(),
  duplicates: z.number().int(),
});
export type SubmitCounts = z.infer<typeof SubmitCounts>;

/** A retry batch's link to the batch it retries: which one, and which codes it took (null: every failed URL). */
export const RetryOf = z.object({
  batchId: BatchId.describe("The batch retried."),
  codes: z.array(ErrorCode).nullable().describe("The codes retried; null: every failed URL."),
});
export type RetryOf = z.infer<typeof RetryOf>;

/** A scheduled run's SLA figures (lib/sla.ts), times as ISO 8601. */
export const SlaView = z.object({
  window: z.string().describe("The run's window, an ISO-8601 duration."),
  deadline: z.string().describe("When the run must be published by, ISO 8601."),
  projectedFinish: z
    .string()
    .nullable()
    .describe("When it will publish at the current pace; null before any URL finished."),
  margin: z.number().nullable().describe("1 - (projected finish - scheduled time) / window."),
  requiredConcurrency: z
    .number()
    .int()
    .nullable()
    .describe("URLs in flight needed to publish by the deadline at the measured per-URL slot time."),
  late: z.boolean().describe("The margin is under the schedule's lateThreshold (or the deadline passed)."),
});
export type SlaView = z.infer<typeof SlaView>;

/** A batch's status as the coordinator answers it. */
export const BatchSummary = z.object({
  id: z.string().describe("The batch id."),
  tenant: z.string(),
  status: BatchStatus.describe(
    "`queued`, `running`, `completed`, `cancelled`, `failed` or `expired` (published, results deleted).",
  ),
  createdAt: z.string().describe("When the batch was submitted, ISO 8601."),
  startedAt: z.string().nullable().describe("When the first URL was handed out; null while queued."),
  finishedAt: z.string().nullable().describe("When the batch was published; null before."),
  counts: BatchCounts.describe("URLs by state."),
  submitted: SubmitCounts,
  percent: z.number().describe("Share of URLs in a terminal state, 0-100."),
  pagesPerSecond: z.number().nullable().describe("URLs finished per second lately; null before any finished."),
  etaSeconds: z.number().nullable().describe("Seconds until every URL is done at the current pace; null when unknown."),
  manifestKey: z.string().nullable(),
  /** When the results are (or were) deleted; null until published. */
  expiresAt: z.string().nullable().describe("When the results are (or were) deleted; null until published."),
  /** Set on a batch made by POST /v1/batches/{id}/retry. */
  retryOf: RetryOf.nullable().describe(
    "Set on a batch made by POST /v1/batches/{id}/retry: the batch it retries and the codes it took.",
  ),
  reextractOf: z
    .string()
    .nullable()
    .optional()
    .describe("Set on a batch made by POST /v1/batches/{id}/reextract: the batch whose stored bodies it read."),
  /** The run this one is compared with (a schedule's previous run, or the one named on submission). */
  previousBatch: z
    .string()
    .nullable()
    .describe("The run this one is compared with (a schedule's previous run, or the one named on submission)."),
  /** How many records say each change; null until published. */
  changes: ChangeCounts.nullable().describe("How many records say each change; null until published."),
  /** Set on a scheduled run. */
  run: RunLink.nullable().describe("Set on a scheduled run: its schedule and occurrence."),
  /** Set on a scheduled run with a window. */
  sla: SlaView.nullable().describe("Set on a scheduled run with a window."),
  /** Failed and skipped URLs per error code, exact (`failed + skipped` in all). */
  errorsByCode: z
    .record(z.string(), z.number().int())
    .describe("Failed and skipped URLs per error code, exact (`failed + skipped` in all)."),
  failure: z.string().nullable().describe("Why the batch failed as a whole; null otherwise."),
  /** Set when the batch discovers URLs from sources (sitemaps, feeds, robots.txt). */
  discovery: DiscoveryStatus.nullable().describe(
    "Set when the batch discovers URLs from sources (sitemaps, feeds, robots.txt).",
  ),
  slowestHost: SlowestHost.nullable().describe(
    "While running: the host the batch was held back by within the last minute, and why (GET /v1/batches/{id}/hosts has them all).",
  ),
  cost: CostView.describe("The cost ledger: operations counted so far, priced (lib/cost-ledger.ts)."),
  drift: RunDrift.nullable().describe("Set on a scheduled run found drifting from its schedule's recent runs."),
  boost: RunBoost.nullable().describe(
    "Set on a scheduled run whose per-host concurrency was raised to meet its deadline.",
  ),
});
export type BatchSummary = z.infer<typeof BatchSummary>;

/** What the status needs beside the batch row: counts kept in other tables, and the deployment's retention. */
export interface StatusFacts {
  errorsByCode: Record<string, number>;
  /** The discovery status, or null when the batch discovers nothing. */
  discovery: DiscoveryStatus | null;
  /** RETENTION_DAYS: for batches from before retention was an option. */
  defaultRetentionDays: number;
  /** The priced ledger; absent: the stored counts at the published prices. */
  cost?: CostView;
}

/** The batch's retention in days; batches from before retention existed get the deployment's. */
export function retentionDaysOf(batch: Batch, defaultRetentionDays: number): number {
  return batch.options.retentionDays ?? defaultRetentionDays;
}

/** When the results are deleted (epoch ms): publication plus the retention; null until published. */
export function expiresAtOf(batch: Batch, defaultRetentionDays: number): number | null {
  return batch.manifest_key && batch.finished_at
    ? batch.finished_at + retentionDaysOf(batch, defaultRetentionDays) * DAY_MS
    : null;
}

/** The status of `batch` at `now`. */
export function batchStatus(batch: Batch, facts: StatusFacts, now: number): BatchSummary {
  const status = statusOf(batch);
  const progress = progressAt(batch, now);
  return {
    id: batch.batch_id,
    tenant: batch.tenant,
    status,
    createdAt: new Date(batch.created_at).toISOString(),
    startedAt: batch.sealed_at ? toIso(batch.sealed_at) : null,
    finishedAt: batch.finished_at ? toIso(batch.finished_at) : null,
    ...progress,
    submitted: {
      accepted: batch.total - batch.invalid - batch.duplicates,
      invalid: batch.invalid,
      duplicates: batch.duplicates,
    },
    manifestKey: batch.manifest_key,
    expiresAt: toIso(expiresAtOf(batch, facts.defaultRetentionDays)),
    previousBatch: batch.previous_batch,
    changes: batch.changes,
    retryOf: batch.retry_of ? { batchId: batch.retry_of, codes: batch.retry_codes } : null,
    reextractOf: batch.reextract_of,
    run: batch.run,
    sla: slaView(batch, { pending: progress.counts.pending, etaSeconds: progress.etaSeconds }, now),
    errorsByCode: facts.errorsByCode,
    failure: batch.failure,
    discovery: facts.discovery,
    slowestHost: isLive(batch) ? slowestHostOf(batch.held_by, now) : null,
    cost:
      facts.cost ??
      costView(batch.cost ?? emptyCounts(), DEFAULT_PRICES, retentionDaysOf(batch, facts.defaultRetentionDays)),
    drift: batch.drift,
    boost: batch.boost,
  };
}

/** The SLA figures of `batch` at `now` without the rest of the status: what lateness and the alarm's next check need. */
export function slaAt(batch: Batch, now: number): SlaView | null {
  if (!batch.run) return null;
  const progress = progressAt(batch, now);
  return slaView(batch, { pending: progress.counts.pending, etaSeconds: progress.etaSeconds }, now);
}

/** The SLA figures of a run with a window at `now`, or null (no run, or no window). */
export function slaView(
  batch: Batch,
  progress: { pending: number; etaSeconds: number | null },
  now: number,
): SlaView | null {
  const run = batch.run;
  const window = run?.window ?? null;
  const ms = windowMs(window);
  if (!run || window === null || ms === null) return null;
  const sla = slaOf({
    scheduledAt: Date.parse(run.scheduledAt),
    windowMs: ms,
    lateThreshold: run.lateThreshold ?? DEFAULT_LATE_THRESHOLD,
    pending: progress.pending,
    etaSeconds: progress.etaSeconds,
    busyMs: batch.busy_ms,
    busyUrls: batch.busy_urls,
    finishedAt: batch.manifest_key ? batch.finished_at : null,
    now,
  });
  return {
    window,
    deadline: new Date(sla.deadline).toISOString(),
    projectedFinish: sla.projectedFinish === null ? null : new Date(sla.projectedFinish).toISOString(),
    margin: sla.margin,
    requiredConcurrency: sla.requiredConcurrency,
    // Once found late, a run stays late whatever its pace does after.
    late: batch.late_at !== null || sla.late,
  };
}

/** The public status of a phase: an upload still streaming in is `queued`. */
function statusOf(batch: Batch): BatchStatus {
  return batch.phase === "ingesting" ? "queued" : batch.phase;
}

function progressAt(batch: Batch, now: number): Progress {
  const { total, succeeded, failed, skipped } = batch;
  const input = { status: statusOf(batch), total, succeeded, failed, skipped };
  const recent = { ended: batch.rate_ended, ms: batch.rate_ms, at: batch.rate_at };
  return progressOf({ ...input, startedAt: batch.sealed_at, finishedAt: batch.finished_at, recent }, now);
}

function toIso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}
