import type { ClaimEntry } from "../lib/coordinator-protocol";
import type { ErrorCode } from "../lib/error-codes";
import { extract } from "../lib/extract";
import { unfetchedRecord } from "../lib/result-parts";
import { backoffSeconds } from "../lib/retry-policy";
import type { BatchOptions, ResultRecord } from "../lib/schemas";
import { type FetchLimits, fetchPage } from "./fetcher";

/** What became of one URL in this attempt. `tried`: a request went out for it. */
export type Verdict =
  | { kind: "terminal"; record: ResultRecord; tried: boolean }
  | { kind: "retry"; afterSeconds: number; tried: boolean; rateLimited: boolean };

/** A record for a URL that ends without a (further) fetch. */
export function endWithout(entry: ClaimEntry, status: "failed" | "skipped", code: ErrorCode, message: string): Verdict {
  return { kind: "terminal", record: unfetchedRecord(entry, status, code, message), tried: false };
}

/** Fetches and extracts one URL, or says when to try it again. */
export async function settleUrl(entry: ClaimEntry, options: BatchOptions, limits: FetchLimits): Promise<Verdict> {
  const attempts = entry.attempts + 1;
  const page = await fetchPage(entry.url, limits);
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
  if (!page.ok) {
    if (page.transient && attempts < options.maxAttempts) {
      const afterSeconds = page.retryAfterSeconds ?? backoffSeconds(attempts);
      return { kind: "retry", afterSeconds, tried: true, rateLimited: page.code === "rate_limited" };
    }
    const record = unfetchedRecord(entry, "failed", page.code, page.message);
    return { kind: "terminal", record: { ...record, ...base }, tried: true };
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
    },
  });
  const validators = { etag: page.etag, lastModified: page.lastModified };
  if (!extracted.ok) {
    const record = unfetchedRecord(entry, "failed", extracted.code, extracted.message);
    return { kind: "terminal", record: { ...record, ...base, ...validators }, tried: true };
  }
  const x = extracted.value;
  return {
    kind: "terminal",
    tried: true,
    record: {
      ...base,
      ...validators,
      status: "succeeded",
      error: null,
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
      contentHash: x.contentHash,
    },
  };
}
