/**
 * robots.txt policy (RFC 9309) on top of robots-parser. What we cache per host is
 * `RobotsRules`: the fetch outcome plus the raw text, small and serialisable, so the
 * cache never holds a parser object. Callers should refetch after 24 hours at most
 * (RFC 9309 §2.4).
 */
import robotsParser from "robots-parser";
import { z } from "zod";
import type { ErrorCode } from "./error-codes";

/** RFC 9309 §2.5: parse at least 500 KiB; we parse exactly that much. */
export const ROBOTS_MAX_BYTES = 500 * 1024;

/** The cacheable result of fetching one host's robots.txt. */
export const RobotsRules = z.discriminatedUnion("outcome", [
  // 2xx: the rules in `text` apply.
  z.object({
    outcome: z.literal("parsed"),
    status: z.number().int(),
    text: z.string().max(ROBOTS_MAX_BYTES),
    truncated: z.boolean(),
  }),
  // RFC 9309 "unavailable": crawling is allowed everywhere.
  z.object({ outcome: z.literal("unavailable"), status: z.number().int() }),
  // RFC 9309 "unreachable": crawling is disallowed everywhere.
  z.object({ outcome: z.literal("unreachable"), status: z.number().int() }),
]);
export type RobotsRules = z.infer<typeof RobotsRules>;

/**
 * Turns the final robots.txt response (status 0 for a network failure) into cacheable
 * rules; `truncated` says the fetcher stopped reading early, so the last line may be cut.
 */
export function rulesFromResponse(status: number, body: string | null, truncated = false): RobotsRules {
  if (status >= 200 && status <= 299) {
    const capped = capText(body ?? "", truncated);
    return { outcome: "parsed", status, ...capped };
  }
  // A 3xx still standing is one the fetcher could not follow (no Location, or a status
  // such as 300 or 304 it does not follow): no rules to be found, as for a 4xx.
  if (status >= 300 && status <= 399) return { outcome: "unavailable", status };
  // 429 is a 4xx, but it says "slow down", not "no rules here": reading it as
  // allow-all would answer a rate limit by crawling everything (Google does the same).
  if (status >= 400 && status <= 499 && status !== 429) return { outcome: "unavailable", status };
  return { outcome: "unreachable", status };
}

/** Turns a robots.txt fetch that ended without a readable body (fetcher error code, status if any) into cacheable rules. */
export function rulesFromFailure(code: ErrorCode, status: number | null): RobotsRules {
  switch (code) {
    case "http_error":
    case "rate_limited":
      return rulesFromResponse(status ?? 0, null);
    // Redirects that lead nowhere we may read: a loop, a chain past the limit, or a hop
    // to a refused address or an unparseable Location. RFC 9309 §2.3.1.2 lets a crawler
    // treat more than five redirects as "unavailable"; we do, for all of these.
    case "too_many_redirects":
    case "blocked_address":
    case "invalid_url":
      return { outcome: "unavailable", status: status ?? 0 };
    // Not a text file: there are no rules in it, as for a 404.
    case "unsupported_content_type":
      return { outcome: "unavailable", status: status ?? 0 };
    default:
      // A timeout, a reset, or bytes that cannot be decoded, even after a 200: the file
      // was not read, and an empty one would allow everything. Status 0: no complete answer.
      return { outcome: "unreachable", status: 0 };
  }
}

/** Whether `url` may be fetched by `userAgent` under `rules` (the rules of the URL's own host). */
export function isAllowed(rules: RobotsRules, url: string, userAgent: string): boolean {
  const path = pathOf(url);
  if (path === null) return false;
  // RFC 9309 §2.2.2: the robots.txt file itself is implicitly allowed.
  if (path === "/robots.txt") return true;
  if (rules.outcome === "unavailable") return true;
  if (rules.outcome === "unreachable") return false;
  const robot = parsed(rules);
  const group = robot._rules[productToken(userAgent).toLowerCase().trim()] ?? robot._rules["*"] ?? [];
  return decidingRule(group, encodingToUpper(path))?.allow ?? true;
}

/**
 * robots-parser's choice among a group's rules (the longest matching pattern; `Allow`
 * on a tie), with a matcher whose cost is linear in the path per rule. robots-parser's
 * own matcher costs path × pattern once a `*` appears, and a hostile 500 KiB robots.txt
 * of wildcard rules held the isolate for seconds per URL. test/unit/robots.test.ts
 * checks both agree on random rules and paths.
 */
function decidingRule(group: readonly ParsedRule[], path: string): ParsedRule | null {
  let chosen: ParsedRule | null = null;
  for (const rule of group) {
    if (!patternMatches(rule.pattern, path)) continue;
    if (chosen === null || rule.pattern.length > chosen.pattern.length) chosen = rule;
    else if (rule.pattern.length === chosen.pattern.length && rule.allow && !chosen.allow) chosen = rule;
  }
  return chosen;
}

/**
 * Whether a robots.txt pattern (`*` any run of characters, a final `$` the path's end)
 * matches the start of `path`. With `*` the only wildcard, taking each literal piece at
 * its leftmost place after the previous one finds a match whenever there is one.
 */
export function patternMatches(pattern: string, path: string): boolean {
  const anchored = pattern.endsWith("$");
  const pieces = (anchored ? pattern.slice(0, -1) : pattern).split("*");
  const first = pieces[0] ?? "";
  if (!path.startsWith(first)) return false;
  if (pieces.length === 1) return !anchored || path.length === first.length;
  let at = first.length;
  for (const piece of pieces.slice(1, -1)) {
    const found = path.indexOf(piece, at);
    if (found < 0) return false;
    at = found + piece.length;
  }
  const last = pieces[pieces.length - 1] ?? "";
  return anchored ? path.length - last.length >= at && path.endsWith(last) : path.indexOf(last, at) >= 0;
}

/** `%2f` → `%2F`, as robots-parser writes paths and patterns before comparing them. */
function encodingToUpper(path: string): string {
  return path.replace(/%[0-9a-fA-F]{2}/g, (percent) => percent.toUpperCase());
}

/** The Crawl-delay, in seconds, of the group that applies to `userAgent`; null if none. */
export function crawlDelaySeconds(rules: RobotsRules, userAgent: string): number | null {
  if (rules.outcome !== "parsed") return null;
  const delay = parsed(rules).getCrawlDelay(productToken(userAgent));
  return typeof delay === "number" && Number.isFinite(delay) && delay >= 0 ? delay : null;
}

/** The `Sitemap:` URLs a parsed robots.txt lists, as written (RFC 9309 §2.3.5 asks for absolute ones). */
export function sitemapsOf(rules: RobotsRules): string[] {
  return rules.outcome === "parsed" ? parsed(rules).getSitemaps() : [];
}

/** The robots.txt URL that governs `url` (same scheme, host and port); throws on a non-http(s) URL. */
export function robotsUrlFor(url: string): string {
  const parsedUrl = new URL(url);
  if (parsedUrl.protocol !== "http:" && parsedUrl.protocol !== "https:") {
    throw new TypeError(`robots.txt applies to http(s) URLs only, not ${parsedUrl.protocol}`);
  }
  // `origin` drops credentials, path and a default port.
  return `${parsedUrl.origin}/robots.txt`;
}

/** The product token robots.txt groups are matched against: "TrawlBot" from "TrawlBot/0.1 (+https://…)". */
export function productToken(userAgent: string): string {
  const firstWord = userAgent.trim().split(/\s+/)[0] ?? "";
  const token = firstWord.split("/")[0] ?? "";
  return token === "" ? "*" : token;
}

// Rules are parsed against a fixed origin and URLs are reduced to path + query, so one
// parsed object serves any host's rules and can be memoised per rules object.
const BASE = "http://robots.invalid";
interface ParsedRule {
  pattern: string;
  allow: boolean;
}
// `_rules` is robots-parser's private table of groups (user agent, lowercased, to its
// rules, patterns already normalised); the exact version is pinned in package.json.
type Robot = ReturnType<typeof robotsParser> & { _rules: Record<string, ParsedRule[] | undefined> };
const parsedCache = new WeakMap<RobotsRules, Robot>();

function parsed(rules: RobotsRules & { outcome: "parsed" }): Robot {
  let robot = parsedCache.get(rules);
  if (robot === undefined) {
    robot = robotsParser(`${BASE}/robots.txt`, rules.text) as Robot;
    parsedCache.set(rules, robot);
  }
  return robot;
}

function pathOf(url: string): string | null {
  try {
    const u = new URL(url);
    return u.pathname + u.search;
  } catch {
    return null;
  }
}

/**
 * Keeps the first ROBOTS_MAX_BYTES of UTF-8, ending at a line break so no rule is cut
 * in half; `cut` says the text already stops early (the fetcher truncated it).
 */
function capText(text: string, cut: boolean): { text: string; truncated: boolean } {
  let head = text;
  let overLimit = false;
  // Three UTF-8 bytes per UTF-16 unit at most: most files skip the encode below.
  if (text.length * 3 > ROBOTS_MAX_BYTES) {
    const bytes = new TextEncoder().encode(text);
    overLimit = bytes.length > ROBOTS_MAX_BYTES;
    if (overLimit) head = new TextDecoder().decode(bytes.subarray(0, ROBOTS_MAX_BYTES));
  }
  if (!cut && !overLimit) return { text, truncated: false };
  // A half line such as "Disallow: /" cut from "Disallow: /private" would widen a rule.
  const lastBreak = Math.max(head.lastIndexOf("\n"), head.lastIndexOf("\r"));
  return { text: lastBreak < 0 ? "" : head.slice(0, lastBreak + 1), truncated: true };
}
