// Firecrawl's single-URL scrape, answered synchronously by the pages' own path for
// one origin: the host gate (robots.txt, pace, concurrency), the fetcher's address
// policy on every hop, and the extractor. Nothing is stored.
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { fetchLimitsFrom } from "../../fetch/fetcher";
import { fetchOriginGroup } from "../../fetch/origin-group";
import { checkTarget } from "../../lib/address-policy";
import { createLimiter } from "../../lib/concurrency";
import type { ErrorCode } from "../../lib/error-codes";
import { isDocument, toDocument } from "../../lib/firecrawl/documents";
import {
  FirecrawlScrapeRequest,
  MAX_TIMEOUT_MS,
  refusedOptions,
  toBatchOptions,
  warningOf,
} from "../../lib/firecrawl/request";
import { readSettings } from "../../lib/settings";
import { ApiError } from "../errors";
import { bearerSecurity } from "../openapi-schemas";
import { withQuota } from "../quotas";
import type { AppEnv } from "../types";
import { refuseUnsupported } from "./refusals";
import { FirecrawlScrapeResult, firecrawlError, firecrawlErrors, firecrawlTags } from "./schemas";

/**
 * The answer when a page gave no document. The target's own 4xx/5xx are documents
 * (with `metadata.statusCode`), so these are refusals and failures to get an answer.
 */
function failureStatus(code: ErrorCode): ContentfulStatusCode {
  switch (code) {
    case "invalid_url":
      return 400;
    case "blocked_address":
    case "robots_disallowed":
      return 403;
    case "timeout":
      return 408;
    default:
      // Not 502: Firecrawl's v2 SDK repeats a request that answered 502.
      return 500;
  }
}

function scrapeRoute(version: "v1" | "v2") {
  return createRoute({
    method: "post",
    path: `/${version}/scrape`,
    tags: firecrawlTags,
    summary: `Firecrawl ${version}: scrape one URL now (robots.txt and the address policy apply)`,
    security: bearerSecurity,
    request: { body: { required: true, content: { "application/json": { schema: FirecrawlScrapeRequest } } } },
    responses: {
      200: {
        description: "The document; a target's 4xx or 5xx page is a document too, with its `metadata.statusCode`",
        content: { "application/json": { schema: FirecrawlScrapeResult } },
      },
      403: firecrawlError("A blocked address, or robots.txt forbids the URL"),
      408: firecrawlError("No complete answer within the fetch timeout, or no turn at a busy origin within `timeout`"),
      429: firecrawlError("MAX_SCRAPES_IN_FLIGHT of yours are running; retry after `Retry-After`"),
      500: firecrawlError("The page could not be fetched or read; `code` says why"),
      ...firecrawlErrors,
    },
  });
}

/** How long a scrape without `timeout` may wait its turn at a busy origin (Firecrawl's default scrape timeout). */
const DEFAULT_SCRAPE_WAIT_MS = 60_000;

/** Registers `POST /v1/scrape` and `POST /v2/scrape`. */
export function registerScrapeRoutes(app: OpenAPIHono<AppEnv>): void {
  for (const version of ["v1", "v2"] as const) {
    app.openapi(scrapeRoute(version), async (c) => {
      const body = c.req.valid("json");
      refuseUnsupported(refusedOptions(body));
      const settings = readSettings(c.env);
      const limits = fetchLimitsFrom(settings);
      const url = body.url.trim();
      const check = checkTarget(url, limits.allow);
      if (!check.ok) {
        throw new ApiError(failureStatus(check.error.code), check.error.code, `url: ${check.error.message}`, [
          { field: "url", reason: check.error.message },
        ]);
      }
      // One attempt: a synchronous answer does not wait out retry back-offs.
      const options = { ...toBatchOptions(body), maxAttempts: 1 };
      // How long the scrape may wait its turn at the origin (a batch on the same site is
      // paced there too): the request's `timeout`, or Firecrawl's default, never refused meanwhile.
      const waitBudgetMs = Math.min(MAX_TIMEOUT_MS, body.timeout ?? DEFAULT_SCRAPE_WAIT_MS);
      const scrapes = {
        kind: "scrape",
        what: "synchronous scrapes",
        max: settings.MAX_SCRAPES_IN_FLIGHT,
        setting: "MAX_SCRAPES_IN_FLIGHT",
        // Past the longest a scrape can take (waiting its turns, then fetching it), the place frees itself.
        ttlMs: waitBudgetMs + settings.HOST_MAX_WAIT_MS + settings.FETCH_TIMEOUT_MS + 30_000,
      };
      const outcome = await withQuota(c, scrapes, async (release) => {
        try {
          const deadline = Date.now() + waitBudgetMs;
          for (;;) {
            const [result] = await fetchOriginGroup(
              check.value.origin,
              [{ index: 0, id: null, url, key: url, attempts: 0 }],
              {
                env: c.env,
                options,
                fetchLimits: limits,
                maxWaitMs: settings.HOST_MAX_WAIT_MS,
                limit: createLimiter(1),
                // A caller waits on the answer: it goes before queued page chunks.
                asker: { batch: null, priority: true, maxConcurrency: null },
              },
            );
            if (result?.kind !== "retry") return result;
            const waitMs = Math.min(result.afterSeconds * 1000, deadline - Date.now());
            if (waitMs <= 0) return result;
            await new Promise((resolve) => setTimeout(resolve, waitMs));
          }
        } finally {
          await release();
        }
      });
      if (!outcome || outcome.kind === "retry") {
        throw new ApiError(408, "timeout", `url: the origin had no turn free within ${waitBudgetMs} ms`, [
          { field: "url", reason: "origin busy for the whole timeout" },
        ]);
      }
      const { record } = outcome;
      const warning = warningOf(body);
      if (isDocument(record)) {
        return c.json(
          { success: true as const, data: { ...toDocument(record), ...(warning !== undefined && { warning }) } },
          200,
        );
      }
      const error = record.error ?? { code: "network_error" as const, message: "no answer" };
      throw new ApiError(failureStatus(error.code), error.code, `url: ${error.message}`, [
        { field: "url", reason: error.message },
      ]);
    });
  }
}
