// Firecrawl's API shape over Trawl (issue #13): its SDKs, pointed at a Trawl deployment
// with `apiUrl`, start, poll, page through and cancel batch scrapes, and scrape one URL.
import type { OpenAPIHono } from "@hono/zod-openapi";
import { createMiddleware } from "hono/factory";
import { requireTenant } from "../auth";
import type { AppEnv } from "../types";
import { registerBatchReadRoutes } from "./batch-reads";
import { registerBatchScrapeRoutes } from "./batch-scrape";
import { registerCrawlRoutes } from "./crawl";
import { registerMapRoutes } from "./map";
import { registerScrapeRoutes } from "./scrape";

/** Every path the Firecrawl-compatible routes live under; none is one of Trawl's own. */
const FIRECRAWL_PATHS = [
  "/v1/scrape",
  "/v2/scrape",
  "/v1/batch/*",
  "/v2/batch/*",
  "/v1/crawl",
  "/v2/crawl",
  "/v1/crawl/*",
  "/v2/crawl/*",
  "/v1/map",
  "/v2/map",
];
/**
 * Firecrawl endpoints Trawl does not implement: their 404 is written in Firecrawl's
 * shape too, so its SDKs show the reason. Other unknown paths keep Trawl's shape.
 */
const FIRECRAWL_ONLY_PATHS = ["search", "extract", "agent"].flatMap((name) =>
  ["v1", "v2"].flatMap((version) => [`/${version}/${name}`, `/${version}/${name}/*`]),
);

/** What a Firecrawl client is told when it calls an endpoint Trawl does not implement. */
export const FIRECRAWL_NOT_FOUND_HINT =
  "Trawl implements Firecrawl's scrape, batch scrape, crawl and map (v1 and v2), not search, extract or agent";

/** Errors on these routes are written in Firecrawl's shape, auth failures included. */
const firecrawlErrors = createMiddleware<AppEnv>(async (c, next) => {
  c.set("errorStyle", "firecrawl");
  await next();
});

/** Writes every error on Firecrawl's paths in Firecrawl's shape; registered ahead of every other middleware. */
export function useFirecrawlErrorStyle(app: OpenAPIHono<AppEnv>): void {
  for (const path of [...FIRECRAWL_ONLY_PATHS, ...FIRECRAWL_PATHS]) app.use(path, firecrawlErrors);
}

/** Registers the Firecrawl-compatible routes (their bodies are limited with every other route's, api/body-limits.ts). */
export function registerFirecrawlRoutes(app: OpenAPIHono<AppEnv>): void {
  for (const path of FIRECRAWL_PATHS) app.use(path, requireTenant);
  registerBatchScrapeRoutes(app);
  registerBatchReadRoutes(app);
  registerScrapeRoutes(app);
  registerCrawlRoutes(app);
  registerMapRoutes(app);
}
