// Firecrawl-shaped webhooks over Trawl's own outbox: the `webhook` option as Firecrawl's
// clients send it, the Trawl events it maps onto, and the payload a Firecrawl receiver
// reads. Signed `X-Firecrawl-Signature: sha256=<hex HMAC-SHA256 of the raw body>` with
// the tenant's webhook secret (workers/webhook-delivery.ts). Pure: no bindings.
import { z } from "zod";
import type { PageOutcome, WebhookConfig, WebhookEventType } from "../webhooks";

/** Which Firecrawl job a batch stands for: its events are named `<kind>.<event>`. */
export type FirecrawlJobKind = "batch_scrape" | "crawl";

const FIRECRAWL_EVENTS = ["started", "page", "completed", "failed"] as const;
type FirecrawlEvent = (typeof FIRECRAWL_EVENTS)[number];

/** Firecrawl's `webhook`: a URL, or `{url, headers, metadata, events}` (checked again as Trawl's WebhookConfig). */
export const FirecrawlWebhook = z.union([
  z.string().min(1).max(2048),
  z
    .object({
      url: z.string().min(1).max(2048).describe("Where the events are POSTed."),
      headers: z.record(z.string(), z.string()).optional().describe("Extra headers sent with every delivery."),
      metadata: z
        .record(z.string(), z.unknown())
        .optional()
        .describe("Echoed back in every event's `metadata` (values other than strings as JSON text)."),
      events: z
        .array(z.enum(FIRECRAWL_EVENTS))
        .max(4)
        .optional()
        .describe("Which of `started`, `page`, `completed`, `failed` to send; absent: all four."),
    })
    .strict(),
]);
export type FirecrawlWebhook = z.infer<typeof FirecrawlWebhook>;

const TRAWL_EVENT: Record<FirecrawlEvent, WebhookEventType> = {
  started: "batch.started",
  page: "batch.page",
  completed: "batch.completed",
  failed: "batch.failed",
};

/**
 * The Trawl webhook a Firecrawl one becomes: the same URL, headers and metadata (values
 * as strings, as Trawl's metadata holds them), its events mapped, and every event sent in
 * Firecrawl's shape. No `events`: all four, as Firecrawl's default.
 */
export function toWebhookConfig(webhook: FirecrawlWebhook, kind: FirecrawlJobKind): WebhookConfig {
  const given = typeof webhook === "string" ? { url: webhook } : webhook;
  const events = (given.events ?? FIRECRAWL_EVENTS).map((event) => TRAWL_EVENT[event]);
  const metadata =
    given.metadata &&
    Object.fromEntries(
      Object.entries(given.metadata).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
    );
  return {
    url: given.url,
    events: [...new Set(events)],
    ...(given.headers && { headers: given.headers }),
    ...(metadata && { metadata }),
    firecrawl: kind,
  };
}

/** Firecrawl's webhook body: `{success, type, id, data, metadata, error?}`; null for an event Firecrawl has no name for. */
export function firecrawlPayload(input: {
  kind: FirecrawlJobKind;
  type: WebhookEventType;
  batchId: string;
  metadata: Record<string, string>;
  data: Record<string, unknown>;
}): Record<string, unknown> | null {
  const event = (Object.keys(TRAWL_EVENT) as FirecrawlEvent[]).find((e) => TRAWL_EVENT[e] === input.type);
  if (!event) return null;
  const failure = typeof input.data.failure === "string" ? input.data.failure : null;
  const pages = event === "page" && Array.isArray(input.data.pages) ? (input.data.pages as PageOutcome[]) : [];
  return {
    success: event !== "failed",
    type: `${input.kind}.${event}`,
    id: input.batchId,
    // A page event names the URLs that reached a final state; their documents are on the status route.
    data: pages.map((page) => ({
      metadata: {
        sourceURL: page.url,
        url: page.url,
        ...(page.id !== null && { id: page.id }),
        ...(page.status !== "succeeded" && { error: page.code ?? page.status }),
      },
    })),
    metadata: input.metadata,
    ...(event === "failed" && { error: failure ?? "the batch failed" }),
  };
}
