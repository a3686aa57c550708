// The batch as its coordinator stores it: one row whose JSON columns (options, retry
// codes, discovery plan, run link, change counts) are parsed here, once, at the
// store's edge. Every reader gets a typed `Batch`; nobody parses a column again.
import { z } from "zod";
import { CostCounts } from "./cost-ledger";
import { DiscoveryPlan } from "./discovery";
import { ErrorCode } from "./error-codes";
import { HostPaceNote } from "./host-view";
import { BatchOptions, ChangeCounts } from "./schemas";

/** Phases of a batch; `ingesting` is internal (the URL list is still streaming in). */
export const Phase = z.enum(["ingesting", "queued", "running", "completed", "cancelled", "failed", "expired"]);
export type Phase = z.infer<typeof Phase>;

/**
 * A scheduled run's link to its schedule: which occurrence it is and the window it must
 * publish in. (The run before it is `BeginInput.previousBatch`, as for any later run.)
 */
export const RunLink = z.object({
  scheduleId: z.string().describe("The schedule (named by the batch it repeats)."),
  /** The occurrence, ISO 8601: the window starts here. */
  scheduledAt: z.string().describe("The occurrence, ISO 8601: the window starts here."),
  /** ISO-8601 duration; absent: no window, no SLA. */
  window: z.string().optional().describe("ISO-8601 duration; absent: no window, no SLA."),
  /** The margin under which the run is late (with a window). */
  lateThreshold: z.number().optional().describe("The margin under which the run is late (with a window)."),
});
export type RunLink = z.infer<typeof RunLink>;

/** How a run drifted from its schedule's median of recent runs (lib/schedule-drift.ts). */
export const RunDrift = z.object({
  measures: z.array(z.enum(["duration", "cost"])).describe("What drifted: duration, cost, or both."),
  durationMs: z.number().describe("How long this run took, in milliseconds."),
  medianDurationMs: z.number().nullable().describe("The median duration of the earlier runs, in milliseconds."),
  estimatedUsd: z.number().describe("This run's estimated cost in USD."),
  medianUsd: z.number().nullable().describe("The median estimated cost of the earlier runs, in USD."),
  factor: z.number().describe("The schedule's drift factor: a measure drifts above this many times its median."),
  runs: z.number().int().describe("How many earlier runs the medians are of."),
});
export type RunDrift = z.infer<typeof RunDrift>;

/** A run's concurrency boost: when it was raised and to how many URLs in flight per host (at most the configured maximum). */
export const RunBoost = z.object({
  at: z.string().describe("When the concurrency was raised (ISO 8601)."),
  concurrency: z
    .number()
    .int()
    .positive()
    .describe("URLs in flight per host after the boost (at most the configured maximum)."),
  required: z
    .number()
    .int()
    .nullable()
    .describe("The concurrency the SLA said the rest needs (may exceed what politeness allows); null when unknown."),
});
export type RunBoost = z.infer<typeof RunBoost>;

/** A JSON-string column holding `schema`, or null. */
function jsonColumn<T extends z.ZodType>(schema: T) {
  return z
    .string()
    .nullable()
    .transform((text) => (text === null ? null : (schema.parse(JSON.parse(text)) as z.output<T>)));
}

const nullableInt = z.number().nullable();

/** The `batch` row, parsed: columns keep their names, JSON columns arrive as values. */
export const Batch = z.object({
  batch_id: z.string(),
  tenant: z.string(),
  phase: Phase,
  options: z.string().transform((text) => BatchOptions.parse(JSON.parse(text))),
  ingest_token: z.string().nullable(),
  created_at: z.number(),
  last_ingest_at: z.number(),
  sealed_at: nullableInt,
  finished_at: nullableInt,
  chunk_size: z.number(),
  total: z.number(),
  succeeded: z.number(),
  failed: z.number(),
  skipped: z.number(),
  invalid: z.number(),
  duplicates: z.number(),
  manifest_key: z.string().nullable(),
  failure: z.string().nullable(),
  retry_of: z.string().nullable(),
  /** The codes a retry took; null: every failed URL. */
  retry_codes: jsonColumn(z.array(ErrorCode)),
  /** URLs uploaded (set at seal): discovered URLs take the indices from here on. Null before discovery existed. */
  explicit_total: nullableInt,
  /** What the batch discovers from, or null. */
  discovery: jsonColumn(DiscoveryPlan),
  /** Discovery reached its cap and stopped. */
  capped: z.number().transform((n) => n === 1),
  previous_batch: z.string().nullable(),
  /** The change counts of the committed manifest, set on publication. */
  changes: jsonColumn(ChangeCounts),
  /** A scheduled run's link, or null. */
  run: jsonColumn(RunLink),
  /** When a scheduled run was found late (its `schedule.late` announced), or null. */
  late_at: nullableInt,
  /** Lease-to-report time of accepted chunk reports, and the URLs they fetched (lib/sla.ts). */
  busy_ms: z.number(),
  busy_urls: z.number(),
  /** A scheduled run copying its list from this batch by its own alarm, or null. */
  copy_from: z.string().nullable(),
  /** The next input index of `copy_from` to copy. */
  copy_cursor: nullableInt,
  /** A re-extraction: the batch whose stored bodies it reads (workers/reextract.ts), or null. */
  reextract_of: z.string().nullable().default(null),
  /** The recent rate of URLs ended (lib/progress.ts `RecentRate`), for the ETA. */
  rate_ended: z.number().default(0),
  rate_ms: z.number().default(0),
  rate_at: nullableInt.default(null),
  /** The host the batch was last held back by (lib/host-view.ts), or null. */
  held_by: jsonColumn(HostPaceNote).default(null),
  /** The cost ledger's counts as last stored (the coordinator adds what it counted since). */
  cost: jsonColumn(CostCounts)
    .optional()
    .transform((counts) => counts ?? null),
  /** A scheduled run found drifting from its schedule's median (its `schedule.drift` announced), or null. */
  drift: jsonColumn(RunDrift)
    .optional()
    .transform((drift) => drift ?? null),
  /** A scheduled run's per-host concurrency boost, set when its projected finish would miss the deadline. */
  boost: jsonColumn(RunBoost)
    .optional()
    .transform((boost) => boost ?? null),
});
export type Batch = z.output<typeof Batch>;

/** Still dispatching: queued or running. */
export function isLive(batch: Batch): boolean {
  return batch.phase === "queued" || batch.phase === "running";
}
