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
    url: Url.describe("The start URL: the crawl follows its links."),
    limit: z
      .number()
      .int()
      .positive()
      .optional()
      .describe(
        "The most URLs the crawl takes (default 10000); URLs past it are not accepted (discovery says `capped`).",
      ),
    maxDiscoveryDepth: z
      .number()
      .int()
      .nonnegative()
      .optional()
      .describe(
        "The deepest link depth followed (links from the start page are depth 1); absent: no bound but `limit`.",
      ),
    includePaths: Paths.optional().describe(
      "Regular expressions over a link's path: when given, only links matching one are taken.",
    ),
    excludePaths: Paths.optional().describe(
      "Regular expressions over a link's path: links matching one are not taken.",
    ),
    allowSubdomains: z
      .boolean()
      .optional()
      .describe("Also follow links to subdomains of the start host (default false)."),
    allowExternalLinks: z.boolean().optional().describe("Also follow links to other sites (default false)."),
    crawlEntireDomain: z
      .boolean()
      .optional()
      .describe("Follow links to the whole host, not only under the start URL's path (default false)."),
    allowBackwardLinks: z.boolean().optional().describe("v1's name for `crawlEntireDomain`."),
    sitemap: z
      .enum(["include", "skip", "only"])
      .optional()
      .describe(
        "How the site's sitemaps are used: beside the links (`include`, default), not at all (`skip`), or alone (`only`).",
      ),
    ignoreSitemap: z.boolean().optional().describe("v1: true is `sitemap: skip`."),
    ignoreQueryParameters: z
      .boolean()
      .optional()
      .describe("Drop each link's query string, so URLs differing only in it are one page (default false)."),
    deduplicateSimilarURLs: z
      .boolean()
      .optional()
      .describe("Accepted: Trawl drops duplicates by normalised URL in every batch."),
    scrapeOptions: FirecrawlScrapeOptions.optional().describe(
      "How every crawled page is scraped: a scrape request's options, without its `url`.",
    ),
    webhook: FirecrawlWebhook.optional().describe(
      "Firecrawl-shaped webhook: a URL, or `{url, headers, metadata, events}`; signed with X-Firecrawl-Signature.",
    ),
    maxConcurrency: z
      .number()
      .int()
      .positive()
      .optional()
      .describe("Accepted; Trawl's per-origin politeness sets the pace."),
    origin: z.string().max(200).optional().describe("Who is calling (an SDK name): informational only."),
    integration: z.string().max(200).optional().describe("The calling integration: informational only."),
    // Refused unless they ask for nothing (see crawlRefusals).
    maxDepth: z
      .unknown()
      .optional()
      .describe("Refused when set: bound the crawl with `maxDiscoveryDepth` (link depth)."),
    delay: z.unknown().optional().describe("Refused when set: Trawl paces each origin itself (HOST_MIN_INTERVAL_MS)."),
    prompt: z.unknown().optional().describe("Refused when set: Trawl does no LLM extraction."),
    regexOnFullURL: z
      .unknown()
      .optional()
      .describe("Refused when set: `includePaths`/`excludePaths` match the URL's path."),
    zeroDataRetention: z
      .unknown()
      .optional()
      .describe("Refused when set: Trawl keeps every result in R2 until deleted."),
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
    url: Url.describe("The site to map: its sitemaps and this page's links are read."),
    search: z
      .string()
      .max(500)
      .optional()
      .describe("Words: only URLs containing at least one of them (case-insensitive) are answered."),
    sitemap: z
      .enum(["include", "skip", "only"])
      .optional()
      .describe(
        "How the site's sitemaps are used: beside the page's links (`include`, default), not at all (`skip`), or alone (`only`).",
      ),
    ignoreSitemap: z.boolean().optional().describe("v1: true is `sitemap: skip`."),
    sitemapOnly: z.boolean().optional().describe("v1: true is `sitemap: only`."),
    includeSubdomains: z
      .boolean()
      .optional()
      .describe("Also list URLs on subdomains of the site's host (default true)."),
    ignoreQueryParameters: z
      .boolean()
      .optional()
      .describe("Drop each URL's query string, so URLs differing only in it are listed once (default true)."),
    limit: z
      .number()
      .int()
      .positive()
      .max(100_000)
      .optional()
      .describe("The most URLs answered (default 5000, at most MAX_URLS_PER_BATCH)."),
    timeout: z
      .number()
      .int()
      .positive()
      .optional()
      .describe("How long the map may read, in milliseconds (default 60000); it answers what it found by then."),
    location: z
      .unknown()
      .optional()
      .describe("Accepted and ignored: Trawl fetches from where it runs, without geo proxies."),
    origin: z.string().max(200).optional().describe("Who is calling (an SDK name): informational only."),
    integration: z.string().max(200).optional().describe("The calling integration: informational only."),
  })
  .strict();
export type FirecrawlMapRequest = z.infer<typeof FirecrawlMapRequest>;
