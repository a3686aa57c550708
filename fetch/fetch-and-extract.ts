import type { ClaimEntry } from "../lib/coordinator-protocol";
import type { ErrorCode } from "../lib/error-codes";
import { extract } from "../lib/extract";
import { brokenRule } from "../lib/page-validation";
import { unfetchedRecord } from "../lib/result-parts";
import { pageRetryDelay } from "../lib/retry-policy";
import type { BatchOptions, ResultRecord } from "../lib/schemas";
import { type FetchLimits, fetchPage } from "./fetcher";

/** The previous run's record of a URL: its validators go with the request, and a 304 carries its content forward. */
export interface Previous {
  headers: Record<string, string>;
  /** Null when the record is gone (its run expired): the page is then fetched whole. */
  load(): Promise<ResultRecord | null>;
}

/** What became of one URL in this attempt. `fetched`: a request went out for it. */
export type UrlOutcome =
  | { kind: "terminal"; record: ResultRecord; fetched: boolean }
  | { kind: "retry"; afterSeconds: number; fetched: boolean; rateLimited: boolean };

/** The outcome of a URL that ends without a (further) fetch. */
export function recordWithoutFetch(
  entry: ClaimEntry,
  status: "failed" | "skipped",
  code: ErrorCode,
  message: string,
): UrlOutcome {
  return { kind: "terminal", record: unfetchedRecord(entry, status, code, message), fetched: false };
}

/** Fetches and extracts one URL (conditionally, given its previous record), or says when to try it again. */
export async function fetchAndExtract(
  entry: ClaimEntry,
  options: BatchOptions,
  limits: FetchLimits,
  previous: Previous | null = null,
): Promise<UrlOutcome> {
  const attempts = entry.attempts + 1;
  const page = await fetchPage(entry.url, limits, previous?.headers ?? null);
  const base = {
    index: entry.index,
    id: entry.id,
    url: entry.url,
    finalUrl: page.finalUrl,
    redirects: page.redirects,
    httpStatus: page.status,
    contentType: page.contentType,
    fetchedAt: page.fetchedAt,
    durationMs: page.durationMs,
    attempts,
  };
  if (page.ok && page.notModified) {
    const carried = await previous?.load();
    if (!carried) return fetchAndExtract(entry, options, limits, null);
    // The content, metadata and hash are the previous record's; the exchange is this one's.
    const record: ResultRecord = {
      ...carried,
      ...base,
      contentType: page.contentType ?? carried.contentType,
      etag: page.etag ?? carried.etag,
      lastModified: page.lastModified ?? carried.lastModified,
    };
    return { kind: "terminal", record, fetched: true };
  }
  if (!page.ok) {
    const afterSeconds = page.transient ? pageRetryDelay(attempts, options.maxAttempts, page.retryAfterSeconds) : null;
    if (afterSeconds !== null) {
      return { kind: "retry", afterSeconds, fetched: true, rateLimited: page.code === "rate_limited" };
    }
    const record = unfetchedRecord(entry, "failed", page.code, page.message);
    return { kind: "terminal", record: { ...record, ...base }, fetched: true };
  }
  const extracted = await extract({
    body: page.body,
    contentType: page.contentType,
    url: page.finalUrl,
    options: {
      onlyMainContent: options.onlyMainContent,
      images: options.images,
      includeSelectors: options.includeSelectors,
      excludeSelectors: options.excludeSelectors,
      includeHtml: options.formats.includes("html"),
      includeText: options.formats.includes("text"),
      includeLinks: options.formats.includes("links"),
      keepTitleHeading: options.keepTitleHeading,
    },
  });
  const validators = { etag: page.etag, lastModified: page.lastModified };
  if (!extracted.ok) {
    const record = unfetchedRecord(entry, "failed", extracted.error.code, extracted.error.message);
    const rendering = extracted.error.needsRendering && { needsRendering: true };
    return { kind: "terminal", record: { ...record, ...base, ...validators, ...rendering }, fetched: true };
  }
  const x = extracted.value;
  // Selector rules read the fetched page itself, decoded only when one is set. As UTF-8
  // whatever its charset: tag, class and attribute names are ASCII, so it matches alike.
  const html =
    options.validate?.requireSelectors && /html/i.test(page.contentType ?? "")
      ? new TextDecoder("utf-8").decode(page.body)
      : null;
  const broken = brokenRule(options.validate, { title: x.title, wordCount: x.wordCount, html });
  return {
    kind: "terminal",
    fetched: true,
    record: {
      ...base,
      ...validators,
      // Quarantined, not dropped: the record keeps everything extracted below.
      status: broken === null ? "succeeded" : "failed",
      error: broken === null ? null : { code: "validation_failed", message: broken },
      title: x.title,
      description: x.description,
      language: x.language,
      canonicalUrl: x.canonicalUrl,
      siteName: x.siteName,
      byline: x.byline,
      publishedTime: x.publishedTime,
      markdown: options.formats.includes("markdown") ? x.markdown : null,
      ...(x.html !== undefined && { html: x.html }),
      ...(x.text !== undefined && { text: x.text }),
      ...(x.links !== undefined && { links: x.links }),
      wordCount: x.wordCount,
      ...(x.truncated && { truncated: true }),
      ...(x.structured && { structured: x.structured }),
      ...(x.needsRendering && { needsRendering: true }),
      contentHash: x.contentHash,
    },
  };
}
