// Firecrawl's crawl over Trawl: a crawl is a batch whose URLs are discovered by following
// links from its start page (a `page` discovery source, lib/crawl.ts), within `limit`,
// `maxDiscoveryDepth` and the path and host rules. Its status, errors and cancel are the
// batch routes' (batch-reads.ts, batch-scrape.ts), under /v1/crawl and /v2/crawl too.
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { checkTarget, parseAllowList } from "../../lib/address-policy";
import { CrawlRules } from "../../lib/crawl";
import {
  crawlRefusals,
  DEFAULT_CRAWL_LIMIT,
  FirecrawlCrawlRequest,
  toCrawlRules,
} from "../../lib/firecrawl/crawl-request";
import { warningOf } from "../../lib/firecrawl/request";
import { readSettings } from "../../lib/settings";
import { normalizeUrl } from "../../lib/url-normalize";
import { crawlSources } from "../discovery-request";
import { ApiError, invalidFromZod } from "../errors";
import { bearerSecurity } from "../openapi-schemas";
import { checkBatchQuota } from "../quotas";
import { idempotencyKeyFrom, submitBatch } from "../submit-batch";
import type { AppEnv } from "../types";
import { firecrawlBatchOptions, refuseUnsupported } from "./refusals";
import { FirecrawlBatchStarted, firecrawlError, firecrawlErrors, firecrawlTags } from "./schemas";

function crawlRoute(version: "v1" | "v2") {
  return createRoute({
    method: "post",
    path: `/${version}/crawl`,
    tags: firecrawlTags,
    summary: `Firecrawl ${version}: start a crawl (a Trawl batch that discovers its URLs by following links)`,
    description:
      "Follows links from `url` within `limit` (URLs past it are not accepted; the batch's discovery says `capped`), `maxDiscoveryDepth`, `includePaths`/`excludePaths` (regular expressions over the path), `allowSubdomains`, `allowExternalLinks`, `crawlEntireDomain`, `sitemap` and `ignoreQueryParameters`. Every page gets `scrapeOptions`.",
    security: bearerSecurity,
    request: { body: { required: true, content: { "application/json": { schema: FirecrawlCrawlRequest } } } },
    responses: {
      200: { description: "Started", content: { "application/json": { schema: FirecrawlBatchStarted } } },
      429: firecrawlError("MAX_BATCHES_IN_FLIGHT of yours are queued or running: retry after `Retry-After`"),
      ...firecrawlErrors,
    },
  });
}

async function* noEntries(): AsyncIterable<{ entry: string }> {}

/** Registers `POST /v1/crawl` and `POST /v2/crawl`. */
export function registerCrawlRoutes(app: OpenAPIHono<AppEnv>): void {
  for (const version of ["v1", "v2"] as const) {
    app.openapi(crawlRoute(version), async (c) => {
      const body = c.req.valid("json");
      refuseUnsupported(crawlRefusals(body));
      const settings = readSettings(c.env);
      const allow = parseAllowList(settings.DEV_ALLOWED_ORIGINS);
      const check = checkTarget(body.url.trim(), allow);
      if (!check.ok) throw ApiError.invalid("url", `${check.error.code}: ${check.error.message}`);
      const parsed = CrawlRules.safeParse(toCrawlRules(body));
      if (!parsed.success) throw invalidFromZod(parsed.error);
      const rules = parsed.data;
      const limit = Math.min(body.limit ?? DEFAULT_CRAWL_LIMIT, settings.MAX_URLS_PER_BATCH);
      const start = normalizeUrl(check.value);
      const scrape = { url: body.url, ...(body.scrapeOptions ?? {}), ...(body.webhook && { webhook: body.webhook }) };
      const options = firecrawlBatchOptions(scrape, "crawl", allow);
      const header = c.req.header("x-idempotency-key") === undefined ? "Idempotency-Key" : "x-idempotency-key";
      const submitted = await submitBatch(c.env, {
        tenant: c.get("tenant"),
        idempotencyKey: idempotencyKeyFrom(c.req.header(header), header),
        keyField: header,
        options,
        entries: noEntries(),
        discovery: {
          sources: crawlSources(start, rules),
          include: [],
          exclude: [],
          maxUrls: limit,
          crawl: { start, rules },
        },
        allow,
        maxUrls: settings.MAX_URLS_PER_BATCH,
        chunkSize: settings.CHUNK_SIZE,
        checkQuota: () => checkBatchQuota(c, settings.MAX_BATCHES_IN_FLIGHT),
      });
      const id = submitted.summary.id;
      if (submitted.replayed) c.header("idempotent-replayed", "true");
      const warnings = [
        warningOf({ url: body.url, ...(body.scrapeOptions ?? {}) }),
        body.limit !== undefined && body.limit > limit ? `limit: held to ${limit} (MAX_URLS_PER_BATCH)` : undefined,
      ].filter((w): w is string => w !== undefined);
      return c.json(
        {
          success: true as const,
          id,
          url: new URL(`/${version}/crawl/${id}`, c.req.url).href,
          ...(warnings.length > 0 && { warning: warnings.join("; ") }),
        },
        200,
      );
    });
  }
}
