import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { ResultLocation } from "../lib/coordinator-protocol";
import { readManifest as parseManifest } from "../lib/manifest";
import { mergeParts } from "../lib/part-merge";
import { r2Keys } from "../lib/r2-keys";
import { decodePart } from "../lib/result-parts";
import type { Manifest, ManifestPart, ResultRecord } from "../lib/schemas";
import { readSettings } from "../lib/settings";
import { signObject, verifyObject } from "../lib/signing";
import { coordinatorOf, ownedSummary } from "./batches";
import { ApiError, invalidFromZod } from "./errors";
import {
  BatchParams,
  batchErrors,
  bearerSecurity,
  DownloadLink,
  DownloadQuery,
  ErrorsPage,
  ErrorsQuery,
  errorResponse,
  ManifestView,
  ResultsPage,
  ResultsQuery,
} from "./openapi-schemas";
import type { AppEnv } from "./types";

const notReady = {
  409: errorResponse("Not published yet: the batch is still running"),
};

const resultsRoute = createRoute({
  method: "get",
  path: "/v1/batches/{id}/results",
  summary: "Result records in input order (marked partial while the batch runs)",
  security: bearerSecurity,
  request: { params: BatchParams, query: ResultsQuery },
  responses: {
    200: { description: "A page of records", content: { "application/json": { schema: ResultsPage } } },
    ...batchErrors,
  },
});

const errorsRoute = createRoute({
  method: "get",
  path: "/v1/batches/{id}/errors",
  summary: "Failed and skipped URLs with their error codes",
  security: bearerSecurity,
  request: { params: BatchParams, query: ErrorsQuery },
  responses: {
    200: { description: "A page of errors", content: { "application/json": { schema: ErrorsPage } } },
    ...batchErrors,
  },
});

const manifestRoute = createRoute({
  method: "get",
  path: "/v1/batches/{id}/manifest",
  summary: "The published manifest: every part with its checksum, and the totals",
  security: bearerSecurity,
  request: { params: BatchParams },
  responses: {
    200: { description: "The manifest", content: { "application/json": { schema: ManifestView } } },
    ...batchErrors,
    ...notReady,
  },
});

const downloadRoute = createRoute({
  method: "get",
  path: "/v1/batches/{id}/download",
  summary: "A signed, expiring URL that streams the complete result set as NDJSON",
  security: bearerSecurity,
  request: { params: BatchParams },
  responses: {
    200: { description: "The signed link", content: { "application/json": { schema: DownloadLink } } },
    ...batchErrors,
    ...notReady,
  },
});

const signedDownloadRoute = createRoute({
  method: "get",
  path: "/v1/downloads/{id}",
  summary:
    "Stream the result set (NDJSON, input order, gzip when accepted). No API key: the signature is the credential.",
  request: { params: BatchParams, query: DownloadQuery },
  responses: {
    200: {
      description: "NDJSON, one record per input URL",
      content: { "application/x-ndjson": { schema: z.string() } },
    },
    400: batchErrors[400],
    403: errorResponse("Tampered or expired link"),
    404: errorResponse("No such result set"),
  },
});

async function readManifest(env: Env, batchId: string): Promise<Manifest> {
  const object = await env.RESULTS.get(r2Keys.manifest(batchId));
  if (!object) throw new ApiError(409, "not_ready", "the batch has not published its manifest yet");
  return parseManifest(await object.json());
}

async function readPart(env: Env, key: string): Promise<ResultRecord[]> {
  const object = await env.RESULTS.get(key);
  if (!object) throw new Error(`result part ${key} is missing`);
  return decodePart(await object.text());
}

/** The records of `locations` whose record is written, in their order (pending ones left out). */
export async function recordsAt(env: Env, locations: ResultLocation[]): Promise<ResultRecord[]> {
  const wanted = new Set(locations.filter((l) => l.part !== null).map((l) => l.index));
  const byIndex = new Map<number, ResultRecord>();
  // Neighbouring URLs share a part: each part is read once per page.
  for (const key of new Set(locations.map((l) => l.part).filter((k): k is string => k !== null))) {
    for (const record of await readPart(env, key)) {
      if (wanted.has(record.index)) byIndex.set(record.index, record);
    }
  }
  return locations.flatMap((l) => byIndex.get(l.index) ?? []);
}

/** Registers the routes that read results. */
export function registerResultRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(resultsRoute, async (c) => {
    const { cursor, limit, status } = c.req.valid("query");
    const found = await coordinatorOf(c, c.req.valid("param").id).locate(
      c.get("tenant"),
      Number(cursor ?? 0),
      limit,
      status ?? null,
    );
    if (!found) throw ApiError.notFound();
    const { summary, value: locations } = found;
    const records = await recordsAt(c.env, locations);
    const last = locations[locations.length - 1];
    return c.json(
      {
        partial: summary.manifestKey === null,
        records,
        pending: locations.length - records.length,
        nextCursor: locations.length === limit && last ? String(last.index + 1) : null,
      },
      200,
    );
  });

  app.openapi(errorsRoute, async (c) => {
    const { cursor, limit, code } = c.req.valid("query");
    const found = await coordinatorOf(c, c.req.valid("param").id).errors(
      c.get("tenant"),
      Number(cursor ?? 0),
      limit,
      code ?? null,
    );
    if (!found) throw ApiError.notFound();
    const errors = found.value;
    const last = errors[errors.length - 1];
    return c.json({ errors, nextCursor: errors.length === limit && last ? String(last.index + 1) : null }, 200);
  });

  app.openapi(manifestRoute, async (c) => {
    const summary = await ownedSummary(c, c.req.valid("param").id);
    return c.json(await readManifest(c.env, summary.id), 200);
  });

  app.openapi(downloadRoute, async (c) => {
    const summary = await ownedSummary(c, c.req.valid("param").id);
    const manifest = await readManifest(c.env, summary.id);
    const settings = readSettings(c.env as unknown as Record<string, unknown>);
    const expires = Math.floor(Date.now() / 1000) + settings.DOWNLOAD_TTL_SECONDS;
    const signature = await signObject(signingSecret(c), r2Keys.manifest(summary.id), expires);
    const url = new URL(`/v1/downloads/${summary.id}?expires=${expires}&signature=${signature}`, c.req.url);
    return c.json(
      { url: url.href, expiresAt: new Date(expires * 1000).toISOString(), records: manifest.totals.total },
      200,
    );
  });

  // A raw streamed body does not fit the typed-JSON handler: documented, routed by hand.
  app.openAPIRegistry.registerPath(signedDownloadRoute);
  app.get("/v1/downloads/:id", async (c) => {
    const params = BatchParams.safeParse(c.req.param());
    if (!params.success) throw invalidFromZod(params.error);
    const query = DownloadQuery.safeParse(c.req.query());
    if (!query.success) throw invalidFromZod(query.error);
    const { id } = params.data;
    const { expires, signature } = query.data;
    const verdict = await verifyObject(
      signingSecret(c),
      r2Keys.manifest(id),
      Number(expires),
      signature,
      Math.floor(Date.now() / 1000),
    );
    if (verdict !== "ok") {
      throw new ApiError(403, verdict === "expired" ? "link_expired" : "bad_signature", `download link ${verdict}`);
    }
    const object = await c.env.RESULTS.get(r2Keys.manifest(id));
    if (!object) throw ApiError.notFound("result set");
    const manifest = parseManifest(await object.json());
    const headers = new Headers({
      "content-type": "application/x-ndjson; charset=utf-8",
      "content-disposition": `attachment; filename="trawl-${id.slice(0, 12)}.ndjson"`,
      "x-trawl-records": String(manifest.totals.total),
    });
    // With Content-Encoding set, the runtime gzips the stream itself; Cloudflare's edge
    // serves clients that cannot take gzip.
    if (/\bgzip\b/i.test(c.req.header("accept-encoding") ?? "")) headers.set("content-encoding", "gzip");
    return new Response(streamResults(c.env, manifest.parts), { headers });
  });
}

function signingSecret(c: Context<AppEnv>): string {
  const secret = c.env.SIGNING_SECRET;
  if (!secret) throw new ApiError(503, "not_configured", "SIGNING_SECRET is not set on this deployment");
  return secret;
}

/** The whole result set in input order, streamed: at most a few parts are held at once. */
function streamResults(env: Env, parts: ManifestPart[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const blocks = mergeParts(parts, async (key) => {
    const object = await env.RESULTS.get(key);
    if (!object) throw new Error(`result part ${key} is missing`);
    return object.text();
  });
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await blocks.next();
      if (done) controller.close();
      else controller.enqueue(encoder.encode(value));
    },
  });
}
