// Request and response schemas of the public API: the OpenAPI document is generated
// from these, so the docs cannot drift from what the handlers accept and answer.
import { z } from "@hono/zod-openapi";
import { RunBoost, RunDrift, RunLink } from "../lib/batch";
import { BatchSummary, SlaView as SlaFigures } from "../lib/batch-status";
import { DiscoveryFields } from "../lib/discovery";
import { ErrorCode } from "../lib/error-codes";
import { DailyTime, ScheduleSpec } from "../lib/schedule";
import {
  BatchId,
  BatchOptions,
  BatchStatus,
  ChangeCounts,
  Manifest,
  ResultRecord,
  UrlEntry,
  UrlState,
} from "../lib/schemas";
import { ApiErrorCode } from "./error-codes";

export const ErrorResponse = z
  .object({
    error: z.object({
      code: ApiErrorCode,
      message: z.string(),
      details: z.array(z.object({ field: z.string(), reason: z.string() })),
    }),
  })
  .openapi("Error");

/** An error response in a route definition: the one JSON error shape, with its meaning. */
export function errorResponse(description: string) {
  return { description, content: { "application/json": { schema: ErrorResponse } } };
}

/** The answers every authenticated route can give about a batch id. */
export const batchErrors = {
  400: errorResponse("Invalid request; `details` names each field"),
  401: errorResponse("Missing or unknown API key"),
  404: errorResponse("No such batch for this tenant"),
};

/** Every `/v1` route but signed downloads takes a bearer key. */
export const bearerSecurity = [{ bearer: [] }];

export const CreateBatchJson = z
  .object({
    /** May be empty (or left out) when `sources` names where to discover URLs. */
    urls: z.array(UrlEntry).default([]),
    ...DiscoveryFields,
    options: BatchOptions.optional(),
    schedule: ScheduleSpec.optional(),
    /** A published batch of yours to compare with: conditional requests, and each record's `change`. */
    previousBatch: BatchId.optional(),
  })
  .strict()
  .openapi("CreateBatch");

export const ScheduleView = z
  .object({
    id: BatchId,
    sourceBatch: BatchId,
    cron: z.string().openapi({ description: "Five-field cron expression, read in `timeZone`" }),
    timeZone: z.string(),
    /** The `daily` shorthand it was created with, or null. */
    daily: DailyTime.nullable(),
    window: z.string().nullable().openapi({ description: "ISO-8601 duration each run must publish within" }),
    lateThreshold: z.number(),
    /** When a finished run is reported drifting: above `factor` times the median of the last `window` runs. */
    drift: z.object({ factor: z.number(), window: z.number().int() }),
    nextRunAt: z.string(),
    lastBatch: BatchId.nullable(),
    /** False once stopped (DELETE). */
    active: z.boolean(),
    paused: z.boolean(),
  })
  .openapi("Schedule");

export const SchedulesPage = z
  .object({
    schedules: z.array(ScheduleView),
    nextCursor: z.string().nullable().openapi({ description: "Pass as `cursor` for the next page; null on the last" }),
  })
  .openapi("SchedulesPage");

/** How many records say each `change`; set once published. `removed` records are only in `download?changes=only`. */
const ChangeCountsView = z.object(ChangeCounts.shape).openapi("ChangeCounts");

export const ScheduleRunView = z
  .object({
    batchId: BatchId.nullable(),
    scheduledAt: z.string(),
    startedAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
    status: z.union([BatchStatus, z.literal("skipped")]),
    /** Why the occurrence was skipped; null for a run. */
    reason: z.string().nullable(),
    counts: z.object({
      total: z.number().int(),
      succeeded: z.number().int(),
      failed: z.number().int(),
      skipped: z.number().int(),
    }),
    /** From the run's manifest, when it counts changes since the previous run. */
    changes: ChangeCountsView.nullable(),
    durationSeconds: z.number().nullable(),
    /** With a window: whether the run was late; null without one. */
    late: z.boolean().nullable(),
    /** The run's cost ledger priced (see the batch's `cost`), and its URL attempts sent back for a retry. */
    estimatedUsd: z.number().nullable(),
    retries: z.number().int().nullable(),
    /** Set when the run took or cost more than the schedule's drift factor times its recent median. */
    drift: RunDrift.nullable(),
    /** Set when the run raised its per-host concurrency to meet its window. */
    boost: RunBoost.nullable(),
  })
  .openapi("ScheduleRun");

export const ScheduleRunsPage = z
  .object({ runs: z.array(ScheduleRunView), nextCursor: z.string().nullable() })
  .openapi("ScheduleRunsPage");

/** A scheduled run's link (lib/batch.ts); a schedule is named by the batch it repeats. */
const RunLinkView = RunLink.extend({ scheduleId: BatchId });

const SlaView = z
  .object({
    ...SlaFigures.shape,
    margin: z.number().nullable().openapi({ description: "1 - (projected finish - scheduled time) / window" }),
    requiredConcurrency: z.number().int().nullable().openapi({
      description: "URLs in flight needed to publish by the deadline at the measured per-URL slot time",
    }),
  })
  .openapi("Sla");

export const BatchParams = z.object({ id: BatchId });

const Links = z.object({
  self: z.string(),
  results: z.string(),
  errors: z.string(),
  manifest: z.string().nullable(),
  download: z.string().nullable(),
});

/**
 * The public status of a batch: the coordinator's status (lib/batch-status.ts) without
 * its tenant, submission counts and object key, with ids checked, named components and
 * links relative to this API.
 */
export const BatchView = z
  .object({
    ...BatchSummary.omit({ tenant: true, submitted: true, manifestKey: true }).shape,
    id: BatchId,
    published: z.boolean(),
    /** The batch this one retries (POST /v1/batches/{id}/retry), or null. */
    retryOf: BatchId.nullable(),
    /** The batch this one re-extracts (POST /v1/batches/{id}/reextract), or null. */
    reextractOf: BatchId.nullable().optional(),
    previousBatch: BatchId.nullable(),
    changes: ChangeCountsView.nullable(),
    /** A scheduled run's link to its schedule, or null. */
    run: RunLinkView.nullable(),
    /** A scheduled run with a window: its projected finish and margin, or null. */
    sla: SlaView.nullable(),
    links: Links,
  })
  .openapi("Batch");

export const InvalidSample = z.object({
  index: z.number().int(),
  url: z.string(),
  code: ErrorCode,
  reason: z.string(),
});

export const CreatedBatch = BatchView.extend({
  accepted: z.number().int(),
  duplicates: z.number().int(),
  invalid: z.object({ count: z.number().int(), samples: z.array(InvalidSample) }),
  replayed: z.boolean(),
  schedule: ScheduleView.nullable(),
}).openapi("CreatedBatch");

export const BatchList = z
  .object({
    batches: z.array(z.object({ id: BatchId, createdAt: z.string(), status: z.string(), total: z.number().int() })),
    nextCursor: z.string().nullable(),
  })
  .openapi("BatchList");

export const ListQuery = z.object({
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

export const ResultsQuery = z.object({
  cursor: z
    .string()
    .regex(/^\d{1,9}$/, "must be a cursor returned by a previous page")
    .optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  status: UrlState.optional(),
});

export const ErrorsQuery = ResultsQuery.omit({ status: true }).extend({ code: ErrorCode.optional() });

export const ResultsPage = z
  .object({
    partial: z.boolean(),
    records: z.array(ResultRecord),
    pending: z.number().int(),
    nextCursor: z.string().nullable(),
  })
  .openapi("ResultsPage");

export const ErrorsPage = z
  .object({
    errors: z.array(
      z.object({
        index: z.number().int(),
        id: z.string().nullable(),
        url: z.string(),
        status: UrlState,
        code: z.string().nullable(),
        message: z.string().nullable(),
      }),
    ),
    nextCursor: z.string().nullable(),
  })
  .openapi("ErrorsPage");

/** How a result set downloads: NDJSON, NDJSON gzipped whatever the client accepts, or Parquet. */
export const DownloadFormat = z.enum(["ndjson", "ndjson.gz", "parquet", "warc"]);
export type DownloadFormat = z.infer<typeof DownloadFormat>;

/** What a download's rows are: one record per input URL, or one row per chunk (lib/chunk/chunk-view.ts). */
export const DownloadView = z.enum(["records", "chunks"]);
export type DownloadView = z.infer<typeof DownloadView>;

export const DownloadLink = z
  .object({
    url: z.string(),
    expiresAt: z.string(),
    /** Records the download reads; with `view=chunks`, the records its chunk rows come from. */
    records: z.number().int(),
    format: DownloadFormat,
    view: DownloadView.optional(),
  })
  .openapi("DownloadLink");

const ChangesFilter = z.enum(["only"]);
const Flag = z.enum(["true", "false"]);

export const DownloadLinkQuery = z.object({
  format: DownloadFormat.default("ndjson").openapi({
    description:
      "`ndjson` (default), `ndjson.gz` (gzip bytes whatever Accept-Encoding says), `parquet` (typed columns) or `warc` (the stored pages of a `keepRaw` batch as WARC/1.1, one gzip member per record)",
  }),
  merge: BatchId.optional().openapi({
    description:
      "On a retry batch: the id of the batch it retried. The link then serves one record per input URL of that batch, the retry's outcome winning.",
  }),
  changes: ChangesFilter.optional().openapi({
    description:
      "`only`: just the records whose `change` is new or changed, then the removed ones (URLs of the previous run not in this one): what a downstream index must update.",
  }),
  view: DownloadView.optional().openapi({
    description:
      "`records` (default): one record per input URL. `chunks`: one row per chunk of each succeeded page (batches made with `chunking`), with the page's index, id, url, title and language repeated, in input order.",
  }),
  dropNearDuplicates: Flag.optional().openapi({
    description:
      "With `view=chunks`: `true` leaves out the pages whose record has `nearDuplicateOf` set (near-duplicates of an earlier page).",
  }),
});

export const DownloadQuery = z.object({
  format: DownloadFormat.default("ndjson"),
  merge: BatchId.optional(),
  changes: ChangesFilter.optional(),
  view: DownloadView.optional(),
  dropNearDuplicates: Flag.optional(),
  expires: z.string().regex(/^\d{1,12}$/, "must be unix seconds"),
  signature: z.string().regex(/^[0-9a-f]{64}$/, "must be 64 hex characters"),
});

export const ManifestView = Manifest;
