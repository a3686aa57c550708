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

export const BatchId = z
  .string()
  .regex(/^[0-9a-f]{64}$/, "must be a 64-character lower-case hex batch id")
  .describe("A batch id: 64 lower-case hex characters.");
export type BatchId = z.infer<typeof BatchId>;

export const OutputFormat = z.enum(["markdown", "html", "text", "links"]);
export type OutputFormat = z.infer<typeof OutputFormat>;

const Selector = z.string().min(1).max(500);

export const BatchOptions = z
  .object({
    onlyMainContent: z
      .boolean()
      .default(true)
      .describe(
        "Keep only the page's main content (article text), dropping navigation, headers, footers and sidebars; false keeps the whole body.",
      ),
    /** Keep images in the Markdown; false gives text only (no image alt text). */
    images: z
      .boolean()
      .default(true)
      .describe("Keep images in the Markdown; false gives text only (no image alt text)."),
    includeSelectors: z
      .array(Selector)
      .max(50)
      .default([])
      .describe("CSS selectors: when given, only the elements they match are extracted."),
    excludeSelectors: z
      .array(Selector)
      .max(50)
      .default([])
      .describe("CSS selectors of elements removed before extraction (cookie banners, ads, comments)."),
    formats: z
      .array(OutputFormat)
      .min(1)
      .default(["markdown"])
      .describe(
        "What each record carries: `markdown`, `html` (cleaned), `text`, `links` (absolute URLs found in the page).",
      ),
    respectRobots: z
      .boolean()
      .default(true)
      .describe(
        "Obey each origin's robots.txt (refused URLs end `skipped` with `robots_disallowed`); false ignores it.",
      ),
    maxAttempts: z
      .number()
      .int()
      .min(1)
      .max(10)
      .default(4)
      .describe("Fetch attempts per URL before a transient failure (timeout, 5xx, 429) is final."),
    maxPages: z
      .number()
      .int()
      .min(1)
      .max(10_000)
      .optional()
      .describe("Pages of each PDF to read (at most DOCUMENT_MAX_PAGES); a longer one's record says `truncated`."),
    maxConcurrency: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .optional()
      .describe(
        "Most of this batch's fetches at once at any one origin; the deployment's HOST_MAX_CONCURRENCY still caps it.",
      ),
    /** Quality rules each fetched page must pass, or end `failed` with `validation_failed` (content kept). */
    validate: ValidationRules.optional().describe(
      "Quality rules each fetched page must pass, or end `failed` with `validation_failed` (content kept).",
    ),
    /** Days the results are kept after publication; the API fills in RETENTION_DAYS when absent. */
    retentionDays: z
      .number()
      .int()
      .min(1)
      .max(3650)
      .optional()
      .describe("Days the results are kept after publication; absent: the deployment's RETENTION_DAYS."),
    /** Where to send this batch's events (and every scheduled run's); see lib/webhooks.ts. */
    webhook: WebhookConfig.optional().describe(
      "Where to send this batch's events (and every scheduled run's), signed with your webhook secret.",
    ),
    keepRaw: z
      .boolean()
      .optional()
      .describe("Keep every fetched body, gzipped and content-addressed, beside the results (lib/raw-pages.ts)."),
    analysis: z
      .boolean()
      .optional()
      .describe(
        'Simhash, detected language and extractionQuality on every page (absent: on; see the README\'s "Near-duplicates, language and quality").',
      ),
    nearDuplicates: z
      .boolean()
      .optional()
      .describe(
        "Mark each page that repeats an earlier one (`nearDuplicateOf`, `duplicateOf`) at publication; costs the coordinator 4 index rows a page, so off unless asked.",
      ),
    chunking: ChunkingOptions.optional().describe(
      "Split each page's Markdown into chunks for embedding (lib/chunk/chunk-markdown.ts); absent: no chunks.",
    ),
    keepTitleHeading: z
      .boolean()
      .optional()
      .describe(
        'Keep a first heading that repeats the page title in the Markdown (Firecrawl\'s routes set it; README "Markdown headings").',
      ),
    timeoutMs: z
      .number()
      .int()
      .min(1_000)
      .max(300_000)
      .optional()
      .describe("Each URL's fetch budget in ms, at most the deployment's FETCH_TIMEOUT_MS."),
  })
  .strict();
export type BatchOptions = z.infer<typeof BatchOptions>;

export const UrlEntry = z.union(
  [
    z.string().max(MAX_URL_LENGTH, `longer than ${MAX_URL_LENGTH} characters`),
    z
      .object({
        url: z
          .string()
          .max(MAX_URL_LENGTH, `longer than ${MAX_URL_LENGTH} characters`)
          .describe("The URL to fetch: http or https."),
        id: z
          .string()
          .min(1)
          .max(MAX_ID_LENGTH)
          .optional()
          .describe("Your own id for the URL, copied into its record."),
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

export const RecordError = z.object({
  code: ErrorCode.describe("A closed error code (see the README's error-code table)."),
  message: z.string().describe("What went wrong, in words."),
});
export type RecordError = z.infer<typeof RecordError>;

/**
 * A stored body: its gzip object (under the batch that fetched it; a 304 in a later run
 * points at the earlier batch's object), the SHA-256 and size of the bytes as received,
 * and the response's Date header (the other headers that matter are the record's own:
 * finalUrl, httpStatus, contentType, etag, lastModified, fetchedAt).
 */
export const RawRef = z.object({
  key: z.string().describe("The R2 key of the gzipped body (under the batch that fetched it)."),
  sha256: z.string().describe("SHA-256 (hex) of the body bytes as received."),
  bytes: z.number().int().nonnegative().describe("Size of the body as received, in bytes."),
  date: z.string().nullable().describe("The response's Date header; null when it sent none."),
});
export type RawRef = z.infer<typeof RawRef>;

/**
 * How a re-extraction made a record: `raw`, extracted again from the stored body; or
 * `original`, the first batch's record carried as it was (no body was stored for it:
 * it failed or was skipped, or its body is gone), with `message` saying why.
 */
export const ReextractNote = z.object({
  batchId: BatchId,
  from: z
    .enum(["raw", "original"])
    .describe("`raw`: extracted again from the stored body; `original`: the first batch's record, carried as it was."),
  message: z.string().nullable().describe("With `original`: why no stored body was used; null with `raw`."),
});
export type ReextractNote = z.infer<typeof ReextractNote>;

/** One line of a result part: everything Trawl knows about one input URL. */
export const ResultRecord = z.object({
  index: z.number().int().nonnegative().describe("The URL's 0-based position in the submitted list."),
  /**
   * Next to the previous run's record of the URL (lib/changes.ts); `new` when there is no
   * previous run. Null on input lines that are not pages (refused or duplicate at
   * submission); absent on records written before changes existed.
   */
  change: Change.nullable()
    .optional()
    .describe(
      "Next to the previous run's record of the URL: `new`, `changed` or `unchanged` (`removed` only in `download?changes=only`); null for input lines that are not pages.",
    ),
  id: z.string().nullable().describe("The id given with the URL, or null."),
  url: z.string().describe("The URL as submitted."),
  status: UrlState.describe(
    "`succeeded` (fetched and extracted), `failed` (`error` says why) or `skipped` (not fetched: robots, cancelled, duplicate...).",
  ),
  error: RecordError.nullable().describe("Why the URL failed or was skipped; null when it succeeded."),
  finalUrl: z.string().nullable().describe("The URL after redirects; null when nothing was fetched."),
  redirects: z.array(z.string()).describe("Each URL redirected through, in order."),
  httpStatus: z.number().int().nullable().describe("The final HTTP status; null when no answer came."),
  contentType: z.string().nullable().describe("The answer's Content-Type."),
  title: z.string().nullable().describe("The page's title."),
  description: z.string().nullable().describe("The page's meta description."),
  language: z.string().nullable().describe("The page's declared language (`<html lang>`)."),
  canonicalUrl: z.string().nullable().describe("The page's `<link rel=canonical>`."),
  siteName: z.string().nullable().describe("`og:site_name`, or the like."),
  byline: z.string().nullable().describe("The author, when the page names one."),
  publishedTime: z.string().nullable().describe("When the page says it was published."),
  markdown: z.string().nullable().describe("The extracted content as Markdown (with the `markdown` format)."),
  html: z.string().optional().describe("The cleaned HTML of the extracted content (with the `html` format)."),
  text: z.string().optional().describe("The extracted content as plain text (with the `text` format)."),
  links: z.array(z.string()).optional().describe("Absolute URLs the page links to (with the `links` format)."),
  wordCount: z.number().int().nullable().describe("Words in the extracted content."),
  /** The page was over the extractor's size, depth or element bound: only its start is in the content. */
  truncated: z
    .boolean()
    .optional()
    .describe("The page was over the extractor's size, depth or element bound: only its start is in the content."),
  /** The product the page's own structured data describes (JSON-LD or microdata); absent when none. */
  structured: StructuredData.optional().describe(
    "The product the page's own structured data describes (JSON-LD or microdata); absent when none.",
  ),
  /** The HTML held next to no content but runs scripts: a browser would show more (see the README). */
  needsRendering: z
    .boolean()
    .optional()
    .describe("The HTML held next to no content but runs scripts: a browser would show more."),
  contentHash: z.string().nullable().describe("SHA-256 (hex) of the extracted content: equal hashes, equal content."),
  etag: z.string().nullable().describe("The answer's ETag (used for conditional requests on the next run)."),
  lastModified: z.string().nullable().describe("The answer's Last-Modified."),
  fetchedAt: z.string().nullable().describe("When the page was fetched, ISO 8601."),
  durationMs: z.number().nullable().describe("Milliseconds the fetch and extraction took."),
  attempts: z.number().int().nonnegative().describe("Fetch attempts made."),
  pageCount: z
    .number()
    .int()
    .nonnegative()
    .optional()
    .describe("A PDF's number of pages, all of them (also past `maxPages`); absent for other bodies."),
  simhash: z
    .string()
    .nullable()
    .optional()
    .describe("64-bit simhash of the main text, 16 hex digits (lib/simhash.ts); null for a text without words."),
  detectedLanguage: z
    .string()
    .nullable()
    .optional()
    .describe("ISO 639-1 language detected from the main text (`language` is the one the page declares)."),
  languageConfidence: z.number().nullable().optional().describe("The detector's score for `detectedLanguage`, 0..1."),
  extractionQuality: z
    .number()
    .nullable()
    .optional()
    .describe("How far to trust this extraction, 0..1 (lib/extract/quality.ts; calibration in the README)."),
  nearDuplicateOf: z
    .number()
    .int()
    .nonnegative()
    .optional()
    .describe("Published records only: the earliest page in input order whose simhash is within 3 bits of this one's."),
  nearDuplicateDistance: z
    .number()
    .int()
    .nonnegative()
    .optional()
    .describe("Bits between this page's simhash and `nearDuplicateOf`'s (0..3)."),
  duplicateOf: z
    .number()
    .int()
    .nonnegative()
    .optional()
    .describe("Published records only: the earliest page in input order with the same Markdown (same contentHash)."),
  raw: RawRef.optional().describe("With `keepRaw`: the stored body this record was extracted from (lib/raw-pages.ts)."),
  reextract: ReextractNote.optional().describe("On a re-extraction: where the record came from (lib/raw-pages.ts)."),
  chunks: z
    .array(Chunk)
    .optional()
    .describe("The page's Markdown in chunks, when the batch asked for `chunking` (lib/chunk/chunk-markdown.ts)."),
  extractor: z
    .object({
      version: z.string().describe("The extractor's version, `<package version>+r<revision>`, e.g. `0.1.0+r1`."),
      optionsHash: z.string().describe("SHA-256 (hex) of the canonical extraction options the record was made with."),
    })
    .optional()
    .describe(
      "Which extractor and which extraction options made the record (lib/extract/provenance.ts); absent when nothing was extracted.",
    ),
});
export type ResultRecord = z.infer<typeof ResultRecord>;

export const Totals = z.object({
  total: z.number().int().describe("URLs in the batch."),
  succeeded: z.number().int().describe("URLs that succeeded."),
  failed: z.number().int().describe("URLs that failed."),
  skipped: z.number().int().describe("URLs skipped (not fetched)."),
});
export type Totals = z.infer<typeof Totals>;

/** One immutable NDJSON part: records sorted by index, all within `first`..`last`. */
export const ManifestPart = z.object({
  key: z.string().describe("The part's R2 object key."),
  first: z.number().int().nonnegative().describe("Index of its first record."),
  last: z.number().int().nonnegative().describe("Index of its last record."),
  records: z.number().int().describe("Records in the part."),
  bytes: z.number().int().describe("The part's size in bytes."),
  sha256: z.string().describe("SHA-256 (hex) of the part's bytes."),
});
export type ManifestPart = z.infer<typeof ManifestPart>;

/** How many records say each `change` (lib/changes.ts): the one shape of change counts (manifest, status, run history, API). */
export const ChangeCounts = z.object({
  new: z.number().int().describe("Records of URLs the previous run did not have."),
  changed: z.number().int().describe("Records whose outcome differs from the previous run's."),
  unchanged: z.number().int().describe("Records whose outcome equals the previous run's."),
  removed: z.number().int().describe("URLs of the previous run not in this one."),
});
export type ChangeCounts = z.infer<typeof ChangeCounts>;

/**
 * Counts of the records' `change` values: `new + changed + unchanged` counts the pages
 * (the total less refused and duplicate input lines). `removed` URLs are not part of
 * this run's list, so not of its totals: their records are in `removedParts` (indexed
 * from `total` on), read only by `download?changes=only`.
 */
export const ManifestChanges = z.object({
  previousBatch: BatchId.nullable().describe("The batch compared with, or null (every record `new`)."),
  ...ChangeCounts.shape,
  removedParts: z
    .array(ManifestPart)
    .describe("The parts holding the removed URLs' records (indexed from `total` on)."),
});
export type ManifestChanges = z.infer<typeof ManifestChanges>;

/**
 * What the batch's pages say about themselves as a set: near-duplicates (their marks are
 * in `duplicateParts`, NDJSON lines `{index, nearDuplicateOf, nearDuplicateDistance,
 * duplicateOf?}` sorted by index, merged into the records by every reader) and the
 * distribution of extractionQuality with the lowest-scored pages.
 */
export const ManifestAnalysis = z.object({
  nearDuplicates: z.number().int().describe("Pages marked a near-duplicate of an earlier page."),
  exactDuplicates: z.number().int().describe("Pages with the same Markdown as an earlier page (same contentHash)."),
  duplicateParts: z
    .array(ManifestPart)
    .describe(
      "NDJSON parts of duplicate marks `{index, nearDuplicateOf, nearDuplicateDistance, duplicateOf?}`, by index.",
    ),
  quality: z
    .object({
      pages: z
        .number()
        .int()
        .describe("Pages with a score (succeeded or quarantined pages extracted with analysis on)."),
      bands: z
        .array(
          z.object({
            from: z.number().describe("The band's lowest score (included)."),
            to: z.number().describe("The band's upper score (excluded, but for the last band's 1)."),
            pages: z.number().int().describe("Pages scored in the band."),
          }),
        )
        .describe("Counts per score band `[from, to)` (the last band includes 1)."),
      worst: z
        .array(
          z.object({
            index: z.number().int().describe("The page's 0-based position in the submitted list."),
            url: z.string().describe("The page's URL."),
            score: z.number().describe("Its extractionQuality, 0 to 1."),
          }),
        )
        .describe("The lowest-scored pages, lowest first (ties by index)."),
    })
    .describe("The distribution of extractionQuality scores and the lowest-scored pages."),
});
export type ManifestAnalysis = z.infer<typeof ManifestAnalysis>;

/** manifest.json: the one object readers of a finished batch trust. */
export const Manifest = z.object({
  version: z.literal(2).describe("Manifest format version."),
  batchId: BatchId.describe("The batch."),
  status: z.enum(["completed", "cancelled"]).describe("How the batch ended."),
  createdAt: z.string().describe("When the batch was submitted, ISO 8601."),
  finishedAt: z.string().describe("When it was published, ISO 8601."),
  /** When the results are deleted (finishedAt + retentionDays); absent in manifests from before retention. */
  expiresAt: z.string().optional().describe("When the results are deleted (finishedAt + retentionDays)."),
  /** Set on a retry batch: the batch it retried and the codes it took (null: every failed URL). */
  retryOf: z
    .object({
      batchId: BatchId.describe("The batch retried."),
      codes: z.array(ErrorCode).nullable().describe("The codes retried; null: every failed URL."),
    })
    .optional()
    .describe("Set on a retry batch: the batch it retried and the codes it took (null: every failed URL)."),
  totals: Totals.describe("Counts of the records by status."),
  options: BatchOptions.describe("The options the batch ran with."),
  /** Sorted by `first`; parts may overlap (a chunk's retries, records the coordinator wrote). */
  parts: z.array(ManifestPart).describe("The NDJSON parts, sorted by `first`; together one record per input URL."),
  /** The records' changes next to the previous run (see lib/changes.ts); absent in manifests from before changes. */
  changes: ManifestChanges.optional().describe("The records' changes next to the previous run."),
  reextractOf: BatchId.optional().describe("Set on a re-extraction: the batch whose stored bodies it read."),
  raw: z
    .object({ prefix: z.string().describe("The R2 key prefix the batch's stored bodies are under.") })
    .optional()
    .describe("Set with `keepRaw`: where the batch's stored bodies are; each record's `raw.key` names its own."),
  analysis: ManifestAnalysis.optional().describe(
    "Near-duplicates and the quality distribution; absent with `analysis: false` and in older manifests.",
  ),
  extractor: z
    .object({
      version: z.string().describe("The extractor's version, `<package version>+r<revision>`, e.g. `0.1.0+r1`."),
      optionsHash: z.string().describe("SHA-256 (hex) of `options`, as in each record's `extractor.optionsHash`."),
      options: z
        .record(z.string(), z.unknown())
        .describe("The canonical extraction options (those that shape a record's content) the hash is over."),
    })
    .optional()
    .describe(
      "The extractor at publication and the extraction options its records' `extractor.optionsHash` is over; absent in manifests from before provenance.",
    ),
  cost: CostView.optional().describe(
    "The batch's cost ledger as of its publication, before this object's own put (lib/cost-ledger.ts); absent before the ledger.",
  ),
});
export type Manifest = z.infer<typeof Manifest>;
