import { type AllowList, parseAllowList } from "../lib/address-policy";
import { concatChunks } from "../lib/bytes";
import type { ErrorCode } from "../lib/error-codes";
import { isDocumentType } from "../lib/extract/content-type";
import type { DocumentLimits } from "../lib/extract/document-limits";
import { classifyStatus, isTransient, parseRetryAfter } from "../lib/retry-policy";
import type { Settings } from "../lib/settings";
import { describe, discard, followRedirects, type HopTurn } from "./follow-redirects";
import { readCapped } from "./read-capped";
import { currentMeter } from "./usage-meter";

export interface FetchLimits {
  userAgent: string;
  timeoutMs: number;
  maxBytes: number;
  /** The byte cap of a body labelled as a document (PDF, DOCX) or not labelled at all. */
  maxDocumentBytes?: number;
  /** How a PDF or DOCX is read (pages, time, inflated bytes); page fetches only. */
  documents?: DocumentLimits;
  maxRedirects: number;
  allow: AllowList;
  /** How a redirect hop takes its turn at its origin (a page fetch under a gate's grant); absent, hops go at once. */
  hopTurn?: HopTurn;
  /**
   * Past `maxBytes`, keep the first `maxBytes` and mark the page truncated instead of
   * failing `too_large`: for robots.txt, whose first part still holds rules (RFC 9309 §2.5).
   */
  truncate?: boolean;
}

/** The fetch limits a deployment's settings give every page fetch (the consumer's and a single scrape's). */
export function fetchLimitsFrom(settings: Settings): FetchLimits {
  return {
    userAgent: settings.USER_AGENT,
    timeoutMs: settings.FETCH_TIMEOUT_MS,
    maxBytes: settings.MAX_BODY_BYTES,
    maxDocumentBytes: settings.MAX_DOCUMENT_BYTES,
    documents: {
      maxPages: settings.DOCUMENT_MAX_PAGES,
      timeBudgetMs: settings.DOCUMENT_TIME_BUDGET_MS,
      maxInflatedBytes: settings.DOCX_MAX_INFLATED_BYTES,
    },
    maxRedirects: settings.MAX_REDIRECTS,
    allow: parseAllowList(settings.DEV_ALLOWED_ORIGINS, settings.STRICTLY_PUBLIC_FETCH),
  };
}

interface FetchTrace {
  finalUrl: string;
  redirects: string[];
  fetchedAt: string;
  durationMs: number;
}

export interface FetchedPage extends FetchTrace {
  ok: true;
  status: number;
  contentType: string | null;
  body: Uint8Array;
  /** The body stopped at `maxBytes` (only with `limits.truncate`). */
  truncated: boolean;
  /** A 304 to the validators we sent: no body; the content is the one those validators came with. */
  notModified: boolean;
  etag: string | null;
  lastModified: string | null;
  /** The response's Date header (kept with a stored body). */
  date?: string | null;
}

export interface FetchFailure extends FetchTrace {
  ok: false;
  code: ErrorCode;
  message: string;
  status: number | null;
  contentType: string | null;
  /** Worth another attempt later (5xx, 429/503, timeouts, resets); never for a body that cannot be decoded. */
  transient: boolean;
  /** What the origin asked for with Retry-After, in seconds. */
  retryAfterSeconds: number | null;
}

export type FetchOutcome = FetchedPage | FetchFailure;

// Content types we can turn into Markdown (with documents: PDF, DOCX, and unlabelled
// bodies, which may be either); anything else is refused before its body is read, so a
// 2 GB video costs one round trip.
const TEXTUAL = /^(text\/html|application\/xhtml\+xml|text\/plain|text\/markdown|text\/x-markdown)\b/i;

// workerd's fetch decodes a Content-Encoding of exactly "gzip" or "br" itself (the
// header stays); anything else, "deflate", "x-gzip" or "GZIP" included, arrives as
// sent. We advertise deflate too and decode it here, so every coding we ask for is
// one we can read.
const ACCEPT_ENCODING = "gzip, deflate, br";
const DECODED_BY_RUNTIME = new Set(["gzip", "br"]);
// How workerd reports a gzip or br body it cannot decode ("Gzip decompression failed.").
// test/integration/faults.test.ts has a broken-gzip and a broken-br route that pin it.
const RUNTIME_DECODING_ERROR = /decompression failed/i;

/**
 * Fetches one page politely and defensively: manual redirects with the address policy
 * applied to every hop, one timeout for the whole exchange, and a byte cap on the
 * (decompressed) body. `conditional` (If-None-Match, If-Modified-Since) goes with every
 * hop on the URL's own origin, never to another; a 304 answer to it is a page not modified.
 */
export async function fetchPage(
  url: string,
  limits: FetchLimits,
  conditional: Record<string, string> | null = null,
): Promise<FetchOutcome> {
  const started = Date.now();
  const fetchedAt = new Date(started).toISOString();
  const signal = AbortSignal.timeout(limits.timeoutMs);
  const followed = await followRedirects(
    url,
    limits,
    {
      "user-agent": limits.userAgent,
      accept:
        "text/html,application/xhtml+xml,text/plain;q=0.9,text/markdown;q=0.9,application/pdf;q=0.8,application/vnd.openxmlformats-officedocument.wordprocessingml.document;q=0.8,*/*;q=0.1",
      "accept-encoding": ACCEPT_ENCODING,
    },
    signal,
    conditional,
  );
  const trace = (): FetchTrace => ({
    finalUrl: followed.url,
    redirects: followed.redirects,
    fetchedAt,
    durationMs: Date.now() - started,
  });
  const fail = (
    code: ErrorCode,
    message: string,
    extra: Partial<Pick<FetchFailure, "status" | "contentType" | "retryAfterSeconds">> = {},
  ): FetchFailure => ({
    ok: false,
    code,
    message,
    status: null,
    contentType: null,
    retryAfterSeconds: null,
    ...trace(),
    ...extra,
    transient: isTransient(code, extra.status ?? null),
  });
  if (!followed.ok) {
    const message = followed.code === "timeout" ? `no answer within ${limits.timeoutMs} ms` : followed.message;
    return fail(followed.code, message, { status: followed.status });
  }

  const { response } = followed;
  const status = response.status;
  const contentType = response.headers.get("content-type");
  const validators = { etag: response.headers.get("etag"), lastModified: response.headers.get("last-modified") };
  // Only an answer from the origin the validators went to can say "not modified".
  if (status === 304 && conditional && new URL(followed.url).origin === new URL(url).origin) {
    await discard(response);
    const empty = { body: new Uint8Array(0), truncated: false, notModified: true };
    return { ok: true, status, contentType, ...empty, ...validators, ...trace() };
  }
  const kind = classifyStatus(status);
  if (kind !== "success") {
    await discard(response);
    const retryAfterSeconds = parseRetryAfter(response.headers.get("retry-after"), Date.now());
    if (kind === "rate_limited") {
      return fail("rate_limited", `HTTP ${status}`, { status, contentType, retryAfterSeconds });
    }
    return fail("http_error", `HTTP ${status}`, { status, contentType });
  }
  const isDocument = limits.maxDocumentBytes !== undefined && isDocumentType(contentType);
  if (contentType && !TEXTUAL.test(contentType.trim()) && !isDocument) {
    await discard(response);
    return fail("unsupported_content_type", `content type ${contentType.slice(0, 100)}`, { status, contentType });
  }
  const capped = isDocument ? { ...limits, maxBytes: limits.maxDocumentBytes ?? limits.maxBytes } : limits;
  const coding = bodyCoding(response.headers.get("content-encoding"));
  if (coding.kind === "unsupported") {
    // A coding we never asked for and cannot undo: the bytes are unreadable, and will be next time.
    await discard(response);
    const message = `unsupported Content-Encoding ${coding.name.slice(0, 50)}`;
    return fail("decoding_failed", message, { status, contentType });
  }
  const declared = declaredLength(response.headers.get("content-length"));
  if (!capped.truncate && declared !== null && declared > capped.maxBytes) {
    await discard(response);
    return fail("too_large", `Content-Length ${declared} exceeds ${capped.maxBytes} bytes`, { status, contentType });
  }
  const read = await readBody(response, coding, declared, capped, signal);
  if (read.kind === "ok") currentMeter()?.add({ bytesFetched: read.body.byteLength }); // the cost ledger's
  if (read.kind === "too_large") {
    const cap = isDocument ? "the document cap, MAX_DOCUMENT_BYTES" : "the page cap, MAX_BODY_BYTES";
    return fail("too_large", `body exceeds ${capped.maxBytes} bytes (${cap})`, { status, contentType });
  }
  if (read.kind === "decoding_failed") {
    // Broken compression is the origin's bytes, not the network: the same bytes come back on a retry.
    return fail("decoding_failed", `${coding.name} decoding failed: ${read.message}`, { status, contentType });
  }
  if (read.kind === "network_error") {
    return signal.aborted
      ? fail("timeout", `body not complete within ${limits.timeoutMs} ms`, { status, contentType })
      : fail("network_error", read.message, { status, contentType });
  }
  const { body, truncated } = read;
  const date = response.headers.get("date");
  return { ok: true, status, contentType, body, truncated, notModified: false, ...validators, date, ...trace() };
}

type BodyRead =
  | { kind: "ok"; body: Uint8Array; truncated: boolean }
  | { kind: "too_large" }
  | { kind: "decoding_failed"; message: string }
  | { kind: "network_error"; message: string };

/** Who undoes a response's Content-Encoding: nobody (identity), workerd, us, or no one can. */
type BodyCoding =
  | { kind: "identity"; name: "body" }
  | { kind: "runtime"; name: string }
  | { kind: "ours"; name: string; format: "gzip" | "deflate" }
  | { kind: "unsupported"; name: string };

function bodyCoding(header: string | null): BodyCoding {
  const name = (header ?? "").trim();
  if (DECODED_BY_RUNTIME.has(name)) return { kind: "runtime", name };
  const lower = name.toLowerCase();
  if (lower === "" || lower === "identity") return { kind: "identity", name: "body" };
  // Codings are case-insensitive and "x-gzip" is gzip (RFC 9110 §8.4.1.3); workerd reads neither.
  if (lower === "gzip" || lower === "x-gzip") return { kind: "ours", name, format: "gzip" };
  if (lower === "deflate") return { kind: "ours", name, format: "deflate" };
  return { kind: "unsupported", name };
}

/**
 * Reads the decoded body, counting decoded bytes against the cap, so a small
 * compressed body that inflates past it (a bomb) stops at the cap.
 */
async function readBody(
  response: Response,
  coding: BodyCoding,
  declared: number | null,
  limits: FetchLimits,
  signal: AbortSignal,
): Promise<BodyRead> {
  if (!response.body) return { kind: "ok", body: new Uint8Array(), truncated: false };
  if (coding.kind === "identity" && declared !== null && declared <= limits.maxBytes) {
    // Uncompressed with a length under the cap: HTTP framing ends the body there, so one
    // read of the whole of it (far cheaper than a loop over small chunks) is safe.
    try {
      return { kind: "ok", body: new Uint8Array(await response.arrayBuffer()), truncated: false };
    } catch (error) {
      return { kind: "network_error", message: describe(error) };
    }
  }
  // Set when the network side failed, so a decoder error that follows is not blamed on the bytes.
  const transport: { error: unknown } = { error: null };
  let stream: ReadableStream<Uint8Array> = response.body;
  if (coding.kind === "ours") {
    const decoded = await decompress(response.body.getReader(), coding.format, transport);
    if (decoded === null) return { kind: "network_error", message: describe(transport.error) };
    stream = decoded;
  }
  try {
    return await readCapped(stream, limits.maxBytes, limits.truncate === true, signal);
  } catch (error) {
    const decoding =
      !signal.aborted &&
      transport.error === null &&
      (coding.kind === "ours" ||
        (coding.kind === "runtime" && error instanceof TypeError && RUNTIME_DECODING_ERROR.test(error.message)));
    return { kind: decoding ? "decoding_failed" : "network_error", message: describe(error) };
  }
}

/**
 * Decodes a gzip or deflate body as it arrives. For deflate RFC 9110 means the zlib
 * format (RFC 1950), but some servers send the bare deflate stream; the first two bytes
 * tell them apart, as in browsers. Null when the network failed before those bytes came.
 */
async function decompress(
  raw: ReadableStreamDefaultReader<Uint8Array>,
  format: "gzip" | "deflate",
  transport: { error: unknown },
): Promise<ReadableStream<Uint8Array> | null> {
  const read = async (): Promise<ReadableStreamReadResult<Uint8Array>> => {
    try {
      return await raw.read();
    } catch (error) {
      transport.error = error;
      throw error;
    }
  };
  const head: Uint8Array[] = [];
  let headSize = 0;
  try {
    while (headSize < 2) {
      const { done, value } = await read();
      if (done) break;
      head.push(value);
      headSize += value.byteLength;
    }
  } catch {
    return null;
  }
  const first = concatChunks(head, headSize);
  if (first.byteLength === 0) return new Blob([]).stream();
  const source = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(first);
    },
    async pull(controller) {
      const { done, value } = await read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel: (reason) => raw.cancel(reason),
  });
  const decoder = format === "gzip" ? "gzip" : isZlibHeader(first) ? "deflate" : "deflate-raw";
  return source.pipeThrough(new DecompressionStream(decoder));
}

/** RFC 1950 §2.2: method 8 (deflate), a window of at most 32 KiB, and a header that is a multiple of 31. */
function isZlibHeader(bytes: Uint8Array): boolean {
  const cmf = bytes[0] ?? 0;
  const flg = bytes[1] ?? 0;
  return (cmf & 0x0f) === 8 && cmf >> 4 <= 7 && (cmf * 256 + flg) % 31 === 0;
}

/** A Content-Length header's byte count; null when absent or not a plain non-negative integer. */
function declaredLength(header: string | null): number | null {
  return header !== null && /^\s*\d{1,15}\s*$/.test(header) ? Number(header) : null;
}
