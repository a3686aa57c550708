import { z } from "zod";
import { ErrorCode } from "./error-codes";
import { StructuredData } from "./extract/structured";
import { ValidationRules } from "./page-validation";
import { WebhookConfig } from "./webhooks";

/** Longest URL we accept; longer ones are almost always generated garbage. */
export const MAX_URL_LENGTH = 8192;
/** Longest caller-given id. */
export const MAX_ID_LENGTH = 256;

export const BatchId = z.string().regex(/^[0-9a-f]{64}$/, "must be a 64-character lower-case hex batch id");
export type BatchId = z.infer<typeof BatchId>;

export const OutputFormat = z.enum(["markdown", "html", "text", "links"]);
export type OutputFormat = z.infer<typeof OutputFormat>;

const Selector = z.string().min(1).max(500);

export const BatchOptions = z
  .object({
    onlyMainContent: z.boolean().default(true),
    /** Keep images in the Markdown; false gives text only (no image alt text). */
    images: z.boolean().default(true),
    includeSelectors: z.array(Selector).max(50).default([]),
    excludeSelectors: z.array(Selector).max(50).default([]),
    formats: z.array(OutputFormat).min(1).default(["markdown"]),
    respectRobots: z.boolean().default(true),
    maxAttempts: z.number().int().min(1).max(10).default(4),
    /** Quality rules each fetched page must pass, or end `failed` with `validation_failed` (content kept). */
    validate: ValidationRules.optional(),
    /** Days the results are kept after publication; the API fills in RETENTION_DAYS when absent. */
    retentionDays: z.number().int().min(1).max(3650).optional(),
    /** Where to send this batch's events (and every scheduled run's); see lib/webhooks.ts. */
    webhook: WebhookConfig.optional(),
    /** Keep a first heading that repeats the page title in the Markdown (Firecrawl's routes set it; README "Markdown headings"). */
    keepTitleHeading: z.boolean().optional(),
    /** Each URL's fetch budget in ms, at most the deployment's FETCH_TIMEOUT_MS. */
    timeoutMs: z.number().int().min(1_000).max(300_000).optional(),
  })
  .strict();
export type BatchOptions = z.infer<typeof BatchOptions>;

export const UrlEntry = z.union(
  [
    z.string().max(MAX_URL_LENGTH, `longer than ${MAX_URL_LENGTH} characters`),
    z
      .object({
        url: z.string().max(MAX_URL_LENGTH, `longer than ${MAX_URL_LENGTH} characters`),
        id: z.string().min(1).max(MAX_ID_LENGTH).optional(),
      })
      .strict(),
  ],
  { error: "expected a URL string or an object {url, id?}" },
);
export type UrlEntry = z.infer<typeof UrlEntry>;

/** `expired`: published, then its results deleted at the end of its retention (status stays readable). */
export const BatchStatus = z.enum(["queued", "running", "completed", "cancelled", "failed", "expired"]);
export type BatchStatus = z.infer<typeof BatchStatus>;

/**
 * `new`: the previous run had no such URL; `changed` / `unchanged`: it had, and the
 * outcome differs or not; `removed`: the previous run had it and this run's list does
 * not (those records are written apart, see `removedLine`).
 */
export const Change = z.enum(["new", "changed", "unchanged", "removed"]);
export type Change = z.infer<typeof Change>;

export const UrlState = z.enum(["succeeded", "failed", "skipped"]);
export type UrlState = z.infer<typeof UrlState>;

/** A queue message: a pointer to one chunk of one batch, never the pages themselves. */
export const ChunkMessage = z.object({
  batchId: BatchId,
  chunkId: z.number().int().nonnegative(),
});
export type ChunkMessage = z.infer<typeof ChunkMessage>;

export const RecordError = z.object({ code: ErrorCode, message: z.string() });
export type RecordError = z.infer<typeof RecordError>;

/** One line of a result part: everything Trawl knows about one input URL. */
export const ResultRecord = z.object({
  index: z.number().int().nonnegative(),
  /**
   * Next to the previous run's record of the URL (lib/changes.ts); `new` when there is no
   * previous run. Null on input lines that are not pages (refused or duplicate at
   * submission); absent on records written before changes existed.
   */
  change: Change.nullable().optional(),
  id: z.string().nullable(),
  url: z.string(),
  status: UrlState,
  error: RecordError.nullable(),
  finalUrl: z.string().nullable(),
  redirects: z.array(z.string()),
  httpStatus: z.number().int().nullable(),
  contentType: z.string().nullable(),
  title: z.string().nullable(),
  description: z.string().nullable(),
  language: z.string().nullable(),
  canonicalUrl: z.string().nullable(),
  siteName: z.string().nullable(),
  byline: z.string().nullable(),
  publishedTime: z.string().nullable(),
  markdown: z.string().nullable(),
  html: z.string().optional(),
  text: z.string().optional(),
  links: z.array(z.string()).optional(),
  wordCount: z.number().int().nullable(),
  /** The page was over the extractor's size, depth or element bound: only its start is in the content. */
  truncated: z.boolean().optional(),
  /** The product the page's own structured data describes (JSON-LD or microdata); absent when none. */
  structured: StructuredData.optional(),
  /** The HTML held next to no content but runs scripts: a browser would show more (see the README). */
  needsRendering: z.boolean().optional(),
  contentHash: z.string().nullable(),
  etag: z.string().nullable(),
  lastModified: z.string().nullable(),
  fetchedAt: z.string().nullable(),
  durationMs: z.number().nullable(),
  attempts: z.number().int().nonnegative(),
});
export type ResultRecord = z.infer<typeof ResultRecord>;

export const Totals = z.object({
  total: z.number().int(),
  succeeded: z.number().int(),
  failed: z.number().int(),
  skipped: z.number().int(),
});
export type Totals = z.infer<typeof Totals>;

/** One immutable NDJSON part: records sorted by index, all within `first`..`last`. */
export const ManifestPart = z.object({
  key: z.string(),
  first: z.number().int().nonnegative(),
  last: z.number().int().nonnegative(),
  records: z.number().int(),
  bytes: z.number().int(),
  sha256: z.string(),
});
export type ManifestPart = z.infer<typeof ManifestPart>;

/** How many records say each `change` (lib/changes.ts): the one shape of change counts (manifest, status, run history, API). */
export const ChangeCounts = z.object({
  new: z.number().int(),
  changed: z.number().int(),
  unchanged: z.number().int(),
  removed: z.number().int(),
});
export type ChangeCounts = z.infer<typeof ChangeCounts>;

/**
 * Counts of the records' `change` values: `new + changed + unchanged` counts the pages
 * (the total less refused and duplicate input lines). `removed` URLs are not part of
 * this run's list, so not of its totals: their records are in `removedParts` (indexed
 * from `total` on), read only by `download?changes=only`.
 */
export const ManifestChanges = z.object({
  previousBatch: BatchId.nullable(),
  ...ChangeCounts.shape,
  removedParts: z.array(ManifestPart),
});
export type ManifestChanges = z.infer<typeof ManifestChanges>;

/** manifest.json: the one object readers of a finished batch trust. */
export const Manifest = z.object({
  version: z.literal(2),
  batchId: BatchId,
  status: z.enum(["completed", "cancelled"]),
  createdAt: z.string(),
  finishedAt: z.string(),
  /** When the results are deleted (finishedAt + retentionDays); absent in manifests from before retention. */
  expiresAt: z.string().optional(),
  /** Set on a retry batch: the batch it retried and the codes it took (null: every failed URL). */
  retryOf: z.object({ batchId: BatchId, codes: z.array(ErrorCode).nullable() }).optional(),
  totals: Totals,
  options: BatchOptions,
  /** Sorted by `first`; parts may overlap (a chunk's retries, records the coordinator wrote). */
  parts: z.array(ManifestPart),
  /** The records' changes next to the previous run (see lib/changes.ts); absent in manifests from before changes. */
  changes: ManifestChanges.optional(),
});
export type Manifest = z.infer<typeof Manifest>;
