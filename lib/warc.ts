// WARC/1.1 (ISO 28500:2017) records, one gzip member each: the file Common Crawl,
// Heritrix, Browsertrix and pywb read. Written here rather than with warcio.js or
// node-warc: node-warc is Node-only (fs-extra, Node streams), and warcio.js digests
// through hash-wasm (WebAssembly compiled at run time, which workerd refuses) and
// gzips through pako; the format itself is a header block and a payload.
import { gzip } from "./raw-pages";
import type { ResultRecord } from "./schemas";

const encoder = new TextEncoder();

/** One record: its named fields (WARC-Record-ID, WARC-Date and Content-Length are filled in) and block. */
export interface WarcRecord {
  type: "warcinfo" | "response" | "metadata" | "request" | "resource";
  fields: Record<string, string>;
  block: Uint8Array;
}

/** A fresh `<urn:uuid:…>` record id. */
export function warcRecordId(): string {
  return `<urn:uuid:${crypto.randomUUID()}>`;
}

/** A record's bytes, uncompressed: version line, fields, blank line, block, two CRLFs. */
export function serializeWarcRecord(record: WarcRecord, date: string): Uint8Array {
  const fields: Record<string, string> = {
    "WARC-Type": record.type,
    "WARC-Record-ID": record.fields["WARC-Record-ID"] ?? warcRecordId(),
    "WARC-Date": date,
    ...record.fields,
    "Content-Length": String(record.block.byteLength),
  };
  const head = `WARC/1.1\r\n${Object.entries(fields)
    .map(([name, value]) => `${name}: ${headerValue(value)}\r\n`)
    .join("")}\r\n`;
  return concat([encoder.encode(head), record.block, encoder.encode("\r\n\r\n")]);
}

/** A record as one gzip member: members concatenate into a valid `.warc.gz`, each readable alone. */
export async function gzipWarcRecord(record: WarcRecord, date: string): Promise<Uint8Array> {
  return gzip(serializeWarcRecord(record, date));
}

/** The warcinfo record that opens a file. */
export function warcinfoRecord(filename: string, fields: Record<string, string>): WarcRecord {
  const body = Object.entries({ software: "Trawl", format: "WARC File Format 1.1", ...fields })
    .map(([name, value]) => `${name}: ${headerValue(value)}\r\n`)
    .join("");
  return {
    type: "warcinfo",
    fields: { "WARC-Filename": filename, "Content-Type": "application/warc-fields" },
    block: encoder.encode(body),
  };
}

/**
 * The response record of a stored body and the metadata record beside it. The HTTP
 * head is rebuilt from the headers the record kept (status, Content-Type, ETag,
 * Last-Modified, Date) with the body's own length: the stored bytes are the body as
 * decoded, so no Content-Encoding or Transfer-Encoding is claimed.
 */
export function pageRecords(record: ResultRecord, body: Uint8Array, sha256: string): WarcRecord[] {
  const status = record.httpStatus ?? 200;
  const target = record.finalUrl ?? record.url;
  const headers: [string, string | null | undefined][] = [
    ["Content-Type", record.contentType],
    ["Content-Length", String(body.byteLength)],
    ["ETag", record.etag],
    ["Last-Modified", record.lastModified],
    ["Date", record.raw?.date],
  ];
  const head = `HTTP/1.1 ${status} ${REASONS[status] ?? ""}\r\n${headers
    .filter((h): h is [string, string] => typeof h[1] === "string")
    .map(([name, value]) => `${name}: ${headerValue(value)}\r\n`)
    .join("")}\r\n`;
  const responseId = warcRecordId();
  const response: WarcRecord = {
    type: "response",
    fields: {
      "WARC-Record-ID": responseId,
      "WARC-Target-URI": target,
      "Content-Type": "application/http;msgtype=response",
      "WARC-Payload-Digest": `sha256:${base32(hexBytes(sha256))}`,
    },
    block: concat([encoder.encode(head), body]),
  };
  const meta: Record<string, string | null> = {
    "trawl-index": String(record.index),
    "trawl-id": record.id,
    "input-url": record.url,
    redirects: record.redirects.length > 0 ? record.redirects.join(" ") : null,
    "fetch-time": record.fetchedAt,
    "fetch-duration-ms": record.durationMs === null ? null : String(record.durationMs),
  };
  const metadata: WarcRecord = {
    type: "metadata",
    fields: {
      "WARC-Target-URI": target,
      "WARC-Refers-To": responseId,
      "Content-Type": "application/warc-fields",
    },
    block: encoder.encode(
      Object.entries(meta)
        .filter((m): m is [string, string] => m[1] !== null)
        .map(([name, value]) => `${name}: ${headerValue(value)}\r\n`)
        .join(""),
    ),
  };
  return [response, metadata];
}

/** A WARC-Date: ISO 8601 UTC (WARC/1.1 allows the fraction). */
export function warcDate(iso: string | null): string {
  const date = iso ? new Date(iso) : new Date();
  return (Number.isNaN(date.getTime()) ? new Date() : date).toISOString();
}

/** Header values are one line: CR and LF would start a field of the caller's choosing. */
function headerValue(value: string): string {
  return value.replace(/[\r\n]+/g, " ");
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

function hexBytes(hex: string): Uint8Array {
  return Uint8Array.from(hex.match(/../g) ?? [], (pair) => Number.parseInt(pair, 16));
}

/** RFC 4648 base32, as WARC digests are customarily written (`sha256:` + base32). */
function base32(bytes: Uint8Array): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = 0;
  let value = 0;
  let out = "";
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
  return out.padEnd(Math.ceil(out.length / 8) * 8, "=");
}

const REASONS: Record<number, string> = { 200: "OK", 203: "Non-Authoritative Information", 206: "Partial Content" };
