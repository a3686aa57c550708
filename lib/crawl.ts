// A crawl's rules, as a discovery plan keeps them, and the filter they make: which links
// found on a crawled page join the batch, and which of them are read for links in turn.
// Firecrawl's `/v2/crawl` options, the native `{crawl: url}` source and the CLI's
// `--crawl` all become these. Pure: no bindings.
import { z } from "zod";
import { normalizeUrl } from "./url-normalize";

/** Deepest `maxDepth` taken (links from the start page are depth 1). */
export const MAX_CRAWL_DEPTH = 100;
const MAX_PATH_PATTERNS = 50;
const MAX_PATH_PATTERN_LENGTH = 300;

/**
 * A path pattern is a regular expression over the URL's path, as Firecrawl's are. One
 * that could backtrack without bound (a quantified group such as `(a+)+`, or a
 * back-reference) is refused: it would run inside a consumer on every link.
 */
const PathPattern = z
  .string()
  .min(1)
  .max(MAX_PATH_PATTERN_LENGTH)
  .refine((pattern) => !/\)[*+?{]|\\[1-9]/.test(pattern), "a quantified group or back-reference is not allowed")
  .refine((pattern) => {
    try {
      new RegExp(pattern);
      return true;
    } catch {
      return false;
    }
  }, "not a valid regular expression");

/** How a crawl uses the site's sitemaps: beside the links (`include`), not at all (`skip`), or alone (`only`). */
export const SitemapMode = z.enum(["include", "skip", "only"]);
export type SitemapMode = z.infer<typeof SitemapMode>;

export const CrawlRules = z
  .object({
    maxDepth: z
      .number()
      .int()
      .min(0)
      .max(MAX_CRAWL_DEPTH)
      .nullable()
      .default(null)
      .describe(
        "Links from the start page have depth 1; pages at `maxDepth` join the batch but are not read for links. Null (default): no bound but the cap.",
      ),
    includePaths: z
      .array(PathPattern)
      .max(MAX_PATH_PATTERNS)
      .default([])
      .describe("Regular expressions over a link's path: when given, only links matching one are taken."),
    excludePaths: z
      .array(PathPattern)
      .max(MAX_PATH_PATTERNS)
      .default([])
      .describe("Regular expressions over a link's path: links matching one are not taken."),
    allowSubdomains: z
      .boolean()
      .default(false)
      .describe("Also follow links to subdomains of the start host (default false)."),
    allowExternalLinks: z.boolean().default(false).describe("Also follow links to other sites (default false)."),
    crawlEntireDomain: z
      .boolean()
      .default(false)
      .describe("Follow links to the whole host, not only under the start URL's path (default false)."),
    sitemap: SitemapMode.default("include").describe(
      "How the site's sitemaps are used: beside the links (`include`, default), not at all (`skip`), or alone (`only`).",
    ),
    ignoreQueryParameters: z
      .boolean()
      .default(false)
      .describe("Drop each link's query string, so URLs differing only in it are one page (default false)."),
  })
  .strict();
export type CrawlRules = z.infer<typeof CrawlRules>;

/** The registrable part a subdomain must end with: the start host less a leading `www.`. */
function baseHost(host: string): string {
  return host.startsWith("www.") ? host.slice(4) : host;
}

/** The folder a crawl stays under unless `crawlEntireDomain`: the start path up to its last `/`. */
function scopeOf(start: URL): string {
  return start.pathname.slice(0, start.pathname.lastIndexOf("/") + 1) || "/";
}

export interface CrawlFilter {
  /** The link's normalised form when the crawl takes it (its fragment dropped, its query too if asked); null when not. */
  take(link: string, base: string): string | null;
}

/** The filter of a crawl started at `startUrl`. */
export function crawlFilter(rules: CrawlRules, startUrl: string): CrawlFilter {
  const start = new URL(startUrl);
  const host = start.hostname.toLowerCase();
  const base = baseHost(host);
  const scope = scopeOf(start);
  const include = rules.includePaths.map((p) => new RegExp(p));
  const exclude = rules.excludePaths.map((p) => new RegExp(p));
  return {
    take(link, from) {
      let url: URL;
      try {
        url = new URL(link, from);
      } catch {
        return null;
      }
      if (url.protocol !== "http:" && url.protocol !== "https:") return null;
      url.hash = "";
      if (rules.ignoreQueryParameters) url.search = "";
      const linkHost = url.hostname.toLowerCase();
      const sameHost = linkHost === host;
      const subdomain = !sameHost && (linkHost === base || linkHost.endsWith(`.${base}`));
      const internal = sameHost || (subdomain && rules.allowSubdomains);
      if (!internal && !rules.allowExternalLinks) return null;
      if (sameHost && !rules.crawlEntireDomain && !url.pathname.startsWith(scope)) return null;
      const path = url.pathname;
      if (include.length > 0 && !include.some((re) => re.test(path))) return null;
      if (exclude.some((re) => re.test(path))) return null;
      return normalizeUrl(url);
    },
  };
}
