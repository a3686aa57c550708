import { z } from "zod";

/**
 * The closed list of per-URL error codes. Every failed or skipped record carries one;
 * README ("Error codes") documents each. Adding a code is an API change.
 */
export const ErrorCode = z.enum([
  "invalid_url", // not an absolute http(s) URL (also a redirect to another scheme)
  "duplicate", // the normalised URL already appears earlier in the batch (skipped)
  "cancelled", // the batch was cancelled before the URL was fetched (skipped)
  "robots_disallowed", // robots.txt forbids the URL for our user agent (skipped)
  "robots_unreachable", // robots.txt could not be read on any attempt (failed, retryable: RFC 9309 assumes disallow meanwhile)
  "blocked_address", // the URL or a redirect hop targets a private/loopback/metadata address, or carries credentials
  "http_error", // the origin answered 4xx/5xx (after retries for transient ones)
  "rate_limited", // the origin kept answering 429/503 after every retry
  "timeout", // no complete answer within the fetch timeout
  "too_large", // the body exceeded the byte cap
  "unsupported_content_type", // not HTML, XHTML, plain text or Markdown
  "too_many_redirects", // more redirect hops than allowed, or a loop
  "network_error", // DNS failure, connection refused or reset
  "decoding_failed", // the body could not be decoded (binary garbage, bad compression)
  "too_complex", // a discovery source's XML nests too deep or holds too many elements (the source ends; URLs read before it stay)
  "extraction_empty", // the page had no main content to extract
  "extraction_failed", // the extractor gave up on the page (too deep, too much work)
  "document_encrypted", // a PDF that needs a password to open (documents are never decrypted)
  "document_no_text", // a PDF with no text layer on any page read (scanned images; OCR is not offered)
  "document_malformed", // a PDF or DOCX that cannot be read (broken, truncated, not what it claims to be)
  "document_too_complex", // a DOCX that inflates past the cap, holds too many parts, or declares XML entities (zip or XML bomb)
  "document_timeout", // a document over its time budget (DOCUMENT_TIME_BUDGET_MS)
  "validation_failed", // the page broke one of the batch's `validate` rules (failed; its extracted content is kept)
  "delivery_failed", // the queue gave up on the chunk (dead-letter queue)
  "removed", // in the previous run of a schedule, not in this run's list (only in `download?changes=only`)
  "raw_unavailable", // a re-extraction found no record of the URL in the batch it re-extracts (its results are gone)
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

/**
 * The message of a code the coordinator ends URLs with in bulk. Such rows store no
 * message of their own (a cancelled million would repeat this sentence a million
 * times in SQLite); readers fill it in with `messageOf`.
 */
const BULK_MESSAGES: Partial<Record<ErrorCode, string>> = {
  cancelled: "the batch was cancelled before this URL was fetched",
  delivery_failed: "the queue gave up delivering this chunk",
  removed: "in the previous run, not in this run's list",
};

/** A stored message, or for a bulk-ended URL (which stores none) the message of its code. */
export function messageOf(code: string | null, stored: string | null): string | null {
  return stored ?? (code === null ? null : (BULK_MESSAGES[code as ErrorCode] ?? null));
}
