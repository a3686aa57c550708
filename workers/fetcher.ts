import { type AllowList, checkTarget } from "../lib/address-policy";
import type { ErrorCode } from "../lib/error-codes";
import { classifyStatus, parseRetryAfter } from "../lib/retry-policy";

export interface FetchLimits {
  userAgent: string;
  timeoutMs: number;
  maxBytes: number;
  maxRedirects: number;
  allow: AllowList;
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
  etag: string | null;
  lastModified: string | null;
}

export interface FetchFailure extends FetchTrace {
  ok: false;
  code: ErrorCode;
  message: string;
  status: number | null;
  contentType: string | null;
  /** Worth another attempt later (5xx, 429/503, timeouts, resets). */
  transient: boolean;
  /** What the origin asked for with Retry-After, in seconds. */
  retryAfterSeconds: number | null;
}

export type FetchOutcome = FetchedPage | FetchFailure;

// Content types we can turn into Markdown; anything else is refused before its body
// is read, so a 2 GB video costs one round trip.
const TEXTUAL = /^(text\/html|application\/xhtml\+xml|text\/plain|text\/markdown|text\/x-markdown)\b/i;

/**
 * Fetches one page politely and defensively: manual redirects with the address policy
 * applied to every hop, one timeout for the whole exchange, and a byte cap on the
 * (decompressed) body.
 */
export async function fetchPage(url: string, limits: FetchLimits): Promise<FetchOutcome> {
  const started = Date.now();
  const fetchedAt = new Date(started).toISOString();
  const redirects: string[] = [];
  const signal = AbortSignal.timeout(limits.timeoutMs);
  const seen = new Set<string>();
  let current = url;
  const trace = (): FetchTrace => ({ finalUrl: current, redirects, fetchedAt, durationMs: Date.now() - started });
  const fail = (
    code: ErrorCode,
    message: string,
    extra: Partial<Pick<FetchFailure, "status" | "contentType" | "transient" | "retryAfterSeconds">> = {},
  ): FetchFailure => ({
    ok: false,
    code,
    message,
    status: null,
    contentType: null,
    transient: false,
    retryAfterSeconds: null,
    ...trace(),
    ...extra,
  });

  for (let hop = 0; ; hop++) {
    const target = checkTarget(current, limits.allow);
    if (!target.ok) return fail(target.code, target.reason);
    if (seen.has(target.url.href)) return fail("too_many_redirects", `redirect loop back to ${target.url.href}`);
    seen.add(target.url.href);

    let response: Response;
    try {
      response = await fetch(target.url.href, {
        redirect: "manual",
        signal,
        headers: {
          "user-agent": limits.userAgent,
          accept: "text/html,application/xhtml+xml,text/plain;q=0.9,text/markdown;q=0.9,*/*;q=0.1",
          "accept-encoding": "gzip, deflate, br",
        },
      });
    } catch (error) {
      return signal.aborted
        ? fail("timeout", `no answer within ${limits.timeoutMs} ms`, { transient: true })
        : fail("network_error", describe(error), { transient: true });
    }

    const status = response.status;
    const contentType = response.headers.get("content-type");
    const kind = classifyStatus(status);
    if (kind === "redirect") {
      await discard(response);
      const location = response.headers.get("location");
      if (!location) return fail("http_error", `HTTP ${status} without a Location header`, { status });
      if (hop >= limits.maxRedirects) return fail("too_many_redirects", `more than ${limits.maxRedirects} redirects`);
      let next: URL;
      try {
        next = new URL(location, target.url);
      } catch {
        return fail("invalid_url", `redirect to an unparseable Location: ${location.slice(0, 200)}`, { status });
      }
      redirects.push(target.url.href);
      current = next.href;
      continue;
    }
    if (kind !== "success") {
      await discard(response);
      const retryAfterSeconds = parseRetryAfter(response.headers.get("retry-after"), Date.now());
      if (kind === "rate_limited") {
        return fail("rate_limited", `HTTP ${status}`, { status, contentType, transient: true, retryAfterSeconds });
      }
      return fail("http_error", `HTTP ${status}`, { status, contentType, transient: kind === "retry" });
    }
    if (contentType && !TEXTUAL.test(contentType.trim())) {
      await discard(response);
      return fail("unsupported_content_type", `content type ${contentType.slice(0, 100)}`, { status, contentType });
    }
    const declared = Number(response.headers.get("content-length"));
    if (Number.isFinite(declared) && declared > limits.maxBytes) {
      await discard(response);
      return fail("too_large", `Content-Length ${declared} exceeds ${limits.maxBytes} bytes`, { status, contentType });
    }
    const body = await readCapped(response, limits.maxBytes, signal);
    if (body === "too_large") {
      return fail("too_large", `body exceeds ${limits.maxBytes} bytes`, { status, contentType });
    }
    if (body instanceof Error) {
      return signal.aborted
        ? fail("timeout", `body not complete within ${limits.timeoutMs} ms`, { status, contentType, transient: true })
        : fail("network_error", describe(body), { status, contentType, transient: true });
    }
    return {
      ok: true,
      status,
      contentType,
      body,
      etag: response.headers.get("etag"),
      lastModified: response.headers.get("last-modified"),
      ...trace(),
    };
  }
}

async function readCapped(
  response: Response,
  maxBytes: number,
  signal: AbortSignal,
): Promise<Uint8Array | "too_large" | Error> {
  if (!response.body) return new Uint8Array();
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      if (signal.aborted) throw signal.reason;
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel().catch(() => {});
        return "too_large";
      }
      chunks.push(value);
    }
  } catch (error) {
    await reader.cancel().catch(() => {});
    return error instanceof Error ? error : new Error(String(error));
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

async function discard(response: Response): Promise<void> {
  await response.body?.cancel().catch(() => {});
}

function describe(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).slice(0, 300);
}
