// Request and response schemas of the public API: the OpenAPI document is generated
// from these, so the docs cannot drift from what the handlers accept and answer.
import { z } from "@hono/zod-openapi";
import { RunBoost, RunDrift, RunLink } from "../lib/batch";
import { BatchSummary, SlaView as SlaFigures } from "../lib/batch-status";
import { BatchName, Label, LabelList, Labels } from "../lib/batch-tags";
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
    error: z
      .object({
        code: ApiErrorCode.describe("A closed API error code (see the README)."),
        message: z.string().describe("What is wrong, naming the first field at fault."),
        details: z
          .array(
            z.object({
              field: z.string().describe("The field at fault, as a path: `options.formats[0]`, `urls[3].id`."),
              reason: z.string().describe("What is wrong with it."),
            }),
          )
          .describe("Each field at fault, and why."),
      })
      .describe("The error."),
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
    urls: z
      .array(UrlEntry)
      .default([])
      .describe("The URLs: strings, or `{url, id}` to carry your own id. May be empty when `sources` is given."),
    ...DiscoveryFields,
    name: BatchName.optional(),
    labels: Labels.optional(),
    options: BatchOptions.optional().describe("How to fetch and extract; every field has a default."),
    schedule: ScheduleSpec.optional().describe(
      "Run this list again on a schedule (`daily` or `cron`); the batch is its first run's source.",
    ),
    /** A published batch of yours to compare with: conditional requests, and each record's `change`. */
    previousBatch: BatchId.optional().describe(
      "A published batch of yours to compare with: conditional requests, and each record's `change`.",
    ),
  })
  .strict()
  .openapi("CreateBatch");

export const ScheduleView = z
  .object({
    id: BatchId.describe("The schedule's id (the id of the batch it repeats)."),
    sourceBatch: BatchId.describe("The batch whose URL list each run copies."),
    cron: z.string().openapi({ description: "Five-field cron expression, read in `timeZone`" }),
    timeZone: z.string().describe("IANA time zone `cron` is read in."),
    /** The `daily` shorthand it was created with, or null. */
    daily: DailyTime.nullable().describe("The `daily` shorthand it was created with, or null."),
    window: z.string().nullable().openapi({ description: "ISO-8601 duration each run must publish within" }),
    lateThreshold: z.number().describe("A run whose margin drops under this counts as late."),
    drift: z
      .object({
        factor: z.number().describe("A run drifts when its duration or cost is above this many times the median."),
        window: z.number().int().describe("How many earlier finished runs the median is of."),
      })
      .describe("When a finished run is reported drifting: above `factor` times the median of the last `window` runs."),
    nextRunAt: z.string().describe("The next occurrence, ISO 8601."),
    lastBatch: BatchId.nullable().describe("The latest run's batch, or null before the first."),
    /** False once stopped (DELETE). */
    active: z.boolean().describe("False once stopped (DELETE)."),
    paused: z.boolean().describe("Paused: occurrences are skipped until resumed."),
  })
  .openapi("Schedule");

export const SchedulesPage = z
  .object({
    schedules: z.array(ScheduleView).describe("This page's schedules."),
    nextCursor: z.string().nullable().openapi({ description: "Pass as `cursor` for the next page; null on the last" }),
  })
  .openapi("SchedulesPage");

/** How many records say each `change`; set once published. `removed` records are only in `download?changes=only`. */
const ChangeCountsView = z
  .object(ChangeCounts.shape)
  .describe("How many records say each `change` next to the previous run.")
  .openapi("ChangeCounts");

export const ScheduleRunView = z
  .object({
    batchId: BatchId.nullable().describe("The run's batch; null for a skipped occurrence."),
    scheduledAt: z.string().describe("The occurrence, ISO 8601."),
    startedAt: z.string().nullable().describe("When the run started."),
    finishedAt: z.string().nullable().describe("When the run was published."),
    status: z.union([BatchStatus, z.literal("skipped")]).describe("The run's batch status, or `skipped`."),
    /** Why the occurrence was skipped; null for a run. */
    reason: z.string().nullable().describe("Why the occurrence was skipped; null for a run."),
    counts: z
      .object({
        total: z.number().int().describe("URLs in the run."),
        succeeded: z.number().int().describe("URLs that succeeded."),
        failed: z.number().int().describe("URLs that failed."),
        skipped: z.number().int().describe("URLs skipped."),
      })
      .describe("The run's URLs by state."),
    /** From the run's manifest, when it counts changes since the previous run. */
    changes: ChangeCountsView.nullable().describe(
      "From the run's manifest, when it counts changes since the previous run.",
    ),
    durationSeconds: z.number().nullable().describe("From scheduled time to publication."),
    /** With a window: whether the run was late; null without one. */
    late: z.boolean().nullable().describe("With a window: whether the run was late; null without one."),
    estimatedUsd: z.number().nullable().describe("The run's cost ledger priced (see the batch's `cost`)."),
    retries: z.number().int().nullable().describe("The run's URL attempts sent back for a retry."),
    drift: RunDrift.nullable().describe(
      "Set when the run took or cost more than the schedule's drift factor times its recent median.",
    ),
    boost: RunBoost.nullable().describe("Set when the run raised its per-host concurrency to meet its window."),
  })
  .openapi("ScheduleRun");

export const ScheduleRunsPage = z
  .object({
    runs: z.array(ScheduleRunView).describe("This page's runs, newest first."),
    nextCursor: z.string().nullable().describe("Pass as `cursor` for the next page; null on the last."),
  })
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
  self: z.string().describe("This batch's status."),
  results: z.string().describe("Its records, paged."),
  errors: z.string().describe("Its failed and skipped URLs, paged."),
  manifest: z.string().nullable().describe("Its manifest, once published."),
  download: z.string().nullable().describe("A signed link to the whole result set, once published."),
});

/**
 * The public status of a batch: the coordinator's status (lib/batch-status.ts) without
 * its tenant, submission counts and object key, with ids checked, named components and
 * links relative to this API.
 */
export const BatchView = z
  .object({
    ...BatchSummary.omit({ tenant: true, submitted: true, manifestKey: true }).shape,
    id: BatchId.describe("The batch id: 64 lower-case hex characters."),
    name: BatchName.nullable().describe("The name given on submission, or null."),
    labels: z.array(Label).describe("The labels given on submission."),
    published: z.boolean().describe("The manifest is written: results are final and downloadable."),
    /** The batch this one retries (POST /v1/batches/{id}/retry), or null. */
    retryOf: BatchId.nullable().describe("The batch this one retries (POST /v1/batches/{id}/retry), or null."),
    reextractOf: BatchId.nullable()
      .optional()
      .describe("The batch this one re-extracts (POST /v1/batches/{id}/reextract), or null."),
    previousBatch: BatchId.nullable().describe("The run this one is compared with, or null."),
    changes: ChangeCountsView.nullable().describe("How many records say each change; null until published."),
    /** A scheduled run's link to its schedule, or null. */
    run: RunLinkView.nullable().describe("A scheduled run's link to its schedule, or null."),
    /** A scheduled run with a window: its projected finish and margin, or null. */
    sla: SlaView.nullable().describe("A scheduled run with a window: its projected finish and margin, or null."),
    links: Links.describe("Where to read more about it."),
  })
  .openapi("Batch");

export const InvalidSample = z.object({
  index: z.number().int().describe("The line's 0-based position in the list."),
  url: z.string().describe("The line as given."),
  code: ErrorCode.describe("A closed API error code (see the README)."),
  reason: z.string().describe("Why, in words."),
});

export const CreatedBatch = BatchView.extend({
  accepted: z.number().int().describe("URLs accepted for fetching."),
  duplicates: z.number().int().describe("Lines that repeat an earlier URL (recorded `skipped`, `duplicate`)."),
  invalid: z
    .object({
      count: z.number().int().describe("Lines refused."),
      samples: z.array(InvalidSample).describe("Up to 20 of them, with why."),
    })
    .describe("Lines refused at submission (recorded `failed`), with up to 20 samples."),
  replayed: z.boolean().describe("The same Idempotency-Key was seen before: this is that batch."),
  schedule: ScheduleView.nullable().describe("The schedule created with the batch, or null."),
}).openapi("CreatedBatch");

export const BatchList = z
  .object({
    batches: z
      .array(
        z.object({
          id: BatchId,
          createdAt: z.string().describe("When it was submitted, ISO 8601."),
          status: z.string().describe("Its status (see `Batch.status`)."),
          total: z.number().int().describe("URLs in it."),
          name: BatchName.nullable().describe("The name given on submission, or null."),
          labels: z.array(Label).describe("The labels given on submission."),
        }),
      )
      .describe("This page's batches, newest first."),
    nextCursor: z.string().nullable().describe("Pass as `cursor` for the next page; null on the last."),
  })
  .openapi("BatchList");

export const ListQuery = z.object({
  label: LabelList.optional().describe("Only batches with this label (comma-separated: with every one of them)."),
  cursor: z.string().max(200).optional().describe("`nextCursor` of the previous page."),
  limit: z.coerce.number().int().min(1).max(100).default(20).describe("Batches per page (1-100)."),
});

export const ResultsQuery = z.object({
  cursor: z
    .string()
    .regex(/^\d{1,9}$/, "must be a cursor returned by a previous page")
    .optional()
    .describe("`nextCursor` of the previous page."),
  limit: z.coerce.number().int().min(1).max(200).default(50).describe("Records per page (1-200)."),
  status: UrlState.optional().describe("Only records in this state."),
});

export const ErrorsQuery = ResultsQuery.omit({ status: true }).extend({
  code: ErrorCode.optional().describe("Only URLs with this error code."),
});

export const ResultsPage = z
  .object({
    partial: z.boolean().describe("True while the batch runs: only finished URLs are listed."),
    records: z.array(ResultRecord).describe("This page's records, in input order."),
    pending: z.number().int().describe("URLs not finished yet."),
    nextCursor: z.string().nullable().describe("Pass as `cursor` for the next page; null on the last."),
  })
  .openapi("ResultsPage");

export const ErrorsPage = z
  .object({
    errors: z
      .array(
        z.object({
          index: z.number().int().describe("The URL's 0-based input position."),
          id: z.string().nullable().describe("Your id for it, or null."),
          url: z.string().describe("The URL."),
          status: UrlState.describe("`failed` or `skipped`."),
          code: z.string().nullable().describe("Its error code."),
          message: z.string().nullable().describe("What is wrong, naming the first field at fault."),
        }),
      )
      .describe("This page's failed and skipped URLs, in input order."),
    nextCursor: z.string().nullable().describe("Pass as `cursor` for the next page; null on the last."),
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
    url: z.string().describe("The signed link (no key needed)."),
    expiresAt: z.string().describe("When the link stops working, ISO 8601."),
    records: z.number().int().describe("Records it serves; with `view=chunks`, the records its chunk rows come from."),
    format: DownloadFormat.describe("What it serves."),
    view: DownloadView.optional().describe("`chunks` when the link serves one row per chunk."),
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
  format: DownloadFormat.default("ndjson").describe("`ndjson`, `ndjson.gz`, `parquet` or `warc`."),
  merge: BatchId.optional().describe("On a retry batch: the batch it retried, merged."),
  changes: ChangesFilter.optional().describe("`only`: just what moved since the previous run."),
  view: DownloadView.optional().describe("`chunks`: one row per chunk of each page (batches made with `chunking`)."),
  dropNearDuplicates: Flag.optional().describe(
    "With `view=chunks`: leave out pages whose record has `nearDuplicateOf`.",
  ),
  expires: z
    .string()
    .regex(/^\d{1,12}$/, "must be unix seconds")
    .describe("Unix seconds the signature is valid until."),
  signature: z
    .string()
    .regex(/^[0-9a-f]{64}$/, "must be 64 hex characters")
    .describe("HMAC of the link."),
});

export const ManifestView = Manifest;
