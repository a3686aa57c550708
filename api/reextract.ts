import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { parseAllowList } from "../lib/address-policy";
import { idempotentReextractName } from "../lib/object-names";
import { BatchOptions } from "../lib/schemas";
import { readSettings } from "../lib/settings";
import { batchView, coordinatorFor } from "./batch-access";
import { ApiError } from "./errors";
import { BatchParams, batchErrors, bearerSecurity, CreatedBatch, errorResponse } from "./openapi-schemas";
import { checkBatchQuota } from "./quotas";
import { IdempotencyHeaders, idempotencyKeyFrom } from "./submit-batch";
import type { AppEnv } from "./types";
import { upload } from "./upload";

/** Rows read per RPC from the batch being re-extracted. */
const COPY_SLICE = 1000;

const shape = BatchOptions.shape;

/** A batch option's own description, and what leaving it out means here. */
function firstBatchs(option: z.ZodType): string {
  return `${option.description ?? ""} Absent: the first batch's.`.trim();
}

/** The options a re-extraction may change: how pages are extracted, not how they are fetched. */
const ReextractBody = z
  .object({
    formats: shape.formats.unwrap().optional().describe(firstBatchs(shape.formats)),
    onlyMainContent: shape.onlyMainContent.unwrap().optional().describe(firstBatchs(shape.onlyMainContent)),
    images: shape.images.unwrap().optional().describe(firstBatchs(shape.images)),
    includeSelectors: shape.includeSelectors.unwrap().optional().describe(firstBatchs(shape.includeSelectors)),
    excludeSelectors: shape.excludeSelectors.unwrap().optional().describe(firstBatchs(shape.excludeSelectors)),
    validate: shape.validate,
    retentionDays: shape.retentionDays,
    webhook: shape.webhook,
  })
  .strict()
  .openapi("ReextractBatch", {
    description: "Extraction options for the new batch; each one left out is the first batch's",
  });

const reextractRoute = createRoute({
  method: "post",
  path: "/v1/batches/{id}/reextract",
  summary:
    "A new batch, linked to this one (`reextractOf`), that extracts this batch's stored pages (`keepRaw`) again with other extraction options and fetches nothing. Honours `Idempotency-Key`.",
  security: bearerSecurity,
  request: {
    params: BatchParams,
    headers: IdempotencyHeaders,
    body: { content: { "application/json": { schema: ReextractBody } }, required: false },
  },
  responses: {
    202: { description: "The re-extraction batch", content: { "application/json": { schema: CreatedBatch } } },
    409: errorResponse("Not published yet, or its pages were not kept (`keepRaw`)"),
    410: errorResponse("The batch's results were deleted"),
    429: errorResponse("MAX_BATCHES_IN_FLIGHT of yours are queued or running: retry after `Retry-After`"),
    ...batchErrors,
  },
});

/** Registers the re-extraction route. */
export function registerReextractRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(reextractRoute, async (c) => {
    const settings = readSettings(c.env);
    const tenant = c.get("tenant");
    const { id } = c.req.valid("param");
    const changes = c.req.header("content-type") ? c.req.valid("json") : {};
    const key = idempotencyKeyFrom(c.req.header("idempotency-key"), "Idempotency-Key");
    const source = coordinatorFor(c, id);
    const first = await source.reextractInputs(tenant, 0, COPY_SLICE);
    if (!first) throw ApiError.notFound();
    const { summary } = first;
    if (summary.status === "expired") throw new ApiError(410, "expired", "the batch's results were deleted");
    if (summary.manifestKey === null) {
      throw new ApiError(409, "not_ready", "the batch has not published yet: re-extract it once it has");
    }
    // A re-extraction's records point at the stored bodies its first batch read: it can be re-extracted too.
    if (!first.value.options.keepRaw && !summary.reextractOf) {
      throw new ApiError(409, "not_kept_raw", "the batch did not keep its pages: submit it with options.keepRaw");
    }
    // The first batch's fetching options stand (nothing is fetched); its webhook does not follow.
    const { webhook: _webhook, keepRaw: _keepRaw, ...kept } = first.value.options;
    const options = BatchOptions.parse({ ...kept, ...changes });

    const objectId = key ? c.env.BATCH.idFromName(idempotentReextractName(tenant, id, key)) : c.env.BATCH.newUniqueId();
    const allow = parseAllowList(settings.DEV_ALLOWED_ORIGINS);
    async function* entries() {
      let page = first?.value.inputs ?? [];
      while (page.length > 0) {
        for (const input of page) yield { entry: input.id ? { url: input.url, id: input.id } : input.url };
        const last = page[page.length - 1];
        if (!last || page.length < COPY_SLICE) return;
        page = (await source.reextractInputs(tenant, last.index + 1, COPY_SLICE))?.value.inputs ?? [];
      }
    }
    const uploaded = await upload(c.env, objectId, {
      begin: { tenant, options, chunkSize: settings.CHUNK_SIZE, reextractOf: id },
      keyField: "Idempotency-Key",
      inProgress: "a re-extraction with this key is still starting",
      before: () => checkBatchQuota(c, settings.MAX_BATCHES_IN_FLIGHT),
      entries: entries(),
      allow,
      maxUrls: Number.POSITIVE_INFINITY,
    });
    const s = uploaded.summary;
    if (uploaded.replayed) c.header("idempotent-replayed", "true");
    const totals = uploaded.replayed
      ? {
          accepted: s.submitted.accepted,
          duplicates: s.submitted.duplicates,
          invalid: s.submitted.invalid,
          samples: [],
        }
      : uploaded.totals;
    return c.json(
      {
        ...batchView(s),
        accepted: totals.accepted,
        duplicates: totals.duplicates,
        invalid: { count: totals.invalid, samples: totals.samples },
        replayed: uploaded.replayed,
        schedule: null,
      },
      202,
    );
  });
}
