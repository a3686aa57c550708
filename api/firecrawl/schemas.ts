// Response schemas of the Firecrawl-compatible routes, for the OpenAPI document. The
// request schemas are the pure ones in lib/firecrawl/request.ts.
import { z } from "@hono/zod-openapi";
import { StructuredData } from "../../lib/extract/structured";
import { BatchId } from "../../lib/schemas";
import { ApiErrorCode } from "../error-codes";

export const FirecrawlErrorResponse = z
  .object({
    success: z.literal(false),
    error: z.string(),
    code: ApiErrorCode,
    details: z.array(z.object({ field: z.string(), reason: z.string() })),
  })
  .openapi("FirecrawlError");

/** An error answer of a Firecrawl-compatible route: Firecrawl's shape, Trawl's code and details. */
export function firecrawlError(description: string) {
  return { description, content: { "application/json": { schema: FirecrawlErrorResponse } } };
}

export const firecrawlErrors = {
  400: firecrawlError("Invalid request, or an option Trawl does not support; `details` names each field"),
  401: firecrawlError("Missing or unknown API key"),
  404: firecrawlError("No such batch for this tenant"),
};

export const FirecrawlDocumentView = z
  .object({
    markdown: z.string().optional(),
    html: z.string().optional(),
    links: z.array(z.string()).optional(),
    metadata: z.object({
      title: z.string().optional(),
      description: z.string().optional(),
      language: z.string().optional(),
      sourceURL: z.string(),
      url: z.string(),
      statusCode: z.number().int(),
      contentType: z.string().optional(),
      publishedTime: z.string().optional(),
      ogSiteName: z.string().optional(),
      structured: StructuredData.optional(),
      needsRendering: z.boolean().optional(),
      error: z.string().optional(),
    }),
    warning: z.string().optional(),
  })
  .openapi("FirecrawlDocument");

export const FirecrawlBatchStarted = z
  .object({
    success: z.literal(true),
    id: BatchId,
    url: z.string(),
    invalidURLs: z.array(z.string()).optional(),
    warning: z.string().optional(),
  })
  .openapi("FirecrawlBatchStarted");

export const FirecrawlBatchStatus = z
  .object({
    success: z.literal(true),
    status: z.enum(["scraping", "completed", "failed", "cancelled"]),
    total: z.number().int(),
    completed: z.number().int(),
    creditsUsed: z.number().int(),
    expiresAt: z.string(),
    next: z.string().optional(),
    data: z.array(FirecrawlDocumentView),
    error: z.string().optional(),
  })
  .openapi("FirecrawlBatchStatus");

export const FirecrawlBatchErrors = z
  .object({
    success: z.literal(true),
    errors: z.array(z.object({ id: z.string(), url: z.string(), code: z.string(), error: z.string() })),
    robotsBlocked: z.array(z.string()),
    next: z.string().optional(),
  })
  .openapi("FirecrawlBatchErrors");

export const FirecrawlCancelled = z
  .object({ success: z.literal(true), status: z.literal("cancelled") })
  .openapi("FirecrawlCancelled");

export const FirecrawlScrapeResult = z
  .object({ success: z.literal(true), data: FirecrawlDocumentView })
  .openapi("FirecrawlScrapeResult");

/** Any id is taken: one that names no batch of the caller's (a Firecrawl UUID too) is a 404, not a 400. */
export const FirecrawlBatchParams = z.object({ id: z.string().min(1).max(200) });

/** `skip` counts submitted URLs (input positions), `limit` documents; at most 1,000 (and 10 MiB) a page. */
export const FirecrawlPageQuery = z.object({
  skip: z.coerce.number().int().min(0).max(1_000_000_000).default(0),
  limit: z.coerce.number().int().min(1).max(1_000_000).default(1_000),
});

export const firecrawlTags = ["Firecrawl compatibility"];
