// Trawl's records and batch summaries in the shapes Firecrawl's clients read: documents,
// job status and the errors list. Pure: no bindings, no HTTP.
import type { BatchSummary, ErrorEntry } from "../coordinator-protocol";
import type { StructuredData } from "../extract/structured";
import type { BatchStatus, ResultRecord } from "../schemas";

/** Firecrawl's job states. */
export type FirecrawlJobStatus = "scraping" | "completed" | "failed" | "cancelled";

/**
 * Firecrawl's clients expect an expiry date; a batch has one only once it publishes
 * (retention counts from then), so until then they are given one no result set reaches.
 */
export const NEVER_EXPIRES = "9999-12-31T23:59:59.999Z";

export interface FirecrawlMetadata {
  title?: string;
  description?: string;
  language?: string;
  sourceURL: string;
  url: string;
  statusCode: number;
  contentType?: string;
  publishedTime?: string;
  ogSiteName?: string;
  /** Trawl's own: the product the page's structured data describes (see the README's record table). */
  structured?: StructuredData;
  /** Trawl's own: the HTML held next to no content but runs scripts. */
  needsRendering?: boolean;
  /** Set when Trawl could not use the page: `<error code>: <message>`. */
  error?: string;
}

export interface FirecrawlDocument {
  markdown?: string;
  html?: string;
  links?: string[];
  metadata: FirecrawlMetadata;
}

/** A record is a document when the target answered: a success, or a page such as a 404 (as Firecrawl reports them). */
export function isDocument(record: ResultRecord): boolean {
  return record.status !== "skipped" && record.httpStatus !== null;
}

/** The document of a record that `isDocument`; the error, if any, stays visible in its metadata. */
export function toDocument(record: ResultRecord): FirecrawlDocument {
  const metadata: FirecrawlMetadata = {
    sourceURL: record.url,
    url: record.finalUrl ?? record.url,
    // isDocument holds, so the target answered with a status.
    statusCode: record.httpStatus ?? 0,
  };
  if (record.title !== null) metadata.title = record.title;
  if (record.description !== null) metadata.description = record.description;
  if (record.language !== null) metadata.language = record.language;
  if (record.contentType !== null) metadata.contentType = record.contentType;
  if (record.publishedTime !== null) metadata.publishedTime = record.publishedTime;
  if (record.siteName !== null) metadata.ogSiteName = record.siteName;
  if (record.structured) metadata.structured = record.structured;
  if (record.needsRendering) metadata.needsRendering = true;
  if (record.error) metadata.error = `${record.error.code}: ${record.error.message}`;
  // Content first, metadata last, in the order Firecrawl writes a document.
  return {
    ...(record.markdown !== null && { markdown: record.markdown }),
    ...(record.html !== undefined && { html: record.html }),
    ...(record.links !== undefined && { links: record.links }),
    metadata,
  };
}

/**
 * Firecrawl's name for a batch's state: anything not yet final is `scraping`; a batch
 * whose results passed their retention completed once (its documents are gone, as
 * Firecrawl's are after `expiresAt`).
 */
export function jobStatus(status: BatchStatus): FirecrawlJobStatus {
  if (status === "queued" || status === "running") return "scraping";
  if (status === "expired") return "completed";
  return status;
}

/**
 * Firecrawl's integer counts: `completed` counts URLs in a final state (so it equals
 * `total` once the batch is done), `creditsUsed` the URLs fetched (succeeded or failed).
 */
export function jobCounts(summary: BatchSummary): { total: number; completed: number; creditsUsed: number } {
  const { total, pending, succeeded, failed } = summary.counts;
  return { total, completed: total - pending, creditsUsed: succeeded + failed };
}

export interface FirecrawlErrors {
  errors: { id: string; url: string; code: string; error: string }[];
  robotsBlocked: string[];
}

/**
 * Failed and skipped URLs as Firecrawl lists them: robots.txt refusals apart, every
 * other one with its Trawl error code. `id` is the URL's position in the submitted list.
 */
export function toErrors(entries: ErrorEntry[]): FirecrawlErrors {
  const result: FirecrawlErrors = { errors: [], robotsBlocked: [] };
  for (const entry of entries) {
    if (entry.code === "robots_disallowed") result.robotsBlocked.push(entry.url);
    else {
      result.errors.push({
        id: entry.id ?? String(entry.index),
        url: entry.url,
        code: entry.code ?? entry.status,
        error: entry.message ?? entry.status,
      });
    }
  }
  return result;
}
