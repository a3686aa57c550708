// The discovery fields of a batch request (`sources`, `include`, `exclude`, `maxUrls`),
// checked and turned into the plan the coordinator keeps. JSON bodies only: a streamed
// NDJSON or text list is URLs and nothing else.
import { type AllowList, checkTarget } from "../lib/address-policy";
import { CrawlRules } from "../lib/crawl";
import { type DiscoveryPlan, type SourceEntry, sourceOf } from "../lib/discovery";
import { robotsUrlFor } from "../lib/robots";
import { normalizeUrl } from "../lib/url-normalize";
import { ApiError } from "./errors";

export interface DiscoveryRequest {
  sources?: SourceEntry[];
  include?: string[];
  exclude?: string[];
  maxUrls?: number;
}

/**
 * The plan a request asks for, or null when it names no sources. A source whose URL
 * the address policy refuses is a 400 naming it (`sources[2].sitemap`), as are
 * discovery settings without sources, more sources than a batch may hold and a
 * `maxUrls` over the batch's own cap.
 */
export function discoveryPlanFrom(
  body: DiscoveryRequest,
  allow: AllowList,
  maxUrlsPerBatch: number,
  maxSources: number,
): DiscoveryPlan | null {
  const sources = body.sources ?? [];
  if (sources.length > maxSources) {
    throw ApiError.invalid("sources", `at most ${maxSources} sources per batch (MAX_SOURCES_PER_BATCH)`);
  }
  if (sources.length === 0) {
    for (const field of ["include", "exclude", "maxUrls"] as const) {
      if (body[field] !== undefined) throw ApiError.invalid(field, "applies to discovered URLs: give `sources` too");
    }
    return null;
  }
  if (body.maxUrls !== undefined && body.maxUrls > maxUrlsPerBatch) {
    throw ApiError.invalid("maxUrls", `at most ${maxUrlsPerBatch}, the URLs one batch may hold`);
  }
  let crawl: DiscoveryPlan["crawl"];
  const planned = sources.flatMap((entry, i) => {
    const { kind, url } = sourceOf(entry);
    const field = `sources[${i}].${kind === "page" ? "crawl" : kind}`;
    const check = checkTarget(url.trim(), allow);
    if (!check.ok) throw ApiError.invalid(field, `${check.error.code}: ${check.error.message}`);
    if ("crawl" in entry) {
      if (crawl) throw ApiError.invalid(field, "one crawl per batch");
      const { crawl: _start, ...rules } = entry;
      crawl = { start: normalizeUrl(check.value), rules: CrawlRules.parse(rules) };
      return crawlSources(crawl.start, crawl.rules);
    }
    // A robots source names an origin; its robots.txt is what is read.
    const target = kind === "robots" ? new URL(robotsUrlFor(check.value.href)) : check.value;
    return [{ kind, url: normalizeUrl(target) }];
  });
  return {
    sources: planned,
    include: body.include ?? [],
    exclude: body.exclude ?? [],
    maxUrls: body.maxUrls ?? null,
    ...(crawl && { crawl }),
  };
}

/** A crawl's first sources: its start page (read for links), and the origin's sitemaps unless `sitemap: skip`. */
export function crawlSources(start: string, rules: CrawlRules): DiscoveryPlan["sources"] {
  const sources: DiscoveryPlan["sources"] = [];
  if (rules.sitemap !== "only") sources.push({ kind: "page", url: start });
  if (rules.sitemap !== "skip") sources.push({ kind: "robots", url: normalizeUrl(new URL(robotsUrlFor(start))) });
  return sources;
}
