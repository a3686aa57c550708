import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { type AllowList, checkTarget, parseAllowList } from "../lib/address-policy";
import { deleteBatchObjects } from "../lib/batch-objects";
import { BatchName, LabelList } from "../lib/batch-tags";
import { extractionDifference } from "../lib/changes";
import { now } from "../lib/clock";
import type { BatchSummary } from "../lib/coordinator-protocol";
import { readManifest } from "../lib/manifest";
import { nextRun, ScheduleSpec, scheduleRule } from "../lib/schedule";
import { BatchId, BatchOptions } from "../lib/schemas";
import { readSettings } from "../lib/settings";
import { readUrlList } from "../lib/url-list";
import { batchView, coordinatorFor, ownedSummary, scheduleView, tagsOf } from "./batch-access";
import { discoveryPlanFrom } from "./discovery-request";
import { ApiError, invalidFromZod } from "./errors";
import {
  BatchList,
  BatchParams,
  BatchView,
  batchErrors,
  bearerSecurity,
  CreateBatchJson,
  CreatedBatch,
  errorResponse,
  ListQuery,
} from "./openapi-schemas";
import { checkBatchQuota } from "./quotas";
import { IdempotencyHeaders, idempotencyKeyFrom, submitBatch } from "./submit-batch";
import type { AppEnv } from "./types";

const createBatch = createRoute({
  method: "post",
  path: "/v1/batches",
  summary: "Submit a batch of URLs",
  description:
    "JSON `{urls, sources, include, exclude, maxUrls, options}` for small batches (`sources`: sitemaps, feeds or origins whose robots.txt lists sitemaps, to discover URLs from; JSON bodies only); for large ones stream `application/x-ndjson` (one JSON string or `{url, id}` per line) or `text/plain` (one URL per line) with options in the `options` query parameter (JSON). Honours `Idempotency-Key`.",
  security: bearerSecurity,
  request: {
    headers: IdempotencyHeaders,
    query: z.object({
      options: z
        .string()
        .optional()
        .describe(
          'For streamed lists: the JSON of `options` (the JSON body\'s field), e.g. `{"formats":["markdown","links"]}`.',
        ),
      schedule: z.string().max(1000).optional().openapi({
        description: 'For streamed lists: `HH:MM` (daily, UTC) or the JSON of `schedule`, e.g. `{"cron":"0 2 * * *"}`',
      }),
      previousBatch: BatchId.optional(),
      name: BatchName.optional(),
      labels: LabelList.optional().describe("For streamed lists: the batch's labels, comma-separated."),
    }),
    body: {
      content: {
        "application/json": { schema: CreateBatchJson },
        "application/x-ndjson": { schema: z.string() },
        "text/plain": { schema: z.string() },
      },
    },
  },
  responses: {
    202: { description: "Accepted", content: { "application/json": { schema: CreatedBatch } } },
    409: errorResponse("The same Idempotency-Key is still being processed, or the schedule quota is reached"),
    413: errorResponse("Too many URLs or too large a JSON body"),
    415: errorResponse("Unsupported Content-Type"),
    429: errorResponse("MAX_BATCHES_IN_FLIGHT of yours are queued or running: retry after `Retry-After`"),
    ...batchErrors,
  },
});

const listBatches = createRoute({
  method: "get",
  path: "/v1/batches",
  summary: "List your batches, newest first",
  security: bearerSecurity,
  request: { query: ListQuery },
  responses: {
    200: { description: "A page of batches", content: { "application/json": { schema: BatchList } } },
    ...batchErrors,
  },
});

const getBatch = createRoute({
  method: "get",
  path: "/v1/batches/{id}",
  summary: "A batch's status, counts and progress",
  security: bearerSecurity,
  request: { params: BatchParams },
  responses: {
    200: { description: "The batch", content: { "application/json": { schema: BatchView } } },
    ...batchErrors,
  },
});

const cancelBatch = createRoute({
  method: "post",
  path: "/v1/batches/{id}/cancel",
  summary: "Cancel a batch: unfetched URLs end skipped with code `cancelled`",
  security: bearerSecurity,
  request: { params: BatchParams },
  responses: {
    200: { description: "The batch after cancelling", content: { "application/json": { schema: BatchView } } },
    409: errorResponse("The batch already completed"),
    ...batchErrors,
  },
});

const deleteBatch = createRoute({
  method: "delete",
  path: "/v1/batches/{id}",
  summary:
    "Delete a batch now: its result objects, its coordinator's storage and its listing entry. Idempotent: deleting it again answers 204 too.",
  security: bearerSecurity,
  request: { params: BatchParams },
  responses: {
    204: { description: "Deleted (or deleted before)" },
    409: errorResponse("The batch is the source of a schedule that is not stopped: stop it first"),
    ...batchErrors,
  },
});

/** Makes `summary`'s URL list run again on every occurrence of `spec`; idempotent per batch. */
async function scheduleRuns(env: Env, summary: BatchSummary, options: BatchOptions, spec: ScheduleSpec, max: number) {
  const rule = scheduleRule(ScheduleSpec.parse(spec));
  const schedule = await env.TENANT.getByName(summary.tenant).addSchedule(
    { id: summary.id, sourceBatch: summary.id, ...rule, options, nextRunAt: nextRun(rule, now()) },
    max,
  );
  if (!schedule) throw scheduleQuota(max);
  return scheduleView(schedule);
}

/** The per-tenant schedule quota is reached: a stock, freed only by stopping one, so 409 rather than 429. */
function scheduleQuota(max: number): ApiError {
  return new ApiError(
    409,
    "schedule_quota",
    `schedule: you have ${max} schedules that are not stopped (MAX_SCHEDULES_PER_TENANT): stop one (DELETE /v1/schedules/{id}) first`,
    [{ field: "schedule", reason: `at most ${max} schedules that are not stopped` }],
  );
}

/** A batch to compare with must be the caller's and published: a 400 naming the field otherwise. */
async function checkPreviousBatch(c: Context<AppEnv>, id: string, options: BatchOptions): Promise<void> {
  let previous: BatchSummary | null = null;
  try {
    previous = await coordinatorFor(c, id).view(c.get("tenant"));
  } catch (error) {
    if (!(error instanceof ApiError)) throw error; // an id no coordinator could have: none of yours
  }
  if (!previous) throw ApiError.invalid("previousBatch", "no such batch of yours");
  if (previous.manifestKey === null) {
    throw ApiError.invalid("previousBatch", `is ${previous.status}: compare with a published batch`);
  }
  const manifest = previous.status === "expired" ? null : await readManifest(c.env.RESULTS, previous.id);
  if (!manifest) throw ApiError.invalid("previousBatch", "is expired: its records are deleted");
  const differs = extractionDifference(manifest.options, options);
  if (differs) {
    throw ApiError.invalid(
      "previousBatch",
      `was extracted with another options.${differs}: use the same extraction options`,
    );
  }
}

/** Refuses a webhook whose URL the address policy would refuse at delivery: a 400 naming the field. */
function checkWebhook(options: BatchOptions, allow: AllowList, field: string): void {
  if (!options.webhook) return;
  const target = checkTarget(options.webhook.url, allow);
  if (!target.ok) throw ApiError.invalid(`${field}.webhook.url`, `${target.error.code}: ${target.error.message}`);
}

function parseOptions(raw: string | undefined): BatchOptions {
  if (raw === undefined) return BatchOptions.parse({});
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw ApiError.invalid("options", "query parameter must be JSON");
  }
  const options = BatchOptions.safeParse(value);
  if (!options.success) throw invalidFromZod(options.error, "options", BatchOptions);
  return options.data;
}

/** `?schedule=`: a daily `HH:MM`, or a schedule as JSON; checked as the JSON body's `schedule` is. */
function parseScheduleQuery(raw: string | undefined): ScheduleSpec | null {
  if (raw === undefined) return null;
  let value: unknown = { daily: raw };
  if (raw.trimStart().startsWith("{")) {
    try {
      value = JSON.parse(raw);
    } catch {
      throw ApiError.invalid("schedule", "query parameter must be HH:MM or JSON");
    }
  }
  const spec = ScheduleSpec.safeParse(value);
  if (!spec.success) throw invalidFromZod(spec.error, "schedule", ScheduleSpec);
  return spec.data;
}

function listFormat(contentType: string): "json" | "ndjson" | "text" {
  const type = contentType.split(";")[0]?.trim().toLowerCase() ?? "";
  if (type === "" || type === "application/json") return "json";
  if (type === "application/x-ndjson" || type === "application/jsonl" || type === "application/ndjson") return "ndjson";
  if (type === "text/plain") return "text";
  throw new ApiError(
    415,
    "unsupported_media_type",
    `Content-Type: ${type} is not one of application/json, application/x-ndjson, text/plain`,
    [{ field: "Content-Type", reason: "unsupported" }],
  );
}

async function* jsonEntries(body: z.infer<typeof CreateBatchJson>) {
  for (const entry of body.urls) yield { entry };
}

async function* streamedEntries(stream: ReadableStream<Uint8Array>, format: "ndjson" | "text") {
  for await (const line of readUrlList(stream, format)) {
    yield "problem" in line ? { problem: line.problem, field: `body line ${line.line}` } : { entry: line.entry };
  }
}

/** Registers the batch lifecycle routes. */
export function registerBatchRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(createBatch, async (c) => {
    const settings = readSettings(c.env);
    const tenant = c.get("tenant");
    const key = idempotencyKeyFrom(c.req.header("idempotency-key"), "Idempotency-Key");
    const format = listFormat(c.req.header("content-type") ?? "");
    // With no Content-Type and no body the validator passes `{}` through: nothing to read.
    if (format === "json" && !c.req.header("content-type")) {
      throw ApiError.invalid("body", "required: JSON {urls, options?}, NDJSON or text/plain with a Content-Type");
    }
    const json = format === "json" ? (c.req.valid("json") as z.infer<typeof CreateBatchJson>) : null;
    const given = json ? BatchOptions.parse(json.options ?? {}) : parseOptions(c.req.query("options"));
    // Resolved now, so the batch (and every scheduled run of it) keeps the retention it was created with.
    const options: BatchOptions = { ...given, retentionDays: given.retentionDays ?? settings.RETENTION_DAYS };
    const schedule = json ? (json.schedule ?? null) : parseScheduleQuery(c.req.valid("query").schedule);
    const allow = parseAllowList(settings.DEV_ALLOWED_ORIGINS);
    checkWebhook(options, allow, "options");
    if (schedule && (await c.env.TENANT.getByName(tenant).liveSchedules()) >= settings.MAX_SCHEDULES_PER_TENANT) {
      throw scheduleQuota(settings.MAX_SCHEDULES_PER_TENANT);
    }
    const previousBatch = json ? (json.previousBatch ?? null) : (c.req.valid("query").previousBatch ?? null);
    if (previousBatch) await checkPreviousBatch(c, previousBatch, options);
    const discovery = json
      ? discoveryPlanFrom(json, allow, settings.MAX_URLS_PER_BATCH, settings.MAX_SOURCES_PER_BATCH)
      : null;
    if (json && json.urls.length === 0 && !discovery) {
      throw ApiError.invalid("urls", "must contain at least one URL, or give `sources` to discover them from");
    }
    if (json && json.urls.length > settings.MAX_URLS_PER_BATCH) {
      throw new ApiError(413, "too_many_urls", `urls: more than ${settings.MAX_URLS_PER_BATCH} URLs in one batch`, [
        { field: "urls", reason: `more than ${settings.MAX_URLS_PER_BATCH} URLs` },
      ]);
    }

    const entries = json
      ? jsonEntries(json)
      : streamedEntries(c.req.raw.body ?? new Blob().stream(), format as "ndjson" | "text");
    const submitted = await submitBatch(c.env, {
      tenant,
      idempotencyKey: key,
      keyField: "Idempotency-Key",
      options,
      entries,
      discovery,
      allow,
      maxUrls: settings.MAX_URLS_PER_BATCH,
      chunkSize: settings.CHUNK_SIZE,
      previousBatch,
      checkQuota: () => checkBatchQuota(c, settings.MAX_BATCHES_IN_FLIGHT),
      discardInput: async () => {
        await c.req.raw.body?.cancel().catch(() => {});
      },
    });
    const summary = submitted.summary;
    const query = c.req.valid("query");
    const directory = c.env.TENANT.getByName(tenant);
    await directory.tag(summary.id, {
      name: (json ? json.name : query.name) ?? null,
      labels: (json ? json.labels : query.labels) ?? [],
    });
    if (submitted.replayed) c.header("idempotent-replayed", "true");
    // A replay reports what the first request counted; its refused samples are not kept.
    const counts = submitted.replayed ? { ...summary.submitted, samples: [] } : submitted.totals;
    return c.json(
      {
        ...batchView(summary, await directory.tags(summary.id)),
        accepted: counts.accepted,
        duplicates: counts.duplicates,
        invalid: { count: counts.invalid, samples: counts.samples },
        replayed: submitted.replayed,
        schedule: schedule
          ? await scheduleRuns(c.env, summary, options, schedule, settings.MAX_SCHEDULES_PER_TENANT)
          : null,
      },
      202,
    );
  });

  app.openapi(listBatches, async (c) => {
    const { cursor, limit, label } = c.req.valid("query");
    let after: { createdAt: string; id: string } | null = null;
    if (cursor) {
      after = decodeListCursor(cursor);
      if (!after) throw ApiError.invalid("cursor", "must be a cursor returned by a previous page");
    }
    const directory = c.env.TENANT.get(c.env.TENANT.idFromName(c.get("tenant")));
    const batches = await directory.list(limit + 1, after, label ?? []);
    const page = batches.slice(0, limit);
    const last = page[page.length - 1];
    const nextCursor = batches.length > limit && last ? encodeListCursor(last) : null;
    return c.json({ batches: page, nextCursor }, 200);
  });

  app.openapi(getBatch, async (c) => {
    const { id } = c.req.valid("param");
    const [summary, tags] = await Promise.all([ownedSummary(c, id), tagsOf(c, id)]);
    return c.json(batchView(summary, tags), 200);
  });

  app.openapi(deleteBatch, async (c) => {
    const { id } = c.req.valid("param");
    const tenant = c.get("tenant");
    // A schedule's runs copy its source batch's list: without it they would run empty forever.
    const schedule = await c.env.TENANT.getByName(tenant).get(id);
    if (schedule?.active) {
      throw new ApiError(
        409,
        "schedule_source",
        `the batch is the source of schedule ${id}: stop it first (DELETE /v1/schedules/${id})`,
        [{ field: "id", reason: "source of a schedule that is not stopped" }],
      );
    }
    const outcome = await coordinatorFor(c, id).destroy(tenant);
    if (!outcome) throw ApiError.notFound();
    // Both again on a repeat: a DELETE that died part-way is finished by the next.
    await deleteBatchObjects(c.env.RESULTS, id);
    await c.env.TENANT.getByName(tenant).forget(id);
    return c.body(null, 204);
  });

  app.openapi(cancelBatch, async (c) => {
    // Cancelling a finished batch changes nothing; the answer says why.
    const after = await coordinatorFor(c, c.req.valid("param").id).cancel(c.get("tenant"));
    if (!after) throw ApiError.notFound();
    if (after.status === "completed") {
      throw new ApiError(409, "already_completed", "batch already completed; nothing to cancel");
    }
    return c.json(batchView(after, await tagsOf(c, after.id)), 200);
  });
}

function encodeListCursor(entry: { createdAt: string; id: string }): string {
  return btoa(JSON.stringify([entry.createdAt, entry.id])).replace(/=+$/, "");
}

function decodeListCursor(cursor: string): { createdAt: string; id: string } | null {
  try {
    const value: unknown = JSON.parse(atob(cursor));
    if (Array.isArray(value) && typeof value[0] === "string" && typeof value[1] === "string") {
      return { createdAt: value[0], id: value[1] };
    }
  } catch {
    // fall through: not one of ours
  }
  return null;
}
