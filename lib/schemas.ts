import { z } from "zod";
import { Chunk, ChunkingOptions } from "./chunk/options";
import { CostView } from "./cost-ledger";
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
    /** Pages of each PDF to read (at most DOCUMENT_MAX_PAGES); a longer one's record says `truncated`. */
    maxPages: z.number().int().min(1).max(10_000).optional(),
    /** Most of this batch's fetches at once at any one origin; the deployment's HOST_MAX_CONCURRENCY still caps it. */
    maxConcurrency: z.number().int().min(1).max(1000).optional(),
    /** Quality rules each fetched page must pass, or end `failed` with `validation_failed` (content kept). */
    validate: ValidationRules.optional(),
    /** Days the results are kept after publication; the API fills in RETENTION_DAYS when absent. */
    retentionDays: z.number().int().min(1).max(3650).optional(),
    /** Where to send this batch's events (and every scheduled run's); see lib/webhooks.ts. */
    webhook: WebhookConfig.optional(),
    /** Keep every fetched body, gzipped and content-addressed, beside the results (lib/raw-pages.ts). */
    keepRaw: z.boolean().optional(),
    /**
     * Simhash, detected language, extractionQuality and near-duplicate marks on every
     * page (absent: on; see the README's "Near-duplicates, language and quality").
     */
    analysis: z.boolean().optional(),
    /** Split each page's Markdown into chunks for embedding (lib/chunk/chunk-markdown.ts); absent: no chunks. */
    chunking: ChunkingOptions.optional(),
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

/**
 * A stored body: its gzip object (under the batch that fetched it; a 304 in a later run
 * points at the earlier batch's object), the SHA-256 and size of the bytes as received,
 * and the response's Date header (the other headers that matter are the record's own:
 * finalUrl, httpStatus, contentType, etag, lastModified, fetchedAt).
 */
export const RawRef = z.object({
  key: z.string(),
  sha256: z.string(),
  bytes: z.number().int().nonnegative(),
  date: z.string().nullable(),
});
export type RawRef = z.infer<typeof RawRef>;

/**
 * How a re-extraction made a record: `raw`, extracted again from the stored body; or
 * `original`, the first batch's record carried as it was (no body was stored for it:
 * it failed or was skipped, or its body is gone), with `message` saying why.
 */
export const ReextractNote = z.object({
  batchId: BatchId,
  from: z.enum(["raw", "original"]),
  message: z.string().nullable(),
});
export type ReextractNote = z.infer<typeof ReextractNote>;

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
  /** A PDF's number of pages, all of them (also past `maxPages`); absent for other bodies. */
  pageCount: z.number().int().nonnegative().optional(),
  contentHash: z.string().nullable(),
  /** 64-bit simhash of the main text, 16 hex digits (lib/simhash.ts); null for a text without words. */
  simhash: z.string().nullable().optional(),
  /** ISO 639-1 language detected from the main text (`language` is the one the page declares). */
  detectedLanguage: z.string().nullable().optional(),
  /** The detector's score for `detectedLanguage`, 0..1. */
  languageConfidence: z.number().nullable().optional(),
  /** How far to trust this extraction, 0..1 (lib/extract/quality.ts; calibration in the README). */
  extractionQuality: z.number().nullable().optional(),
  /** Published records only: the earliest page in input order whose simhash is within 3 bits of this one's. */
  nearDuplicateOf: z.number().int().nonnegative().optional(),
  /** Bits between this page's simhash and `nearDuplicateOf`'s (0..3). */
  nearDuplicateDistance: z.number().int().nonnegative().optional(),
  /** Published records only: the earliest page in input order with the same Markdown (same contentHash). */
  duplicateOf: z.number().int().nonnegative().optional(),
  etag: z.string().nullable(),
  lastModified: z.string().nullable(),
  fetchedAt: z.string().nullable(),
  durationMs: z.number().nullable(),
  attempts: z.number().int().nonnegative(),
  /** With `keepRaw`: the stored body this record was extracted from (lib/raw-pages.ts). */
  raw: RawRef.optional(),
  /** On a re-extraction: where the record came from (lib/raw-pages.ts). */
  reextract: ReextractNote.optional(),
  /** The page's Markdown in chunks, when the batch asked for `chunking` (lib/chunk/chunk-markdown.ts). */
  chunks: z.array(Chunk).optional(),
  /** Which extractor and which extraction options made the record (lib/extract/provenance.ts); absent when nothing was extracted. */
  extractor: z.object({ version: z.string(), optionsHash: z.string() }).optional(),
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

/**
 * What the batch's pages say about themselves as a set: near-duplicates (their marks are
 * in `duplicateParts`, NDJSON lines `{index, nearDuplicateOf, nearDuplicateDistance,
 * duplicateOf?}` sorted by index, merged into the records by every reader) and the
 * distribution of extractionQuality with the lowest-scored pages.
 */
export const ManifestAnalysis = z.object({
  nearDuplicates: z.number().int(),
  exactDuplicates: z.number().int(),
  duplicateParts: z.array(ManifestPart),
  quality: z.object({
    /** Pages with a score (succeeded or quarantined pages extracted with analysis on). */
    pages: z.number().int(),
    /** Counts per band `[from, to)` (the last band includes 1). */
    bands: z.array(z.object({ from: z.number(), to: z.number(), pages: z.number().int() })),
    /** The lowest-scored pages, lowest first (ties by index). */
    worst: z.array(z.object({ index: z.number().int(), url: z.string(), score: z.number() })),
  }),
});
export type ManifestAnalysis = z.infer<typeof ManifestAnalysis>;

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
  /** Set on a re-extraction: the batch whose stored bodies it read. */
  reextractOf: BatchId.optional(),
  /** Set with `keepRaw`: where the batch's stored bodies are; each record's `raw.key` names its own. */
  raw: z.object({ prefix: z.string() }).optional(),
  /** Near-duplicates and the quality distribution; absent with `analysis: false` and in older manifests. */
  analysis: ManifestAnalysis.optional(),
  /** The extractor at publication and the extraction options its records' `extractor.optionsHash` is over; absent in manifests from before provenance. */
  extractor: z
    .object({ version: z.string(), optionsHash: z.string(), options: z.record(z.string(), z.unknown()) })
    .optional(),
  /** The batch's cost ledger as of its publication, before this object's own put (lib/cost-ledger.ts); absent before the ledger. */
  cost: CostView.optional(),
});
export type Manifest = z.infer<typeof Manifest>;
