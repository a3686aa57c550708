// One worked example per route, added to the OpenAPI document as it is served: what a
// client sends and what it gets back. test/unit/openapi-reference.test.ts checks that
// every route has one and that each parses with the route's own zod schema.
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "./types";

export const OPENAPI_INFO = {
  openapi: "3.1.0",
  info: {
    title: "Trawl",
    version: "0.1.0",
    description:
      "Batch web extraction: submit URLs, get clean Markdown and metadata, published atomically. Every `/v1` and `/v2` route but signed downloads (`/v1/downloads/{id}`) takes `Authorization: Bearer <key>`.",
  },
};

const ID = "3f9a0c6e1b2d4f5a8c7e9b0d1a2c3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d";
const RETRY_ID = "7c1e2d3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d";
const AT = "2026-12-07T09:00:00.000Z";
const LATER = "2026-12-07T09:04:10.000Z";
const EXPIRES = "2027-01-06T09:04:10.000Z";
const REEXTRACT_ID = "b2d4f6a8c0e1f3a5b7c9d1e3f5a7b9c1d3e5f7a9b1c3d5e7f9a1b3c5d7e9f1a3";
const PRICES_DATE = "2026-12-07";

const links = (id: string, published: boolean) => ({
  self: `/v1/batches/${id}`,
  results: `/v1/batches/${id}/results`,
  errors: `/v1/batches/${id}/errors`,
  manifest: published ? `/v1/batches/${id}/manifest` : null,
  download: published ? `/v1/batches/${id}/download` : null,
});

const running = {
  id: ID,
  name: "Nightly product pages",
  labels: ["nightly", "team:shop"],
  status: "running",
  createdAt: AT,
  startedAt: AT,
  finishedAt: null,
  counts: { total: 1000, pending: 380, succeeded: 600, failed: 14, skipped: 6 },
  percent: 62,
  pagesPerSecond: 4.2,
  etaSeconds: 90,
  expiresAt: null,
  retryOf: null,
  previousBatch: null,
  changes: null,
  run: null,
  sla: null,
  errorsByCode: { http_error: 12, timeout: 2, robots_disallowed: 6 },
  failure: null,
  discovery: null,
  slowestHost: { origin: "https://shop.example", reason: "crawl_delay", pace: 0.5 },
  cost: {
    counts: {
      fetches: 640,
      bytesFetched: 51_200_000,
      queueMessages: 16,
      doRequests: 1340,
      sqliteRowsWritten: 3180,
      r2ClassA: 18,
      r2ClassB: 2,
      r2BytesStored: 1_480_000,
      webhookDeliveries: 0,
      retries: 11,
    },
    estimatedUsd: 0.003504,
    priceTableDate: PRICES_DATE,
  },
  drift: null,
  boost: null,
  published: false,
  links: links(ID, false),
};

const completedCost = {
  counts: {
    fetches: 1052,
    bytesFetched: 84_100_000,
    queueMessages: 25,
    doRequests: 2210,
    sqliteRowsWritten: 5260,
    r2ClassA: 33,
    r2ClassB: 6,
    r2BytesStored: 2_450_000,
    webhookDeliveries: 0,
    retries: 18,
  },
  estimatedUsd: 0.005809,
  priceTableDate: PRICES_DATE,
};

const completed = {
  ...running,
  status: "completed",
  finishedAt: LATER,
  counts: { total: 1000, pending: 0, succeeded: 970, failed: 24, skipped: 6 },
  percent: 100,
  etaSeconds: 0,
  expiresAt: EXPIRES,
  errorsByCode: { http_error: 20, timeout: 4, robots_disallowed: 6 },
  slowestHost: null,
  cost: completedCost,
  published: true,
  links: links(ID, true),
};

const created = {
  ...running,
  slowestHost: null,
  cost: {
    counts: {
      fetches: 0,
      bytesFetched: 0,
      queueMessages: 0,
      doRequests: 3,
      sqliteRowsWritten: 1004,
      r2ClassA: 0,
      r2ClassB: 0,
      r2BytesStored: 0,
      webhookDeliveries: 0,
      retries: 0,
    },
    estimatedUsd: 0.001004,
    priceTableDate: PRICES_DATE,
  },
  status: "queued",
  startedAt: null,
  counts: { total: 1000, pending: 1000, succeeded: 0, failed: 0, skipped: 0 },
  percent: 0,
  pagesPerSecond: null,
  etaSeconds: null,
  errorsByCode: {},
  accepted: 998,
  duplicates: 1,
  invalid: {
    count: 1,
    samples: [{ index: 41, url: "htp:/broken", code: "invalid_url", reason: "not an http(s) URL" }],
  },
  replayed: false,
  schedule: null,
};

const record = {
  index: 0,
  change: "new",
  id: "sku-123",
  url: "https://shop.example/p/123",
  status: "succeeded",
  error: null,
  finalUrl: "https://shop.example/p/123",
  redirects: [],
  httpStatus: 200,
  contentType: "text/html; charset=utf-8",
  title: "Blue kettle",
  description: "A 1.7 l kettle.",
  language: "en",
  canonicalUrl: "https://shop.example/p/123",
  siteName: "Shop",
  byline: null,
  publishedTime: null,
  markdown: "# Blue kettle\n\nA 1.7 l kettle that boils in two minutes.",
  wordCount: 11,
  contentHash: "9b74c9897bac770ffc029102a200c5de9b74c9897bac770ffc029102a200c5de",
  etag: '"abc"',
  lastModified: null,
  fetchedAt: AT,
  durationMs: 412,
  attempts: 1,
};

const schedule = {
  id: ID,
  sourceBatch: ID,
  cron: "0 2 * * *",
  timeZone: "UTC",
  daily: "02:00",
  window: "PT2H",
  lateThreshold: 0,
  drift: { factor: 2, window: 7 },
  nextRunAt: "2026-12-08T02:00:00.000Z",
  lastBatch: RETRY_ID,
  active: true,
  paused: false,
};

const firecrawlDocument = {
  markdown: "# Blue kettle\n\nA 1.7 l kettle.",
  metadata: {
    title: "Blue kettle",
    sourceURL: "https://shop.example/p/123",
    url: "https://shop.example/p/123",
    statusCode: 200,
    contentType: "text/html; charset=utf-8",
  },
};

const firecrawlStatus = {
  success: true,
  status: "completed",
  total: 2,
  completed: 2,
  creditsUsed: 2,
  expiresAt: EXPIRES,
  data: [firecrawlDocument],
};

const firecrawlErrors = {
  success: true,
  errors: [{ id: ID, url: "https://shop.example/gone", code: "http_error", error: "HTTP 404" }],
  robotsBlocked: ["https://shop.example/private/x"],
};

const webhookSecret = {
  secret: "whsec_5f2b8c0e9a7d4c1b",
  header: "X-Trawl-Signature",
  scheme: "t=<unix seconds>,v1=<hex HMAC-SHA256 of `t.body`>",
  previous: null,
};

interface RouteExample {
  request?: unknown;
  response?: unknown;
}

/** Examples by `METHOD path`; Firecrawl's v1, v2 and crawl aliases share theirs. */
const EXAMPLES: Record<string, RouteExample> = {
  "POST /v1/batches": {
    request: {
      urls: ["https://shop.example/p/123", { url: "https://shop.example/p/456", id: "sku-456" }],
      name: "Nightly product pages",
      labels: ["nightly", "team:shop"],
      options: { formats: ["markdown", "links"], excludeSelectors: [".cookie-banner"] },
    },
    response: created,
  },
  "GET /v1/batches": {
    response: {
      batches: [
        { id: ID, createdAt: AT, status: "running", total: 1000, name: "Nightly product pages", labels: ["nightly"] },
      ],
      nextCursor: null,
    },
  },
  "GET /v1/batches/{id}": { response: completed },
  "POST /v1/batches/{id}/cancel": { response: { ...running, status: "cancelled", etaSeconds: null } },
  "GET /v1/batches/{id}/results": {
    response: { partial: true, records: [record], pending: 380, nextCursor: "1" },
  },
  "GET /v1/batches/{id}/errors": {
    response: {
      errors: [
        {
          index: 17,
          id: null,
          url: "https://shop.example/gone",
          status: "failed",
          code: "http_error",
          message: "HTTP 404",
        },
      ],
      nextCursor: "18",
    },
  },
  "GET /v1/batches/{id}/manifest": {
    response: {
      version: 2,
      batchId: ID,
      status: "completed",
      createdAt: AT,
      finishedAt: LATER,
      expiresAt: EXPIRES,
      totals: { total: 1000, succeeded: 970, failed: 24, skipped: 6 },
      options: {
        onlyMainContent: true,
        images: true,
        includeSelectors: [],
        excludeSelectors: [],
        formats: ["markdown"],
        respectRobots: true,
        maxAttempts: 4,
        retentionDays: 30,
      },
      parts: [
        {
          key: `batches/${ID}/parts/000000.ndjson`,
          first: 0,
          last: 999,
          records: 1000,
          bytes: 2_400_000,
          sha256: "9b74c9897bac770ffc029102a200c5de9b74c9897bac770ffc029102a200c5de",
        },
      ],
      cost: completedCost,
    },
  },
  "GET /v1/batches/{id}/download": {
    response: {
      url: `/v1/downloads/${ID}?format=parquet&expires=1796547600&signature=${"ab".repeat(32)}`,
      expiresAt: "2026-12-07T10:00:00.000Z",
      records: 1000,
      format: "parquet",
    },
  },
  "GET /v1/downloads/{id}": { response: `${JSON.stringify(record)}\n` },
  "GET /v1/batches/{id}/events": {
    response: `event: progress\ndata: ${JSON.stringify({ counts: running.counts, percent: 62 })}\n\n`,
  },
  "GET /v1/schedules": { response: { schedules: [schedule], nextCursor: null } },
  "GET /v1/schedules/{id}": { response: schedule },
  "DELETE /v1/schedules/{id}": { response: { ...schedule, active: false } },
  "POST /v1/schedules/{id}/pause": { response: { ...schedule, paused: true } },
  "POST /v1/schedules/{id}/resume": { response: schedule },
  "GET /v1/schedules/{id}/runs": {
    response: {
      runs: [
        {
          batchId: RETRY_ID,
          scheduledAt: "2026-12-07T02:00:00.000Z",
          startedAt: "2026-12-07T02:00:01.000Z",
          finishedAt: "2026-12-07T02:41:00.000Z",
          status: "completed",
          reason: null,
          counts: { total: 1000, succeeded: 990, failed: 10, skipped: 0 },
          changes: { new: 3, changed: 41, unchanged: 946, removed: 2 },
          durationSeconds: 2460,
          late: false,
          estimatedUsd: 0.005809,
          retries: 18,
          drift: {
            measures: ["duration"],
            durationMs: 2_460_000,
            medianDurationMs: 1_080_000,
            estimatedUsd: 0.005809,
            medianUsd: 0.005512,
            factor: 2,
            runs: 7,
          },
          boost: null,
        },
      ],
      nextCursor: null,
    },
  },
  "POST /v1/batch/scrape": {
    request: { urls: ["https://shop.example/p/123", "https://shop.example/p/456"], formats: ["markdown"] },
    response: { success: true, id: ID, url: `https://trawl.example/v1/batch/scrape/${ID}` },
  },
  "DELETE /v1/batch/scrape/{id}": { response: { success: true, status: "cancelled" } },
  "GET /v1/batch/scrape/{id}": { response: firecrawlStatus },
  "GET /v1/batch/scrape/{id}/errors": { response: firecrawlErrors },
  "DELETE /v1/batch/scrape/{id}/errors": { response: firecrawlErrors },
  "POST /v1/scrape": {
    request: { url: "https://shop.example/p/123", formats: ["markdown"] },
    response: { success: true, data: firecrawlDocument },
  },
  "GET /v1/webhook-secret": { response: webhookSecret },
  "POST /v1/webhook-secret/rotate": {
    response: { ...webhookSecret, previous: { secret: "whsec_0a1b2c3d4e5f6a7b", validUntil: EXPIRES } },
  },
  "GET /v1/batches/{id}/webhooks": {
    response: {
      deliveries: [
        {
          eventId: "evt_1",
          type: "batch.completed",
          attempt: 1,
          statusCode: 200,
          delivered: true,
          error: null,
          at: LATER,
        },
      ],
      nextCursor: null,
    },
  },
  "GET /v1/batches/{id}/hosts": {
    response: {
      hosts: [
        {
          origin: "https://shop.example",
          done: 412,
          pending: 380,
          pace: 0.5,
          concurrency: 1,
          reason: "crawl_delay",
          lastThrottle: null,
          crawlDelaySeconds: 2,
          robots: "allowed",
          backoffUntil: null,
          latencyP50Ms: 180,
          latencyP95Ms: 640,
          retries: 3,
        },
        {
          origin: "https://cdn.shop.example",
          done: 208,
          pending: 0,
          pace: 4,
          concurrency: 4,
          reason: "throttled_429",
          lastThrottle: { status: 429, at: "2026-12-07T09:02:30.000Z" },
          crawlDelaySeconds: null,
          robots: "allowed",
          backoffUntil: null,
          latencyP50Ms: 95,
          latencyP95Ms: 310,
          retries: 8,
        },
      ],
    },
  },
  "POST /v1/batches/{id}/reextract": {
    request: { formats: ["markdown", "links"], onlyMainContent: false, excludeSelectors: [".cookie-banner"] },
    response: {
      ...created,
      id: REEXTRACT_ID,
      name: null,
      labels: [],
      reextractOf: ID,
      links: links(REEXTRACT_ID, false),
    },
  },
  "POST /v1/crawl": {
    request: {
      url: "https://docs.example/guide/",
      limit: 500,
      maxDiscoveryDepth: 3,
      excludePaths: ["^/guide/archive/"],
      sitemap: "include",
      scrapeOptions: { formats: ["markdown"], onlyMainContent: true },
    },
    response: { success: true, id: ID, url: `https://trawl.example/v1/crawl/${ID}` },
  },
  "POST /v1/map": {
    request: { url: "https://docs.example", search: "guide", limit: 100 },
  },
  "POST /v1/batches/{id}/retry": {
    request: { codes: ["timeout", "http_error"] },
    response: { ...created, id: RETRY_ID, name: null, labels: [], retryOf: ID, links: links(RETRY_ID, false) },
  },
};

/** The example of `METHOD path`, Firecrawl's aliases read as their `/v1/batch/scrape` original. */
export function exampleFor(method: string, path: string): RouteExample | undefined {
  const key = `${method.toUpperCase()} ${path}`;
  const alias = key.replace("/v2/", "/v1/").replace("/v1/crawl/", "/v1/batch/scrape/");
  return EXAMPLES[key] ?? EXAMPLES[alias];
}

type Json = Record<string, unknown>;

/** The OpenAPI document with each route's example on its request body and its success answer. */
export function referenceDocument(app: OpenAPIHono<AppEnv>): object {
  const document = app.getOpenAPI31Document(OPENAPI_INFO) as unknown as Json;
  for (const [path, methods] of Object.entries((document.paths ?? {}) as Record<string, Record<string, Json>>)) {
    for (const [method, operation] of Object.entries(methods)) {
      const example = exampleFor(method, path);
      if (!example) continue;
      const body = (operation.requestBody as Json | undefined)?.content as Record<string, Json> | undefined;
      const json = body?.["application/json"];
      if (json && example.request !== undefined) json.example = example.request;
      const responses = (operation.responses ?? {}) as Record<string, Json>;
      const success = Object.entries(responses).find(([status]) => /^[23]/.test(status))?.[1];
      for (const media of Object.values((success?.content ?? {}) as Record<string, Json>)) {
        if (example.response !== undefined) media.example = example.response;
      }
    }
  }
  return document;
}
