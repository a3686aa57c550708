// Firecrawl's batch scrape reads (status with documents, errors) over Trawl's
// coordinator and result parts. `/v1/crawl/{id}` answers too: the v1 SDK's waiters poll it.
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { BatchSummary, ErrorEntry } from "../../lib/coordinator-protocol";
import {
  type FirecrawlDocument,
  isDocument,
  jobCounts,
  jobStatus,
  NEVER_EXPIRES,
  toDocument,
  toErrors,
} from "../../lib/firecrawl/documents";
import { coordinatorFor, recordsAt } from "../batch-access";
import { ApiError } from "../errors";
import { bearerSecurity } from "../openapi-schemas";
import type { AppEnv } from "../types";
import { batchIdOf } from "./refusals";
import {
  FirecrawlBatchErrors,
  FirecrawlBatchParams,
  FirecrawlBatchStatus,
  FirecrawlPageQuery,
  firecrawlErrors,
  firecrawlTags,
} from "./schemas";

/** Most documents in one status answer (a larger `limit` is held to it); `next` links the rest. */
export const MAX_PAGE_DOCUMENTS = 1_000;
/**
 * Most bytes of documents in one status answer, as Firecrawl cuts its pages (10 MiB): a
 * client that reads one page gets a small batch whole. A page holds one document at least.
 */
export const MAX_PAGE_BYTES = 10 * 1024 * 1024;
/** Input positions read per coordinator call while gathering a page. */
const SCAN_WINDOW = 200;
/**
 * Positions one answer looks through at most: a long run of URLs without documents
 * (skipped, failed without an answer) ends a page early, with `next` to go on.
 */
const MAX_SCAN = 2_000;
/** Errors listed in one answer; `next` links the rest. */
const MAX_ERRORS = 10_000;
const ERRORS_WINDOW = 1_000;

function statusRoute(path: string) {
  return createRoute({
    method: "get",
    path,
    tags: firecrawlTags,
    summary: "Firecrawl: a batch scrape's status and its documents, in input order",
    description:
      "`skip` counts submitted URLs (input positions), `limit` documents (at most 1,000); a page also ends before its documents pass 10 MiB, as Firecrawl's do. `next` is present, as an absolute URL, while more documents may follow.",
    security: bearerSecurity,
    request: { params: FirecrawlBatchParams, query: FirecrawlPageQuery },
    responses: {
      200: {
        description: "Status and a page of documents",
        content: { "application/json": { schema: FirecrawlBatchStatus } },
      },
      ...firecrawlErrors,
    },
  });
}

function errorsRoute(path: string, method: "get" | "delete") {
  return createRoute({
    method,
    path,
    tags: firecrawlTags,
    summary:
      method === "get"
        ? "Firecrawl: failed and skipped URLs with their Trawl error codes; robots.txt refusals apart"
        : "The same as GET: Firecrawl's v1 SDK reads errors with DELETE (nothing is deleted)",
    security: bearerSecurity,
    request: { params: FirecrawlBatchParams, query: FirecrawlPageQuery.pick({ skip: true }) },
    responses: {
      200: { description: "Errors", content: { "application/json": { schema: FirecrawlBatchErrors } } },
      ...firecrawlErrors,
    },
  });
}

/** This request's URL with `skip` (and `limit`) set: where the next page is. */
function nextUrl(c: Context<AppEnv>, skip: number, limit?: number): string {
  const url = new URL(c.req.url);
  url.search = "";
  url.searchParams.set("skip", String(skip));
  if (limit !== undefined) url.searchParams.set("limit", String(limit));
  return url.href;
}

interface DocumentPage {
  summary: BatchSummary;
  documents: FirecrawlDocument[];
  /** The input position after the last one looked at. */
  cursor: number;
  /** The page stopped early (full, or the scan limit): more may follow from `cursor`. */
  cut: boolean;
}

/** Gathers up to `limit` documents from input position `skip` on, reading each part once per window. */
async function documentPage(c: Context<AppEnv>, id: string, skip: number, limit: number): Promise<DocumentPage> {
  const stub = coordinatorFor(c, id);
  const documents: FirecrawlDocument[] = [];
  const encoder = new TextEncoder();
  let bytes = 0;
  let cursor = skip;
  let summary: BatchSummary | null = null;
  while (cursor - skip < MAX_SCAN) {
    const found = await stub.locate(c.get("tenant"), cursor, SCAN_WINDOW, null);
    if (!found) throw ApiError.notFound();
    summary = found.summary;
    const locations = found.value;
    const last = locations[locations.length - 1];
    if (!last) return { summary, documents, cursor, cut: false };
    for (const record of await recordsAt(c.env, locations)) {
      if (!isDocument(record)) continue;
      const document = toDocument(record);
      const size = encoder.encode(JSON.stringify(document)).length;
      if (documents.length > 0 && bytes + size > MAX_PAGE_BYTES)
        return { summary, documents, cursor: record.index, cut: true };
      documents.push(document);
      bytes += size;
      if (documents.length === limit) return { summary, documents, cursor: record.index + 1, cut: true };
    }
    cursor = last.index + 1;
    if (locations.length < SCAN_WINDOW) return { summary, documents, cursor, cut: false };
  }
  // The loop ran at least once (MAX_SCAN > 0), so the summary was read.
  if (!summary) throw ApiError.notFound();
  return { summary, documents, cursor, cut: true };
}

/** Every failed or skipped URL from `skip` on, up to MAX_ERRORS; `cursor` set when more remain. */
async function errorEntries(c: Context<AppEnv>, id: string, skip: number) {
  const stub = coordinatorFor(c, id);
  const entries: ErrorEntry[] = [];
  let cursor = skip;
  while (entries.length < MAX_ERRORS) {
    const found = await stub.errors(c.get("tenant"), cursor, ERRORS_WINDOW, null);
    if (!found) throw ApiError.notFound();
    entries.push(...found.value);
    const last = found.value[found.value.length - 1];
    if (!last || found.value.length < ERRORS_WINDOW) return { entries, cursor: null };
    cursor = last.index + 1;
  }
  return { entries, cursor };
}

/** Registers the status and errors routes under /v1 and /v2, and the v1 crawl aliases. */
export function registerBatchReadRoutes(app: OpenAPIHono<AppEnv>): void {
  for (const path of ["/v2/batch/scrape/{id}", "/v1/batch/scrape/{id}", "/v1/crawl/{id}", "/v2/crawl/{id}"]) {
    app.openapi(statusRoute(path), async (c) => {
      const { skip, limit: asked } = c.req.valid("query");
      const limit = Math.min(asked, MAX_PAGE_DOCUMENTS);
      const page = await documentPage(c, batchIdOf(c.req.valid("param").id), skip, limit);
      const { summary } = page;
      // The v1 SDK follows `next` for as long as the key is present: it is left out, not null, at the end.
      const more = page.cut && page.cursor < summary.counts.total;
      return c.json(
        {
          success: true as const,
          status: jobStatus(summary.status),
          ...jobCounts(summary),
          // Until publication the retention clock has not started: no date to give yet.
          expiresAt: summary.expiresAt ?? NEVER_EXPIRES,
          ...(more && { next: nextUrl(c, page.cursor, limit) }),
          data: page.documents,
          ...(summary.failure !== null && { error: summary.failure }),
        },
        200,
      );
    });
  }

  const errorPaths = [
    "/v2/batch/scrape/{id}/errors",
    "/v1/batch/scrape/{id}/errors",
    "/v1/crawl/{id}/errors",
    "/v2/crawl/{id}/errors",
  ];
  for (const path of errorPaths) {
    const methods = path.startsWith("/v1/") ? (["get", "delete"] as const) : (["get"] as const);
    for (const method of methods) {
      app.openapi(errorsRoute(path, method), async (c) => {
        const { entries, cursor } = await errorEntries(
          c,
          batchIdOf(c.req.valid("param").id),
          c.req.valid("query").skip,
        );
        return c.json(
          { success: true as const, ...toErrors(entries), ...(cursor !== null && { next: nextUrl(c, cursor) }) },
          200,
        );
      });
    }
  }
}
