// The shapes of URL discovery (sitemaps, robots.txt `Sitemap:` lines, feeds) that
// cross the API, the coordinator and the discovery queue.
import { z } from "zod";
import { CrawlRules } from "./crawl";
import { BatchId, MAX_URL_LENGTH } from "./schemas";

/** Sitemap indexes deeper than this (counting a robots.txt as a level) are not followed. */
export const MAX_SOURCE_DEPTH = 4;
/** Longest include/exclude list, and longest pattern. */
const MAX_PATTERNS = 50;
const MAX_PATTERN_LENGTH = 1000;

/** What a source is read as: a sitemap (or index, or feed: the document says which) or an origin's robots.txt. */
export const SourceKind = z.enum(["sitemap", "feed", "robots", "page"]);
export type SourceKind = z.infer<typeof SourceKind>;

const SourceUrl = z.string().min(1).max(MAX_URL_LENGTH, `longer than ${MAX_URL_LENGTH} characters`);

/** A crawl as a request names it: a start URL and its rules (lib/crawl.ts). */
export const CrawlEntry = z
  .object({
    crawl: SourceUrl.describe("The start URL: pages are found by following its links."),
    ...CrawlRules.partial().shape,
  })
  .strict();

/** One source as a request names it: `{sitemap: url}`, `{feed: url}`, `{robots: origin}` or `{crawl: url, ...rules}`. */
export const SourceEntry = z.union(
  [
    z.object({ sitemap: SourceUrl.describe("A sitemap (or sitemap index) URL.") }).strict(),
    z.object({ feed: SourceUrl.describe("An RSS or Atom feed URL.") }).strict(),
    z.object({ robots: SourceUrl.describe("An origin whose robots.txt lists sitemaps.") }).strict(),
    CrawlEntry,
  ],
  { error: "expected {sitemap: url}, {feed: url}, {robots: origin} or {crawl: url, ...}" },
);
export type SourceEntry = z.infer<typeof SourceEntry>;

const Pattern = z.string().min(1).max(MAX_PATTERN_LENGTH);

/** What a batch discovers from, as the coordinator keeps it (and a scheduled run copies it). */
export const DiscoveryPlan = z.object({
  sources: z.array(z.object({ kind: SourceKind, url: z.string() })).min(1),
  include: z.array(Pattern).max(MAX_PATTERNS).default([]),
  exclude: z.array(Pattern).max(MAX_PATTERNS).default([]),
  /** Cap on discovered URLs (after dedup and filters); null: the batch's own cap. */
  maxUrls: z.number().int().positive().nullable().default(null),
  /** A crawl's start URL and rules: `page` sources follow links (one crawl per batch). */
  crawl: z.object({ start: z.string(), rules: CrawlRules }).optional(),
});
export type DiscoveryPlan = z.infer<typeof DiscoveryPlan>;

/** The request fields that make a plan, beside `urls`. */
export const DiscoveryFields = {
  sources: z
    .array(SourceEntry)
    .max(1000)
    .optional()
    .describe(
      "Where to discover URLs: `{sitemap: url}`, `{feed: url}` (RSS/Atom) or `{robots: origin}` (the sitemaps its robots.txt lists).",
    ),
  include: z
    .array(Pattern)
    .max(MAX_PATTERNS)
    .optional()
    .describe("Glob patterns a discovered URL must match one of (e.g. `/blog/*`)."),
  exclude: z.array(Pattern).max(MAX_PATTERNS).optional().describe("Glob patterns that drop a discovered URL."),
  maxUrls: z.number().int().positive().optional().describe("Stop discovering after this many URLs."),
};

/** The kind and URL of a request's source entry (a crawl's is its start page). */
export function sourceOf(entry: SourceEntry): { kind: SourceKind; url: string } {
  if ("crawl" in entry) return { kind: "page", url: entry.crawl };
  if ("sitemap" in entry) return { kind: "sitemap", url: entry.sitemap };
  if ("feed" in entry) return { kind: "feed", url: entry.feed };
  return { kind: "robots", url: entry.robots };
}

/** A queue message: one source of one batch to read. */
export const DiscoveryMessage = z.object({
  batchId: BatchId,
  sourceId: z.number().int().nonnegative(),
});
export type DiscoveryMessage = z.infer<typeof DiscoveryMessage>;

/** Why a source gave nothing (beside the fetch codes of lib/error-codes.ts). */
export type SourceErrorCode =
  | "not_a_sitemap"
  | "no_sitemaps"
  | "too_deep"
  | "too_complex"
  | "too_many_sources"
  | "gave_up"
  | "http_error"
  | "rate_limited"
  | "timeout"
  | "too_large"
  | "network_error"
  | "decoding_failed"
  | "too_many_redirects"
  | "invalid_url"
  | "blocked_address"
  | "robots_disallowed"
  | "robots_unreachable";

/** How reading one source ended. `transient`: worth another attempt (5xx, timeouts, resets). */
export type SourceOutcome = { ok: true } | { ok: false; code: SourceErrorCode; message: string; transient: boolean };

/** A source as a consumer gets it on claiming. */
export type SourceClaim =
  | {
      kind: "work";
      token: string;
      source: { kind: SourceKind; url: string; depth: number };
      include: string[];
      exclude: string[];
      respectRobots: boolean;
      /** Set for a crawl's `page` sources. */
      crawl?: { start: string; rules: CrawlRules };
    }
  | { kind: "done" }
  | { kind: "busy" }
  | { kind: "unknown" };

/** One slice of what a consumer read: page URLs already checked and normalised, child sitemaps, and what it dropped. */
export interface DiscoveredSlice {
  urls: { url: string; norm: string }[];
  sitemaps: string[];
  /** A crawled page's links to read for links in turn (normalised; a subset of `urls`), one level deeper. */
  pages?: string[];
  /** Refused by the address policy, or not a URL. */
  invalid: number;
  /** Left out by include/exclude. */
  filtered: number;
}

/** Discovery as the batch's status shows it. */
export const DiscoveryStatus = z.object({
  state: z.enum(["discovering", "done"]).describe("`discovering` while sources are read, then `done`."),
  sources: z
    .object({
      pending: z.number().int().describe("Sources not read yet."),
      done: z.number().int().describe("Sources read."),
      failed: z.number().int().describe("Sources that could not be read (see `errors`)."),
    })
    .describe("The sources (and the sitemaps they lead to) by state."),
  found: z.number().int().describe("URLs added to the batch (new, within the cap)."),
  invalid: z.number().int().describe("Entries that were not valid URLs."),
  filtered: z.number().int().describe("URLs dropped by `include` / `exclude` or as duplicates."),
  capped: z.boolean().describe("The cap (`maxUrls`, or the batch's own) was reached: the rest was not read."),
  errors: z
    .array(
      z.object({
        url: z.string().describe("The source."),
        kind: SourceKind.describe("What it was read as."),
        code: z.string().describe("Why it failed: an error code."),
        message: z.string().describe("Why, in words."),
      }),
    )
    .describe("The first failed sources, with why."),
});
export type DiscoveryStatus = z.infer<typeof DiscoveryStatus>;
