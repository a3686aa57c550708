import type { ErrorCode } from "./error-codes";
import { ResultRecord, type UrlState } from "./schemas";

const encoder = new TextEncoder();

/** What a caller knows of a URL it never fetched (skipped, or failed before any fetch). */
export interface UnfetchedUrl {
  index: number;
  id: string | null;
  url: string;
  attempts: number;
}

/** The record of a URL that ends without a fetch: duplicate, invalid, cancelled, dead-lettered. */
export function unfetchedRecord(url: UnfetchedUrl, status: UrlState, code: ErrorCode, message: string): ResultRecord {
  return {
    index: url.index,
    id: url.id,
    url: url.url,
    status,
    error: { code, message },
    finalUrl: null,
    redirects: [],
    httpStatus: null,
    contentType: null,
    title: null,
    description: null,
    language: null,
    canonicalUrl: null,
    siteName: null,
    byline: null,
    publishedTime: null,
    markdown: null,
    wordCount: null,
    contentHash: null,
    etag: null,
    lastModified: null,
    fetchedAt: null,
    durationMs: null,
    attempts: url.attempts,
  };
}

export interface EncodedPart {
  body: Uint8Array;
  records: number;
  bytes: number;
  sha256: string;
}

/** Serialises records as one NDJSON part, sorted by input index, with its checksum. */
export async function encodePart(records: ResultRecord[]): Promise<EncodedPart> {
  const sorted = [...records].sort((a, b) => a.index - b.index);
  const body = encoder.encode(sorted.map((r) => `${JSON.stringify(r)}\n`).join(""));
  const digest = await crypto.subtle.digest("SHA-256", body);
  const sha256 = Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
  return { body, records: sorted.length, bytes: body.byteLength, sha256 };
}

/** Parses an NDJSON part back into records, validating each line (R2 is a trust boundary). */
export function decodePart(text: string): ResultRecord[] {
  const records: ResultRecord[] = [];
  for (const line of text.split("\n")) {
    if (line) records.push(ResultRecord.parse(JSON.parse(line)));
  }
  return records;
}
