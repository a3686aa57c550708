import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { parseAllowList } from "../lib/address-policy";
import { ErrorCode } from "../lib/error-codes";
import { idempotentRetryName } from "../lib/object-names";
import { readSettings } from "../lib/settings";
import { batchView, coordinatorFor } from "./batch-access";
import { ApiError } from "./errors";
import { BatchParams, batchErrors, bearerSecurity, CreatedBatch, errorResponse } from "./openapi-schemas";
import { checkBatchQuota } from "./quotas";
import { IdempotencyHeaders, idempotencyKeyFrom } from "./submit-batch";
import type { AppEnv } from "./types";
import { upload } from "./upload";

/** Rows read per RPC from the batch being retried. */
const COPY_SLICE = 1000;

const RetryBody = z
  .object({
    codes: z
      .array(ErrorCode)
      .min(1)
      .max(20)
      .optional()
      .openapi({ description: "Retry the failed or skipped URLs with these codes; default: every failed URL" }),
  })
  .strict()
  .openapi("RetryBatch");

const retryRoute = createRoute({
  method: "post",
  path: "/v1/batches/{id}/retry",
  summary:
    "A new batch, linked to this one (`retryOf`), holding only its failed URLs (or those with the given codes), with the same options. Honours `Idempotency-Key`.",
  security: bearerSecurity,
  request: {
    params: BatchParams,
    headers: IdempotencyHeaders,
    body: { content: { "application/json": { schema: RetryBody } }, required: false },
  },
  responses: {
    202: { description: "The retry batch", content: { "application/json": { schema: CreatedBatch } } },
    409: errorResponse("Not published yet, or nothing to retry"),
    410: errorResponse("The batch's results were deleted"),
    429: errorResponse("MAX_BATCHES_IN_FLIGHT of yours are queued or running: retry after `Retry-After`"),
    ...batchErrors,
  },
});

/** Registers the retry route. */
export function registerRetryRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(retryRoute, async (c) => {
    const settings = readSettings(c.env);
    const tenant = c.get("tenant");
    const { id } = c.req.valid("param");
    const codes = c.req.header("content-type") ? (c.req.valid("json").codes ?? null) : null;
    const key = idempotencyKeyFrom(c.req.header("idempotency-key"), "Idempotency-Key");
    const source = coordinatorFor(c, id);
    const first = await source.retryInputs(tenant, 0, COPY_SLICE, codes);
    if (!first) throw ApiError.notFound();
    if (first.summary.status === "expired") throw new ApiError(410, "expired", "the batch's results were deleted");
    // The merge reads the published result set: a batch still running has none yet.
    if (first.summary.manifestKey === null) {
      throw new ApiError(409, "not_ready", "the batch has not published yet: retry it once it has");
    }
    if (first.value.inputs.length === 0) {
      throw new ApiError(409, "nothing_to_retry", codes ? `no URL ended with ${codes.join(", ")}` : "no URL failed");
    }

    const objectId = key ? c.env.BATCH.idFromName(idempotentRetryName(tenant, id, key)) : c.env.BATCH.newUniqueId();
    const allow = parseAllowList(settings.DEV_ALLOWED_ORIGINS);
    async function* entries() {
      let page = first?.value.inputs ?? [];
      while (page.length > 0) {
        for (const input of page) yield { entry: input.id ? { url: input.url, id: input.id } : input.url };
        const last = page[page.length - 1];
        if (!last || page.length < COPY_SLICE) return;
        page = (await source.retryInputs(tenant, last.index + 1, COPY_SLICE, codes))?.value.inputs ?? [];
      }
    }
    const uploaded = await upload(c.env, objectId, {
      begin: { tenant, options: first.value.options, chunkSize: settings.CHUNK_SIZE, retryOf: { batchId: id, codes } },
      keyField: "Idempotency-Key",
      inProgress: "a retry with this key is still starting",
      before: () => checkBatchQuota(c, settings.MAX_BATCHES_IN_FLIGHT),
      entries: entries(),
      allow,
      maxUrls: Number.POSITIVE_INFINITY,
    });
    if (uploaded.replayed) {
      const s = uploaded.summary;
      c.header("idempotent-replayed", "true");
      return c.json(
        {
          ...batchView(s),
          accepted: s.submitted.accepted,
          duplicates: s.submitted.duplicates,
          invalid: { count: s.submitted.invalid, samples: [] },
          replayed: true,
          schedule: null,
        },
        202,
      );
    }
    const { summary, totals } = uploaded;
    return c.json(
      {
        ...batchView(summary),
        accepted: totals.accepted,
        duplicates: totals.duplicates,
        invalid: { count: totals.invalid, samples: totals.samples },
        replayed: false,
        schedule: null,
      },
      202,
    );
  });
}
