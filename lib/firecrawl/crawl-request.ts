// Firecrawl's crawl and map requests (v1 and v2), as Trawl reads them: the crawl rules
// they map onto (lib/crawl.ts), the scrape options of every page, and what is refused by
// name. Pure: no bindings, no HTTP.
import { z } from "zod";
import type { CrawlRules, SitemapMode } from "../crawl";
import { MAX_URL_LENGTH } from "../schemas";
import { FirecrawlScrapeRequest, type RefusedOption, refusedOptions } from "./request";
import { FirecrawlWebhook } from "./webhook";

/** Firecrawl's default crawl limit. */
export const DEFAULT_CRAWL_LIMIT = 10_000;

const Url = z.string().min(1).max(MAX_URL_LENGTH, `longer than ${MAX_URL_LENGTH} characters`);
const Paths = z.array(z.string().min(1).max(300)).max(50);

/** A crawl's `scrapeOptions`: a scrape request without its URL. */
export const FirecrawlScrapeOptions = FirecrawlScrapeRequest.omit({ url: true });
export type FirecrawlScrapeOptions = z.infer<typeof FirecrawlScrapeOptions>;

/** `POST /v1|v2/crawl`. */
export const FirecrawlCrawlRequest = z
  .object({
    url: Url,
    limit: z.number().int().positive().optional(),
    maxDiscoveryDepth: z.number().int().nonnegative().optional(),
    includePaths: Paths.optional(),
    excludePaths: Paths.optional(),
    allowSubdomains: z.boolean().optional(),
    allowExternalLinks: z.boolean().optional(),
    crawlEntireDomain: z.boolean().optional(),
    /** v1's name for crawlEntireDomain. */
    allowBackwardLinks: z.boolean().optional(),
    sitemap: z.enum(["include", "skip", "only"]).optional(),
    /** v1: true is `sitemap: skip`. */
    ignoreSitemap: z.boolean().optional(),
    ignoreQueryParameters: z.boolean().optional(),
    /** Accepted: Trawl drops duplicates by normalised URL in every batch. */
    deduplicateSimilarURLs: z.boolean().optional(),
    scrapeOptions: FirecrawlScrapeOptions.optional(),
    webhook: FirecrawlWebhook.optional(),
    /** Accepted; Trawl's per-origin politeness sets the pace. */
    maxConcurrency: z.number().int().positive().optional(),
    origin: z.string().max(200).optional(),
    integration: z.string().max(200).optional(),
    // Refused unless they ask for nothing (see crawlRefusals).
    maxDepth: z.unknown().optional(),
    delay: z.unknown().optional(),
    prompt: z.unknown().optional(),
    regexOnFullURL: z.unknown().optional(),
    zeroDataRetention: z.unknown().optional(),
  })
  .strict();
export type FirecrawlCrawlRequest = z.infer<typeof FirecrawlCrawlRequest>;

/** Every crawl option Trawl cannot honour, named (scrape options as `scrapeOptions.<name>`). */
export function crawlRefusals(request: FirecrawlCrawlRequest): RefusedOption[] {
  const refused: RefusedOption[] = [];
  const asks = (v: unknown) => v !== undefined && v !== null && v !== false && v !== 0 && v !== "";
  if (asks(request.maxDepth)) {
    refused.push({ field: "maxDepth", reason: "not supported: bound the crawl with maxDiscoveryDepth (link depth)" });
  }
  if (asks(request.delay)) {
    refused.push({ field: "delay", reason: "not supported: Trawl paces each origin itself (HOST_MIN_INTERVAL_MS)" });
  }
  if (asks(request.prompt)) refused.push({ field: "prompt", reason: "not supported: Trawl does no LLM extraction" });
  if (asks(request.regexOnFullURL)) {
    refused.push({ field: "regexOnFullURL", reason: "not supported: includePaths/excludePaths match the URL's path" });
  }
  if (asks(request.zeroDataRetention)) {
    refused.push({ field: "zeroDataRetention", reason: "not supported: Trawl keeps every result in R2 until deleted" });
  }
  if (request.scrapeOptions) {
    for (const r of refusedOptions({ url: request.url, ...request.scrapeOptions })) {
      refused.push({ field: `scrapeOptions.${r.field}`, reason: r.reason });
    }
  }
  return refused;
}

/** The crawl rules a Firecrawl crawl request maps onto (checked again by CrawlRules). */
export function toCrawlRules(request: FirecrawlCrawlRequest): Partial<CrawlRules> {
  const sitemap: SitemapMode = request.sitemap ?? (request.ignoreSitemap ? "skip" : "include");
  return {
    maxDepth: request.maxDiscoveryDepth ?? null,
    includePaths: request.includePaths ?? [],
    excludePaths: request.excludePaths ?? [],
    allowSubdomains: request.allowSubdomains ?? false,
    allowExternalLinks: request.allowExternalLinks ?? false,
    crawlEntireDomain: request.crawlEntireDomain ?? request.allowBackwardLinks ?? false,
    sitemap,
    ignoreQueryParameters: request.ignoreQueryParameters ?? false,
  };
}

/** `POST /v1|v2/map`. */
export const FirecrawlMapRequest = z
  .object({
    url: Url,
    search: z.string().max(500).optional(),
    sitemap: z.enum(["include", "skip", "only"]).optional(),
    ignoreSitemap: z.boolean().optional(),
    sitemapOnly: z.boolean().optional(),
    includeSubdomains: z.boolean().optional(),
    ignoreQueryParameters: z.boolean().optional(),
    limit: z.number().int().positive().max(100_000).optional(),
    timeout: z.number().int().positive().optional(),
    location: z.unknown().optional(),
    origin: z.string().max(200).optional(),
    integration: z.string().max(200).optional(),
  })
  .strict();
export type FirecrawlMapRequest = z.infer<typeof FirecrawlMapRequest>;
