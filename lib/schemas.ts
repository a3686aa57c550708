import { z } from "zod";
import { ErrorCode } from "./error-codes";

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

export const BatchStatus = z.enum(["queued", "running", "completed", "cancelled", "failed"]);
export type BatchStatus = z.infer<typeof BatchStatus>;

export const UrlState = z.enum(["succeeded", "failed", "skipped"]);
export type UrlState = z.infer<typeof UrlState>;

/** A queue message: a pointer to one chunk of one batch, never the pages themselves. */
export const ChunkMessage = z.object({
  batchId: BatchId,
  chunkId: z.number().int().nonnegative(),
  dispatch: z.number().int().nonnegative(),
});
export type ChunkMessage = z.infer<typeof ChunkMessage>;

export const RecordError = z.object({ code: ErrorCode, message: z.string() });
export type RecordError = z.infer<typeof RecordError>;

/** One line of a result part: everything Trawl knows about one input URL. */
export const ResultRecord = z.object({
  index: z.number().int().nonnegative(),
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

export const ManifestPart = z.object({
  key: z.string(),
  chunk: z.number().int(),
  records: z.number().int(),
  bytes: z.number().int(),
  sha256: z.string(),
});
export type ManifestPart = z.infer<typeof ManifestPart>;

/** manifest.json: the one object readers of a finished batch trust. */
export const Manifest = z.object({
  version: z.literal(1),
  batchId: BatchId,
  status: z.enum(["completed", "cancelled"]),
  createdAt: z.string(),
  finishedAt: z.string(),
  totals: Totals,
  options: BatchOptions,
  chunkSize: z.number().int().positive(),
  parts: z.array(ManifestPart),
});
export type Manifest = z.infer<typeof Manifest>;
