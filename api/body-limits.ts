// Every request body the API reads has a byte limit, decided here for every route at
// once (one middleware ahead of all routes), so a route added later is limited too. A
// body over its limit is a 413 `body_too_large` naming the limit, whether the client
// declared its length or streams it: reading stops at the limit.
import { bodyLimit } from "hono/body-limit";
import { createMiddleware } from "hono/factory";
import { ApiError } from "./errors";
import type { AppEnv } from "./types";

/** Largest JSON list body (`POST /v1/batches`, Firecrawl's batch scrape); bigger lists are streamed as NDJSON or text. */
export const MAX_JSON_BODY_BYTES = 10 * 1024 * 1024;
/** Every other body: a retry's codes, a single scrape's options and the like are a few hundred bytes. */
export const MAX_SMALL_BODY_BYTES = 64 * 1024;

const FIRECRAWL_JSON_PATHS = /^\/v[12]\/(scrape|batch\/scrape)$/;

export interface BodyLimit {
  maxBytes: number;
  /** What to do instead, told with the 413. */
  advice: string;
}

/** The limit on a request's body, or null when it has none (no body, or a list read line by line). */
export function bodyLimitOf(method: string, path: string, contentType: string): BodyLimit | null {
  if (method === "GET" || method === "HEAD" || method === "OPTIONS") return null;
  const json = contentType === "" || /^application\/([a-z.-]+\+)?json/i.test(contentType);
  if (path === "/v1/batches" && method === "POST") {
    // NDJSON and text lists stream through the ingest reader, which caps URLs and line length.
    if (!json) return null;
    return { maxBytes: MAX_JSON_BODY_BYTES, advice: "stream large lists as application/x-ndjson" };
  }
  if (FIRECRAWL_JSON_PATHS.test(path) && method === "POST") return { maxBytes: MAX_JSON_BODY_BYTES, advice: "" };
  return { maxBytes: MAX_SMALL_BODY_BYTES, advice: "" };
}

/** Applies `bodyLimitOf` to every request. */
export const limitBodies = createMiddleware<AppEnv>(async (c, next) => {
  const limit = bodyLimitOf(c.req.method, c.req.path, c.req.header("content-type") ?? "");
  if (limit === null) return next();
  return bodyLimit({
    maxSize: limit.maxBytes,
    onError: () => {
      const advice = limit.advice === "" ? "" : `; ${limit.advice}`;
      throw new ApiError(
        413,
        "body_too_large",
        `body: request bodies on ${c.req.method} ${c.req.path} are limited to ${limit.maxBytes} bytes${advice}`,
        [{ field: "body", reason: `over ${limit.maxBytes} bytes` }],
      );
    },
  })(c, next);
});
