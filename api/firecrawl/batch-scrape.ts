// Firecrawl's batch scrape lifecycle (start, cancel) over Trawl's own coordinator: a
// batch started here is a Trawl batch like any other, visible under /v1/batches too.
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { type AllowList, checkTarget, parseAllowList } from "../../lib/address-policy";
import { FirecrawlBatchRequest, refusedOptions, warningOf } from "../../lib/firecrawl/request";
import { readSettings } from "../../lib/settings";
import { coordinatorFor } from "../batch-access";
import { ApiError } from "../errors";
import { bearerSecurity } from "../openapi-schemas";
import { checkBatchQuota } from "../quotas";
import { idempotencyKeyFrom, submitBatch } from "../submit-batch";
import type { AppEnv } from "../types";
import { batchIdOf, firecrawlBatchOptions, refuseUnsupported } from "./refusals";
import {
  FirecrawlBatchParams,
  FirecrawlBatchStarted,
  FirecrawlCancelled,
  firecrawlError,
  firecrawlErrors,
  firecrawlTags,
} from "./schemas";

/** At most this many refused URLs are named one by one in a 400. */
const MAX_NAMED_URLS = 100;

function startRoute(version: "v1" | "v2") {
  return createRoute({
    method: "post",
    path: `/${version}/batch/scrape`,
    tags: firecrawlTags,
    summary: `Firecrawl ${version}: start a batch scrape (a Trawl batch)`,
    description:
      "Firecrawl's request shape. Options Trawl cannot honour are refused with a 400 naming them. Honours `x-idempotency-key` (and `Idempotency-Key`).",
    security: bearerSecurity,
    request: { body: { required: true, content: { "application/json": { schema: FirecrawlBatchRequest } } } },
    responses: {
      200: { description: "Started", content: { "application/json": { schema: FirecrawlBatchStarted } } },
      409: firecrawlError("The same idempotency key is still being processed"),
      413: firecrawlError("Too many URLs"),
      429: firecrawlError("MAX_BATCHES_IN_FLIGHT of yours are queued or running: retry after `Retry-After`"),
      ...firecrawlErrors,
    },
  });
}

function cancelRoute(path: string) {
  return createRoute({
    method: "delete",
    path,
    tags: firecrawlTags,
    summary: "Firecrawl: cancel a batch scrape; unfetched URLs end skipped with code `cancelled`",
    description:
      "As Firecrawl answers, a batch that already ended answers 200 `cancelled` too; its own status (GET) is unchanged.",
    security: bearerSecurity,
    request: { params: FirecrawlBatchParams },
    responses: {
      200: { description: "Cancelled", content: { "application/json": { schema: FirecrawlCancelled } } },
      ...firecrawlErrors,
    },
  });
}

/** Splits the list into URLs to submit and the ones that are not http(s) URLs at all. */
function sortUrls(urls: string[], allow: AllowList, ignoreInvalid: boolean): { kept: string[]; invalid: string[] } {
  const kept: string[] = [];
  const invalid: string[] = [];
  const problems: { field: string; reason: string }[] = [];
  for (const [i, url] of urls.entries()) {
    const check = checkTarget(url.trim(), allow);
    // A blocked address is a well-formed URL: it is submitted and ends skipped, visible in /errors.
    if (check.ok || check.error.code !== "invalid_url") kept.push(url);
    else {
      invalid.push(url);
      if (problems.length < MAX_NAMED_URLS) problems.push({ field: `urls[${i}]`, reason: check.error.message });
    }
  }
  const first = problems[0];
  if (first && !ignoreInvalid) {
    throw new ApiError(
      400,
      "invalid_request",
      `${first.field}: ${first.reason} (${invalid.length} invalid URLs; set ignoreInvalidURLs to skip them)`,
      problems,
    );
  }
  if (kept.length === 0) throw ApiError.invalid("urls", "no valid URL: every entry is invalid");
  return { kept, invalid };
}

async function* entriesOf(urls: string[]) {
  for (const url of urls) yield { entry: url };
}

/** Registers the routes that start and cancel batch scrapes, under /v1 and /v2. */
export function registerBatchScrapeRoutes(app: OpenAPIHono<AppEnv>): void {
  for (const version of ["v1", "v2"] as const) {
    app.openapi(startRoute(version), async (c) => {
      const body = c.req.valid("json");
      refuseUnsupported(refusedOptions(body));
      const settings = readSettings(c.env);
      if (body.urls.length > settings.MAX_URLS_PER_BATCH) {
        throw new ApiError(413, "too_many_urls", `urls: more than ${settings.MAX_URLS_PER_BATCH} URLs in one batch`, [
          { field: "urls", reason: `more than ${settings.MAX_URLS_PER_BATCH} URLs` },
        ]);
      }
      const ignoreInvalid = body.ignoreInvalidURLs ?? false;
      const allow = parseAllowList(settings.DEV_ALLOWED_ORIGINS);
      const { kept, invalid } = sortUrls(body.urls, allow, ignoreInvalid);
      const options = firecrawlBatchOptions(body, "batch_scrape", allow);
      const warning = warningOf(body);
      const header = c.req.header("x-idempotency-key") === undefined ? "Idempotency-Key" : "x-idempotency-key";
      const submitted = await submitBatch(c.env, {
        tenant: c.get("tenant"),
        idempotencyKey: idempotencyKeyFrom(c.req.header(header), header),
        keyField: header,
        options,
        entries: entriesOf(kept),
        allow,
        maxUrls: settings.MAX_URLS_PER_BATCH,
        chunkSize: settings.CHUNK_SIZE,
        checkQuota: () => checkBatchQuota(c, settings.MAX_BATCHES_IN_FLIGHT),
      });
      const id = submitted.summary.id;
      if (submitted.replayed) c.header("idempotent-replayed", "true");
      return c.json(
        {
          success: true as const,
          id,
          url: new URL(`/${version}/batch/scrape/${id}`, c.req.url).href,
          ...(ignoreInvalid && { invalidURLs: invalid }),
          ...(warning !== undefined && { warning }),
        },
        200,
      );
    });
  }

  for (const path of ["/v2/batch/scrape/{id}", "/v1/batch/scrape/{id}", "/v1/crawl/{id}", "/v2/crawl/{id}"]) {
    app.openapi(cancelRoute(path), async (c) => {
      const after = await coordinatorFor(c, batchIdOf(c.req.valid("param").id)).cancel(c.get("tenant"));
      if (!after) throw ApiError.notFound();
      // A batch that already ended keeps its status; Firecrawl answers its cancel `cancelled` all the same.
      return c.json({ success: true as const, status: "cancelled" as const }, 200);
    });
  }
}
