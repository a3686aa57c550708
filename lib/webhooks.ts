// Outbound notifications: the webhook a batch names, the events it is sent, how each
// delivery is signed, and when a failed one is tried again. Pure: the coordinator
// builds events with these, the webhook consumer signs and schedules with them.
import { z } from "zod";
import { firecrawlPayload } from "./firecrawl/webhook";
import { objectName } from "./object-names";
import { hmacHex } from "./signing";

/**
 * Every event type. `schedule.late`: a scheduled run with a window is found late;
 * `schedule.drift`: a finished run took or cost more than its schedule's drift factor
 * times the median of its recent runs (lib/schedule-drift.ts).
 */
export const WebhookEventType = z.enum([
  "batch.started",
  "batch.page",
  "batch.completed",
  "batch.failed",
  "batch.cancelled",
  "schedule.late",
  "schedule.drift",
]);
export type WebhookEventType = z.infer<typeof WebhookEventType>;

/** What a webhook gets when it lists no `events`: everything but the per-page stream. */
export const DEFAULT_WEBHOOK_EVENTS: readonly WebhookEventType[] = [
  "batch.started",
  "batch.completed",
  "batch.failed",
  "batch.cancelled",
  "schedule.late",
  "schedule.drift",
];

/**
 * Headers a caller may not set: ours, the ones that frame the request (the runtime owns
 * them), and every hop-by-hop one (RFC 9110 7.6.1 and the legacy ones): `Upgrade` or
 * `Expect` would turn the signed POST into something else (a body-less GET in workerd).
 */
const RESERVED_HEADER =
  /^(x-trawl-.*|x-firecrawl-signature|content-type|content-length|content-encoding|host|user-agent|transfer-encoding|connection|keep-alive|proxy-connection|upgrade|expect|te|trailer|proxy-authenticate|proxy-authorization)$/i;

/** Whether a webhook may not carry the header `name` (see RESERVED_HEADER). */
export function isReservedHeader(name: string): boolean {
  return RESERVED_HEADER.test(name);
}
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/;

/** A batch's webhook, as given in `options.webhook` (validated again on every attempt). */
export const WebhookConfig = z
  .object({
    url: z.string().min(1).max(2048).describe("The https URL events are POSTed to (signed with X-Trawl-Signature)."),
    events: z
      .array(WebhookEventType)
      .min(1)
      .max(6)
      .optional()
      .describe("Event types to send; default: every type but the per-page `batch.page`."),
    headers: z
      .record(
        z
          .string()
          .regex(HEADER_NAME, "must be an HTTP header name")
          .refine((name) => !RESERVED_HEADER.test(name), {
            message: "is reserved (set by Trawl, or hop-by-hop) and cannot be sent",
          }),
        z
          .string()
          .max(1024)
          .regex(/^[\t\x20-\x7e]*$/, "must be visible ASCII"),
      )
      .refine((headers) => Object.keys(headers).length <= 20, "at most 20 headers")
      .optional()
      .describe("Extra headers sent with every delivery (e.g. your own auth); at most 20."),
    metadata: z
      .record(z.string().min(1).max(100), z.string().max(500))
      .refine((metadata) => Object.keys(metadata).length <= 50, "at most 50 keys")
      .optional()
      .describe("Your own key-values, copied into every event; at most 50."),
    firecrawl: z
      .enum(["batch_scrape", "crawl"])
      .optional()
      .describe("Set by the Firecrawl routes: events go out in Firecrawl's shape, named `<this>.<event>`."),
  })
  .strict();
export type WebhookConfig = z.infer<typeof WebhookConfig>;

/** Whether `config` asked for events of `type`. */
export function wantsEvent(config: WebhookConfig | undefined, type: WebhookEventType): config is WebhookConfig {
  return config !== undefined && (config.events ?? DEFAULT_WEBHOOK_EVENTS).includes(type);
}

/** One URL that reached a terminal state, as a `batch.page` event lists it. */
export const PageOutcome = z.object({
  index: z.number().int().nonnegative(),
  id: z.string().nullable(),
  url: z.string(),
  status: z.enum(["succeeded", "failed", "skipped"]),
  code: z.string().nullable(),
});
export type PageOutcome = z.infer<typeof PageOutcome>;

/** The JSON body a receiver gets: the same bytes on every attempt. */
export const WebhookEvent = z.object({
  /** Stable across attempts and re-enqueues: receivers deduplicate by it. */
  id: z.string(),
  type: WebhookEventType,
  createdAt: z.string(),
  batchId: z.string(),
  metadata: z.record(z.string(), z.string()),
  data: z.record(z.string(), z.unknown()),
});
export type WebhookEvent = z.infer<typeof WebhookEvent>;

/** A message on the `trawl-webhooks` queue: one event for one receiver. */
export const WebhookMessage = z.object({
  batchId: z.string(),
  tenant: z.string().min(1),
  eventId: z.string(),
  type: WebhookEventType,
  url: z.string(),
  headers: z.record(z.string(), z.string()),
  /** The serialised WebhookEvent (or Firecrawl's payload), signed as it is. */
  body: z.string(),
  /** `firecrawl`: the body is Firecrawl's payload, signed with `X-Firecrawl-Signature` too. */
  style: z.enum(["trawl", "firecrawl"]).optional(),
});
export type WebhookMessage = z.infer<typeof WebhookMessage>;

/** One attempt at delivering one event, as the delivery log keeps it. */
export const WebhookAttempt = z.object({
  eventId: z.string(),
  type: WebhookEventType,
  attempt: z.number().int().positive(),
  /** The receiver's HTTP status; null when no answer came (timeout, refused address, network). */
  statusCode: z.number().int().nullable(),
  delivered: z.boolean(),
  error: z.string().nullable(),
  at: z.string(),
});
export type WebhookAttempt = z.infer<typeof WebhookAttempt>;

/** A stable event id: the same batch and key always name the same event (`key` from [a-z0-9-]). */
export function eventId(batchId: string, key: string): string {
  return `evt_${batchId.slice(0, 24)}_${key.replace(/[^a-z0-9-]+/gi, "-")}`;
}

/** The queue message for one event of a batch: envelope built once, so every attempt sends the same bytes. */
export function buildWebhookMessage(input: {
  batchId: string;
  tenant: string;
  config: WebhookConfig;
  type: WebhookEventType;
  key: string;
  data: Record<string, unknown>;
  now: number;
}): WebhookMessage {
  const id = eventId(input.batchId, input.key);
  const event: WebhookEvent = {
    id,
    type: input.type,
    createdAt: new Date(input.now).toISOString(),
    batchId: input.batchId,
    metadata: input.config.metadata ?? {},
    data: input.data,
  };
  const kind = input.config.firecrawl;
  const firecrawl = kind
    ? firecrawlPayload({ kind, type: input.type, batchId: input.batchId, metadata: event.metadata, data: input.data })
    : null;
  return {
    batchId: input.batchId,
    tenant: input.tenant,
    eventId: id,
    type: input.type,
    url: input.config.url,
    headers: input.config.headers ?? {},
    body: JSON.stringify(firecrawl ?? event),
    ...(firecrawl && { style: "firecrawl" as const }),
  };
}

/** Largest serialised page list per `batch.page` event, well under a queue message's 128 KB. */
const PAGE_GROUP_BYTES = 48 * 1024;

/** Splits terminal URLs into groups that each fit one event. */
export function pageGroups(pages: readonly PageOutcome[]): PageOutcome[][] {
  const groups: PageOutcome[][] = [];
  let group: PageOutcome[] = [];
  let bytes = 0;
  for (const page of pages) {
    const size = JSON.stringify(page).length + 1;
    if (group.length > 0 && bytes + size > PAGE_GROUP_BYTES) {
      groups.push(group);
      group = [];
      bytes = 0;
    }
    group.push(page);
    bytes += size;
  }
  if (group.length > 0) groups.push(group);
  return groups;
}

/**
 * A tenant's webhook signing secret: derived, so nothing is stored; rotating
 * SIGNING_SECRET rotates it, and so does the tenant's own rotation (`generation`, 0
 * until it first rotates). Later generations are named apart from the first
 * (`webhook-generation:`, the tenant escaped), so no two (tenant, generation) meet.
 */
export function webhookSecret(signingSecret: string, tenant: string, generation = 0): Promise<string> {
  const name = generation === 0 ? `webhook:${tenant}` : objectName("webhook-generation", tenant, String(generation));
  return hmacHex(signingSecret, name);
}

/** Where a tenant's webhook secret stands: its generation, and when it last rotated (epoch ms, or null). */
export interface WebhookSecretState {
  generation: number;
  rotatedAt: number | null;
}

/** How long after a tenant's rotation deliveries are signed with its previous secret too. */
export const WEBHOOK_SECRET_OVERLAP_MS = 24 * 3600_000;

/** The previous generation's secret and until when it still signs; null outside the overlap. */
export function previousWebhookSecretUntil(state: WebhookSecretState, now: number): number | null {
  if (state.generation === 0 || state.rotatedAt === null) return null;
  const until = state.rotatedAt + WEBHOOK_SECRET_OVERLAP_MS;
  return until > now ? until : null;
}

/**
 * Every secret a delivery is signed with, the current one first: the tenant's current
 * generation; its previous one during the overlap after a rotation; and both again
 * under `SIGNING_SECRET_PREVIOUS` while the deployment's secret rotates. A receiver
 * holding any of them verifies the delivery.
 */
export async function webhookSigningSecrets(
  signing: { current: string; previous: string },
  tenant: string,
  state: WebhookSecretState,
  now: number,
): Promise<string[]> {
  const generations = [state.generation];
  if (previousWebhookSecretUntil(state, now) !== null) generations.push(state.generation - 1);
  const roots = signing.previous ? [signing.current, signing.previous] : [signing.current];
  const secrets = await Promise.all(
    roots.flatMap((root) => generations.map((generation) => webhookSecret(root, tenant, generation))),
  );
  return [...new Set(secrets)];
}

/**
 * The `X-Trawl-Signature` value for `body` sent at `unixSeconds`:
 * `t=<unix>,v1=<hex HMAC-SHA256 of "t.body">`, one `v1` per secret (during a rotation).
 */
export async function signWebhook(
  secret: string | readonly string[],
  unixSeconds: number,
  body: string,
): Promise<string> {
  const secrets = typeof secret === "string" ? [secret] : secret;
  const signatures = await Promise.all(secrets.map((s) => hmacHex(s, `${unixSeconds}.${body}`)));
  return [`t=${unixSeconds}`, ...signatures.map((v1) => `v1=${v1}`)].join(",");
}

/** Firecrawl's `X-Firecrawl-Signature` value: `sha256=<hex HMAC-SHA256 of the raw body>` with the tenant's secret. */
export async function signFirecrawlWebhook(secret: string, body: string): Promise<string> {
  return `sha256=${await hmacHex(secret, body)}`;
}

/** Checks a signature header as a receiver would: one `v1` is the right HMAC, signed within `toleranceSeconds` of now. */
export async function verifyWebhook(
  secret: string,
  header: string,
  body: string,
  nowSeconds: number,
  toleranceSeconds = 300,
): Promise<boolean> {
  const t = /(?:^|,)t=(\d+)/.exec(header)?.[1];
  if (!t || Math.abs(nowSeconds - Number(t)) > toleranceSeconds) return false;
  const expected = new TextEncoder().encode(await hmacHex(secret, `${t}.${body}`));
  for (const match of header.matchAll(/(?:^|,)v1=([0-9a-f]{64})(?=,|$)/g)) {
    const candidate = new TextEncoder().encode(match[1] ?? "");
    if (candidate.length === expected.length && crypto.subtle.timingSafeEqual(candidate, expected)) return true;
  }
  return false;
}
