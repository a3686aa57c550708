import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { previousWebhookSecretUntil, type WebhookSecretState, webhookSecret } from "../lib/webhooks";
import { coordinatorFor } from "./batch-access";
import { ApiError } from "./errors";
import { BatchParams, batchErrors, bearerSecurity, errorResponse } from "./openapi-schemas";
import type { AppEnv } from "./types";

export const WebhookSecretView = z
  .object({
    secret: z.string().describe("Your webhook signing secret (HMAC-SHA256 key)."),
    header: z.literal("X-Trawl-Signature").describe("The header deliveries carry the signature in."),
    scheme: z.string().describe("How the signature is built."),
    previous: z
      .object({
        secret: z.string().describe("The previous secret."),
        validUntil: z.string().describe("Until when deliveries are signed with it too, ISO 8601."),
      })
      .nullable()
      .openapi({
        description: "After a rotation: the secret deliveries are signed with too (a second `v1`), until when",
      }),
  })
  .openapi("WebhookSecret");

const WebhookDelivery = z.object({
  eventId: z.string().describe("The event's id (the same on every attempt)."),
  type: z.string().describe("The event type."),
  attempt: z.number().int().describe("Delivery attempt, from 1."),
  statusCode: z.number().int().nullable().describe("The receiver's HTTP status; null when none came."),
  delivered: z.boolean().describe("The receiver answered 2xx."),
  error: z.string().nullable().describe("Why the attempt failed; null when delivered."),
  at: z.string().describe("When the attempt was made, ISO 8601."),
});

const WebhookLog = z
  .object({
    deliveries: z.array(WebhookDelivery).describe("Delivery attempts, newest first."),
    nextCursor: z.string().nullable().describe("Pass as `cursor` for the next page; null on the last."),
  })
  .openapi("WebhookLog");

const LogQuery = z.object({
  cursor: z
    .string()
    .regex(/^\d{1,12}$/, "must be a cursor returned by a previous page")
    .optional()
    .describe("Pass `nextCursor` of the previous page."),
  limit: z.coerce.number().int().min(1).max(200).default(100).describe("Deliveries per page (1-200)."),
});

const secretRoute = createRoute({
  method: "get",
  path: "/v1/webhook-secret",
  summary: "Your webhook signing secret: verify `X-Trawl-Signature` with it",
  security: bearerSecurity,
  responses: {
    200: { description: "The secret", content: { "application/json": { schema: WebhookSecretView } } },
    401: errorResponse("Missing or unknown API key"),
  },
});

const rotateRoute = createRoute({
  method: "post",
  path: "/v1/webhook-secret/rotate",
  summary:
    "Rotate your webhook signing secret: deliveries carry a signature under the new one and, for 24 hours, under the previous one too",
  security: bearerSecurity,
  responses: {
    200: { description: "The new secret", content: { "application/json": { schema: WebhookSecretView } } },
    401: errorResponse("Missing or unknown API key"),
  },
});

const logRoute = createRoute({
  method: "get",
  path: "/v1/batches/{id}/webhooks",
  summary: "The batch's webhook delivery log: one entry per attempt, oldest first",
  security: bearerSecurity,
  request: { params: BatchParams, query: LogQuery },
  responses: {
    200: { description: "A page of attempts", content: { "application/json": { schema: WebhookLog } } },
    ...batchErrors,
  },
});

/** Registers the webhook routes. */
export function registerWebhookRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(secretRoute, async (c) => {
    const directory = c.env.TENANT.getByName(c.get("tenant"));
    return c.json(await secretView(c.env, c.get("tenant"), await directory.webhookSecretState()), 200);
  });

  app.openapi(rotateRoute, async (c) => {
    const signing = signingSecretOf(c.env);
    const directory = c.env.TENANT.getByName(c.get("tenant"));
    return c.json(
      await secretView(c.env, c.get("tenant"), await directory.rotateWebhookSecret(Date.now()), signing),
      200,
    );
  });

  app.openapi(logRoute, async (c) => {
    const { cursor, limit } = c.req.valid("query");
    const found = await coordinatorFor(c, c.req.valid("param").id).webhookLog(
      c.get("tenant"),
      Number(cursor ?? 0),
      limit,
    );
    if (!found) throw ApiError.notFound();
    const page = found.value;
    const last = page[page.length - 1];
    return c.json(
      {
        deliveries: page.map(({ seq: _seq, ...entry }) => entry),
        nextCursor: page.length === limit && last ? String(last.seq + 1) : null,
      },
      200,
    );
  });
}

function signingSecretOf(env: Env): string {
  if (!env.SIGNING_SECRET) throw new ApiError(503, "not_configured", "SIGNING_SECRET is not set on this deployment");
  return env.SIGNING_SECRET;
}

/** What a tenant is told of its webhook secret: the current one, and the previous one while it still signs. */
async function secretView(env: Env, tenant: string, state: WebhookSecretState, signing = signingSecretOf(env)) {
  const until = previousWebhookSecretUntil(state, Date.now());
  return {
    secret: await webhookSecret(signing, tenant, state.generation),
    header: "X-Trawl-Signature" as const,
    scheme: 't=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")> (one v1 per secret during a rotation)',
    previous:
      until === null
        ? null
        : {
            secret: await webhookSecret(signing, tenant, state.generation - 1),
            validUntil: new Date(until).toISOString(),
          },
  };
}
