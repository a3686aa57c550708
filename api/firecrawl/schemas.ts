// Response schemas of the Firecrawl-compatible routes, for the OpenAPI document. The
// request schemas are the pure ones in lib/firecrawl/request.ts.
import { z } from "@hono/zod-openapi";
import { StructuredData } from "../../lib/extract/structured";
import { BatchId } from "../../lib/schemas";
import { ApiErrorCode } from "../error-codes";

export const FirecrawlErrorResponse = z
  .object({
    success: z.literal(false).describe("Always false on an error."),
    error: z.string().describe("The error message."),
    code: ApiErrorCode.describe("Trawl's API error code."),
    details: z
      .array(
        z.object({
          field: z.string().describe("The field at fault."),
          reason: z.string().describe("What is wrong with it."),
        }),
      )
      .describe("Each field at fault, and why."),
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
    markdown: z.string().optional().describe("The page as Markdown."),
    html: z.string().optional().describe("The cleaned HTML."),
    links: z.array(z.string()).optional().describe("Absolute URLs the page links to."),
    metadata: z
      .object({
        title: z.string().optional().describe("The page's title."),
        description: z.string().optional().describe("The page's meta description."),
        language: z.string().optional().describe("The page's language."),
        sourceURL: z.string().describe("The URL as submitted."),
        url: z.string().describe("The URL after redirects."),
        statusCode: z.number().int().describe("The final HTTP status (0: none)."),
        contentType: z.string().optional().describe("The answer's Content-Type."),
        publishedTime: z.string().optional().describe("When the page says it was published."),
        ogSiteName: z.string().optional().describe("The site's name."),
        structured: StructuredData.optional().describe("The product the page's structured data describes."),
        needsRendering: z.boolean().optional().describe("A browser would show more than the HTML holds."),
        error: z.string().optional().describe("Why the batch failed."),
      })
      .describe("What Trawl knows about the page."),
    warning: z.string().optional().describe("What Trawl did differently from what was asked, and why."),
  })
  .describe("One page, as Firecrawl's clients read it.")
  .openapi("FirecrawlDocument");

export const FirecrawlBatchStarted = z
  .object({
    success: z.literal(true).describe("True."),
    id: BatchId.describe("The batch id (Trawl's)."),
    url: z.string().describe("The status URL to poll."),
    invalidURLs: z
      .array(z.string())
      .optional()
      .describe("URLs dropped because they were not valid (with ignoreInvalidURLs)."),
    warning: z.string().optional().describe("What Trawl did differently from what was asked, and why."),
  })
  .openapi("FirecrawlBatchStarted");

export const FirecrawlBatchStatus = z
  .object({
    success: z.literal(true).describe("True."),
    status: z
      .enum(["scraping", "completed", "failed", "cancelled"])
      .describe("`scraping` until published, then `completed`, or `failed` / `cancelled`."),
    total: z.number().int().describe("URLs in the batch."),
    completed: z.number().int().describe("URLs in a terminal state."),
    creditsUsed: z.number().int().describe("Pages fetched (Trawl has no credits; for clients that read it)."),
    expiresAt: z.string().describe("When the results are deleted, ISO 8601."),
    next: z.string().optional().describe("The next page's URL while more documents may follow."),
    data: z.array(FirecrawlDocumentView).describe("This page's documents, in input order."),
    error: z.string().optional().describe("Why the batch failed."),
  })
  .openapi("FirecrawlBatchStatus");

export const FirecrawlBatchErrors = z
  .object({
    success: z.literal(true).describe("True."),
    errors: z
      .array(
        z.object({
          id: z.string().describe("The batch id."),
          url: z.string().describe("The URL."),
          code: z.string().describe("Its Trawl error code."),
          error: z.string().describe("Why, in words."),
        }),
      )
      .describe("Failed and skipped URLs (robots.txt refusals apart)."),
    robotsBlocked: z.array(z.string()).describe("URLs robots.txt refused."),
    next: z.string().optional().describe("The next page's URL when more errors remain."),
  })
  .openapi("FirecrawlBatchErrors");

export const FirecrawlCancelled = z
  .object({
    success: z.literal(true).describe("True."),
    status: z.literal("cancelled").describe("The batch is cancelled."),
  })
  .openapi("FirecrawlCancelled");

export const FirecrawlScrapeResult = z
  .object({ success: z.literal(true).describe("True."), data: FirecrawlDocumentView.describe("The scraped page.") })
  .openapi("FirecrawlScrapeResult");

/** Any id is taken: one that names no batch of the caller's (a Firecrawl UUID too) is a 404, not a 400. */
export const FirecrawlBatchParams = z.object({
  id: z.string().min(1).max(200).describe("The job's id, as its POST answered it (a Trawl batch id)."),
});

/** `skip` counts submitted URLs (input positions), `limit` documents; at most 1,000 (and 10 MiB) a page. */
export const FirecrawlPageQuery = z.object({
  skip: z.coerce
    .number()
    .int()
    .min(0)
    .max(1_000_000_000)
    .default(0)
    .describe("Submitted URLs (input positions) to skip."),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(1_000_000)
    .default(1_000)
    .describe("Documents per page, at most 1,000; a page is also cut at 10 MiB of documents."),
});

export const firecrawlTags = ["Firecrawl compatibility"];
