import type { Change } from "./changes";
import type { ErrorCode } from "./error-codes";
import { type ManifestPart, ResultRecord, type UrlState } from "./schemas";

const encoder = new TextEncoder();

/** What a caller knows of a URL it never fetched (skipped, or failed before any fetch). */
export interface UnfetchedUrl {
  index: number;
  id: string | null;
  url: string;
  attempts: number;
  /** Set in a batch that tracks changes (null: an input line that is not a page). */
  change?: Change | null;
}

/** The record of a URL that ends without a fetch: duplicate, invalid, cancelled, dead-lettered. */
export function unfetchedRecord(url: UnfetchedUrl, status: UrlState, code: ErrorCode, message: string): ResultRecord {
  return {
    index: url.index,
    ...(url.change !== undefined && { change: url.change }),
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

/**
 * The NDJSON line `unfetchedRecord` would serialise to, written without building the
 * record: the coordinator writes these by the million when a batch is cancelled.
 * (test/unit/shared-logic.test.ts holds the two equal.)
 */
export function unfetchedLine(url: UnfetchedUrl, status: UrlState, code: ErrorCode, message: string): string {
  return (
    `{"index":${url.index},${url.change === undefined ? "" : `"change":${JSON.stringify(url.change)},`}"id":${JSON.stringify(url.id)},"url":${JSON.stringify(url.url)},"status":"${status}",` +
    `"error":{"code":"${code}","message":${JSON.stringify(message)}},"finalUrl":null,"redirects":[],` +
    `"httpStatus":null,"contentType":null,"title":null,"description":null,"language":null,"canonicalUrl":null,` +
    `"siteName":null,"byline":null,"publishedTime":null,"markdown":null,"wordCount":null,"contentHash":null,` +
    `"etag":null,"lastModified":null,"fetchedAt":null,"durationMs":null,"attempts":${url.attempts}}`
  );
}

export interface EncodedPart {
  body: Uint8Array;
  /** Lowest and highest input index held (-1 for an empty part). */
  first: number;
  last: number;
  records: number;
  bytes: number;
  sha256: string;
}

/** Serialises records as one NDJSON part, sorted by input index, `index` first on each line, with its checksum. */
export async function encodePart(records: ResultRecord[]): Promise<EncodedPart> {
  const sorted = [...records].sort((a, b) => a.index - b.index);
  // `index` leads every line so a merge can order lines without parsing them (indexOfLine),
  // and `change` follows it so a change-only download can filter them alike (changeOfLine).
  return encodeLines(
    sorted.map(({ index, change, ...rest }) =>
      JSON.stringify(change === undefined ? { index, ...rest } : { index, change, ...rest }),
    ),
    sorted[0]?.index ?? -1,
    sorted[sorted.length - 1]?.index ?? -1,
  );
}

/** A part from lines already serialised in input order (each starting with its index), with its checksum. */
export async function encodeLines(lines: string[], first: number, last: number): Promise<EncodedPart> {
  const body = encoder.encode(lines.length === 0 ? "" : `${lines.join("\n")}\n`);
  const digest = await crypto.subtle.digest("SHA-256", body);
  const sha256 = Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
  return { body, first, last, records: lines.length, bytes: body.byteLength, sha256 };
}

/** Where parts go: an R2 bucket, or anything with its `put`. */
export interface PartBucket {
  put(key: string, value: Uint8Array, options?: R2PutOptions): Promise<unknown>;
}

/** Encodes `records` (at least one) and stores them as the immutable part `key`; answers what the manifest lists. */
export async function writePart(bucket: PartBucket, key: string, records: ResultRecord[]): Promise<ManifestPart> {
  return storePart(bucket, key, await encodePart(records));
}

/** Stores an encoded part as the immutable object `key`; answers what the manifest lists. */
export async function storePart(bucket: PartBucket, key: string, part: EncodedPart): Promise<ManifestPart> {
  await bucket.put(key, part.body, { httpMetadata: { contentType: "application/x-ndjson" } });
  return {
    key,
    first: part.first,
    last: part.last,
    records: part.records,
    bytes: part.bytes,
    sha256: part.sha256,
  };
}

/** The input index a part's line starts with (`{"index":N,`), read without parsing the line; -1 if absent. */
export function indexOfLine(line: string): number {
  const prefix = '{"index":';
  if (!line.startsWith(prefix)) return -1;
  const end = line.indexOf(",", prefix.length);
  const index = Number(line.slice(prefix.length, end < 0 ? undefined : end));
  return Number.isInteger(index) && index >= 0 ? index : -1;
}

/** Parses an NDJSON part back into records, validating each line (R2 is a trust boundary). */
export function decodePart(text: string): ResultRecord[] {
  const records: ResultRecord[] = [];
  for (const line of text.split("\n")) {
    if (line) records.push(ResultRecord.parse(JSON.parse(line)));
  }
  return records;
}
