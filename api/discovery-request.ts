// The discovery fields of a batch request (`sources`, `include`, `exclude`, `maxUrls`),
// checked and turned into the plan the coordinator keeps. JSON bodies only: a streamed
// NDJSON or text list is URLs and nothing else.
import { type AllowList, checkTarget } from "../lib/address-policy";
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
  return {
    sources: sources.map((entry, i) => {
      const { kind, url } = sourceOf(entry);
      const check = checkTarget(url.trim(), allow);
      if (!check.ok) throw ApiError.invalid(`sources[${i}].${kind}`, `${check.error.code}: ${check.error.message}`);
      // A robots source names an origin; its robots.txt is what is read.
      const target = kind === "robots" ? new URL(robotsUrlFor(check.value.href)) : check.value;
      return { kind, url: normalizeUrl(target) };
    }),
    include: body.include ?? [],
    exclude: body.exclude ?? [],
    maxUrls: body.maxUrls ?? null,
  };
}
