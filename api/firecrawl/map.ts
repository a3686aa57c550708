// Firecrawl's map: a site's URLs from its sitemaps (robots.txt `Sitemap:` lines, then
// /sitemap.xml) and its start page's links, without fetching every page. Each document
// is fetched through the origin's gate (robots.txt, pace, concurrency), as pages are.
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { Parser } from "htmlparser2";
import { type FetchLimits, fetchLimitsFrom } from "../../fetch/fetcher";
import { fetchRobots, originOf, robotsVerdict, sleepUntil, withHostTurn } from "../../fetch/polite-fetch";
import { openSource } from "../../fetch/sitemap-fetch";
import { checkTarget } from "../../lib/address-policy";
import { CrawlRules, crawlFilter } from "../../lib/crawl";
import { FirecrawlMapRequest } from "../../lib/firecrawl/crawl-request";
import { sitemapsOf } from "../../lib/robots";
import { readSettings } from "../../lib/settings";
import { createSitemapParser } from "../../lib/sitemap-parser";
import { normalizeUrl } from "../../lib/url-normalize";
import { ApiError } from "../errors";
import { bearerSecurity } from "../openapi-schemas";
import type { AppEnv } from "../types";
import { firecrawlErrors, firecrawlTags } from "./schemas";

/** Firecrawl's default map limit, and the most sitemaps one map reads. */
const DEFAULT_MAP_LIMIT = 5_000;
const MAX_SITEMAPS = 20;
const DOCUMENT_MAX_BYTES = 20 * 1024 * 1024;
const DEFAULT_TIMEOUT_MS = 60_000;

function mapRoute(version: "v1" | "v2") {
  return createRoute({
    method: "post",
    path: `/${version}/map`,
    tags: firecrawlTags,
    summary: `Firecrawl ${version}: list a site's URLs from its sitemaps and its start page's links`,
    security: bearerSecurity,
    request: { body: { required: true, content: { "application/json": { schema: FirecrawlMapRequest } } } },
    responses: {
      200: { description: "The URLs found (v2: `{url}` objects; v1: strings)" },
      ...firecrawlErrors,
    },
  });
}

interface MapContext {
  env: Env;
  limits: FetchLimits;
  deadline: number;
}

/** Reads one document through its origin's gate; null when it could not be read (the map goes on without it). */
async function readDocument(url: string, ctx: MapContext, onText: (text: string) => void): Promise<boolean> {
  const origin = originOf(url);
  if (origin === null) return false;
  const turn = await withHostTurn(
    origin,
    1,
    { env: ctx.env, fetchLimits: ctx.limits, respectRobots: true, maxWaits: 5 },
    async (grant) => {
      if (robotsVerdict(grant, true, url, ctx.limits.userAgent).kind !== "allowed") return false;
      await sleepUntil(grant.slots[0] ?? 0);
      const signal = AbortSignal.timeout(Math.max(1, ctx.deadline - Date.now()));
      const opened = await openSource(url, ctx.limits, signal, DOCUMENT_MAX_BYTES);
      if (!opened.ok) return false;
      const reader = opened.body.pipeThrough(new TextDecoderStream()).getReader();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return true;
          onText(value);
        }
      } catch {
        await reader.cancel().catch(() => {});
        return false;
      }
    },
  );
  return turn.kind === "done" && turn.value;
}

/** Registers `POST /v1/map` and `POST /v2/map`. */
export function registerMapRoutes(app: OpenAPIHono<AppEnv>): void {
  for (const version of ["v1", "v2"] as const) {
    app.openapi(mapRoute(version), async (c) => {
      const body = c.req.valid("json");
      const settings = readSettings(c.env);
      const limits = fetchLimitsFrom(settings);
      const url = body.url.trim();
      const check = checkTarget(url, limits.allow);
      if (!check.ok) throw ApiError.invalid("url", `${check.error.code}: ${check.error.message}`);
      const start = normalizeUrl(check.value);
      const mode = body.sitemap ?? (body.sitemapOnly ? "only" : body.ignoreSitemap ? "skip" : "include");
      const rules = CrawlRules.parse({
        allowSubdomains: body.includeSubdomains ?? true,
        crawlEntireDomain: true,
        ignoreQueryParameters: body.ignoreQueryParameters ?? true,
      });
      const filter = crawlFilter(rules, start);
      const limit = Math.min(body.limit ?? DEFAULT_MAP_LIMIT, settings.MAX_URLS_PER_BATCH);
      const ctx: MapContext = { env: c.env, limits, deadline: Date.now() + (body.timeout ?? DEFAULT_TIMEOUT_MS) };
      const found = new Set<string>();
      const take = (href: string, base: string) => {
        if (found.size >= limit) return;
        const norm = filter.take(href, base);
        if (norm !== null && checkTarget(norm, limits.allow).ok) found.add(norm);
      };

      if (mode !== "skip") {
        const robots = await fetchRobots(check.value.origin, limits);
        const listed = robots.outcome === "unreachable" ? [] : sitemapsOf(robots);
        const queue = listed.length > 0 ? listed : [new URL("/sitemap.xml", start).href];
        const seen = new Set<string>();
        while (queue.length > 0 && seen.size < MAX_SITEMAPS && found.size < limit && Date.now() < ctx.deadline) {
          const sitemap = queue.shift() as string;
          if (seen.has(sitemap)) continue;
          seen.add(sitemap);
          const parser = createSitemapParser((link) => {
            if (link.kind === "sitemap") queue.push(link.url);
            else take(link.url, link.url);
          });
          try {
            if (await readDocument(sitemap, ctx, (text) => parser.write(text))) parser.end();
          } catch {
            // A sitemap that will not parse adds what it gave before; the map goes on.
          }
        }
      }
      if (mode !== "only" && found.size < limit) {
        take(start, start);
        let base = start;
        const parser = new Parser({
          onopentag(name, attribs) {
            if (name === "base" && attribs.href) base = new URL(attribs.href, start).href;
            if (name === "a" && attribs.href) take(attribs.href, base);
          },
        });
        if (await readDocument(start, ctx, (text) => parser.write(text))) parser.end();
      }
      let links = [...found];
      if (body.search) {
        const words = body.search.toLowerCase().split(/\s+/).filter(Boolean);
        links = links.filter((link) => words.some((word) => link.toLowerCase().includes(word)));
      }
      if (version === "v1") return c.json({ success: true as const, links }, 200);
      return c.json({ success: true as const, links: links.map((link) => ({ url: link })) }, 200);
    });
  }
}
