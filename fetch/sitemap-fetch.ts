// Opens a sitemap or feed as a stream of its XML bytes, fetched the way pages are
// (address policy on every redirect hop, our User-Agent, a timeout), but never held
// whole: the caller parses it as it arrives.
import type { SourceErrorCode } from "../lib/discovery";
import { classifyStatus, isTransient, parseRetryAfter } from "../lib/retry-policy";
import type { FetchLimits } from "./fetcher";
import { discard, followRedirects } from "./follow-redirects";
import { currentMeter } from "./usage-meter";

/**
 * The most XML one source may hold, counted after decompression: the sitemap
 * protocol's own limit (50 MB uncompressed). Past it the source fails `too_large`;
 * the URLs read before stay in the batch.
 */
export const SITEMAP_MAX_BYTES = 50 * 1024 * 1024;
/** The whole exchange of one source, body included: 50 MB takes a while from a slow origin. */
export const SITEMAP_TIMEOUT_MS = 120_000;

export type SourceFailure = { ok: false; code: SourceErrorCode; message: string; transient: boolean };
export type OpenedSource = { ok: true; body: ReadableStream<Uint8Array>; gzipped: boolean } | SourceFailure;

/** Thrown through the body stream when it passes SITEMAP_MAX_BYTES. */
export class TooLarge extends Error {}

const GZIP_MAGIC = [0x1f, 0x8b];

/**
 * Fetches `url` and answers its body as XML bytes: Content-Encoding gzip and br are
 * undone by the runtime, and a body that is itself gzip (a `.xml.gz` file, whatever
 * its headers say) is recognised by its first two bytes and decompressed here. The
 * bytes after decompression are capped at `maxBytes`; `signal` bounds the whole read.
 */
export async function openSource(
  url: string,
  limits: FetchLimits,
  signal: AbortSignal,
  maxBytes = SITEMAP_MAX_BYTES,
): Promise<OpenedSource> {
  const fail = (code: SourceErrorCode, message: string, status: number | null = null): SourceFailure => ({
    ok: false,
    code,
    message,
    transient: isTransient(code, status),
  });
  const headers = {
    "user-agent": limits.userAgent,
    accept: "application/xml,text/xml,application/rss+xml,application/atom+xml,*/*;q=0.5",
    "accept-encoding": "gzip, br",
  };
  const followed = await followRedirects(url, limits, headers, signal);
  if (!followed.ok) return fail(followed.code, followed.message, followed.status);
  const { response } = followed;
  const kind = classifyStatus(response.status);
  if (kind !== "success") {
    await discard(response);
    if (kind === "rate_limited") {
      const after = parseRetryAfter(response.headers.get("retry-after"), Date.now());
      return fail("rate_limited", `HTTP ${response.status}${after ? `, retry after ${after} s` : ""}`);
    }
    return fail("http_error", `HTTP ${response.status}`, response.status);
  }
  const coding = (response.headers.get("content-encoding") ?? "").trim();
  if (coding !== "" && coding !== "identity" && coding !== "gzip" && coding !== "br") {
    await discard(response);
    return fail("decoding_failed", `unsupported Content-Encoding ${coding.slice(0, 50)}`);
  }
  if (!response.body) return { ok: true, body: new Blob([]).stream(), gzipped: false };
  const { stream, gzipped } = await sniffGzip(response.body);
  return { ok: true, body: stream.pipeThrough(byteCap(maxBytes)), gzipped };
}

/** Reads the first bytes, and gunzips the stream when they are gzip's magic number. */
async function sniffGzip(
  body: ReadableStream<Uint8Array>,
): Promise<{ stream: ReadableStream<Uint8Array>; gzipped: boolean }> {
  const reader = body.getReader();
  const head: Uint8Array[] = [];
  let size = 0;
  while (size < GZIP_MAGIC.length) {
    const { done, value } = await reader.read();
    if (done) break;
    head.push(value);
    size += value.byteLength;
  }
  const first = new Uint8Array(size);
  let offset = 0;
  for (const piece of head) {
    first.set(piece, offset);
    offset += piece.byteLength;
  }
  const rest = new ReadableStream<Uint8Array>({
    start(controller) {
      if (first.byteLength > 0) controller.enqueue(first);
    },
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel: (reason) => reader.cancel(reason),
  });
  const gzipped = GZIP_MAGIC.every((byte, i) => first[i] === byte);
  return { stream: gzipped ? rest.pipeThrough(new DecompressionStream("gzip")) : rest, gzipped };
}

/** Passes bytes through until `max` of them have gone by, then fails the stream with TooLarge. */
function byteCap(max: number): TransformStream<Uint8Array, Uint8Array> {
  let seen = 0;
  const meter = currentMeter(); // the cost ledger's bytesFetched: the XML read
  return new TransformStream({
    transform(chunk, controller) {
      seen += chunk.byteLength;
      meter?.add({ bytesFetched: chunk.byteLength });
      if (seen > max) controller.error(new TooLarge(`more than ${max} bytes of XML`));
      else controller.enqueue(chunk);
    },
  });
}
