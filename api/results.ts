import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { coordinatorOf } from "../lib/batch-objects";
import { movedLines } from "../lib/changes";
import { ChunkRow, type ChunkViewOptions, chunkLines } from "../lib/chunk/chunk-view";
import { withDuplicateMarks } from "../lib/duplicate-marks";
import { readManifest } from "../lib/manifest";
import { ndjsonToParquet } from "../lib/parquet-export";
import { mergeParts } from "../lib/part-merge";
import { r2Keys } from "../lib/r2-keys";
import { mergeRetry } from "../lib/retry-merge";
import type { Manifest, ManifestPart } from "../lib/schemas";
import { readSettings } from "../lib/settings";
import { signObject, verifyObject } from "../lib/signing";
import { coordinatorFor, ownedSummary, recordsAt } from "./batch-access";
import { ApiError, invalidFromZod } from "./errors";
import {
  BatchParams,
  batchErrors,
  bearerSecurity,
  type DownloadFormat,
  DownloadLink,
  DownloadLinkQuery,
  DownloadQuery,
  type DownloadView,
  ErrorsPage,
  ErrorsQuery,
  errorResponse,
  ManifestView,
  ResultsPage,
  ResultsQuery,
} from "./openapi-schemas";
import type { AppEnv } from "./types";
import { keptRaw, warcResponse } from "./warc-download";

const notReady = {
  409: errorResponse("Not published yet: the batch is still running"),
  410: errorResponse("Expired: the retention ran out and the results were deleted"),
};

/** The answer for reading the results of a batch whose retention ran out. */
function expired(): ApiError {
  return new ApiError(410, "expired", "the batch's retention ran out: its results were deleted");
}

/** The answer for a signed link whose batch is gone: deleted by its tenant, or past its retention. */
async function removed(env: Env, batchId: string): Promise<ApiError> {
  const how = await coordinatorOf(env, batchId).removal();
  return how === "deleted" ? new ApiError(410, "deleted", "the batch was deleted: its results are gone") : expired();
}

const resultsRoute = createRoute({
  method: "get",
  path: "/v1/batches/{id}/results",
  summary: "Result records in input order (marked partial while the batch runs)",
  security: bearerSecurity,
  request: { params: BatchParams, query: ResultsQuery },
  responses: {
    200: { description: "A page of records", content: { "application/json": { schema: ResultsPage } } },
    ...batchErrors,
    410: notReady[410],
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
  summary:
    "A signed, expiring URL that streams the complete result set as NDJSON, gzipped NDJSON or Parquet, or a `keepRaw` batch's stored pages as WARC",
  security: bearerSecurity,
  request: { params: BatchParams, query: DownloadLinkQuery },
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
    "Stream the result set in input order, in the format the link was signed for (NDJSON gzipped when accepted; `ndjson.gz` always gzip bytes; Parquet; `warc`: the stored pages as WARC/1.1). No API key: the signature is the credential.",
  request: { params: BatchParams, query: DownloadQuery },
  responses: {
    200: {
      description: "One record (row) per input URL",
      content: {
        "application/x-ndjson": { schema: z.string() },
        "application/gzip": { schema: z.string().openapi({ format: "binary" }) },
        "application/vnd.apache.parquet": { schema: z.string().openapi({ format: "binary" }) },
        "application/warc": { schema: z.string().openapi({ format: "binary" }) },
      },
    },
    400: batchErrors[400],
    403: errorResponse("Tampered or expired link"),
    404: errorResponse("No such result set"),
    410: errorResponse("The results were deleted (retention ran out, or the batch was deleted)"),
  },
});

/** A published batch's manifest; a 409 while it has none yet. */
async function publishedManifest(env: Env, batchId: string): Promise<Manifest> {
  const manifest = await readManifest(env.RESULTS, batchId);
  if (!manifest) throw new ApiError(409, "not_ready", "the batch has not published its manifest yet");
  return manifest;
}

/** Registers the routes that read results. */
export function registerResultRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(resultsRoute, async (c) => {
    const { cursor, limit, status } = c.req.valid("query");
    const found = await coordinatorFor(c, c.req.valid("param").id).locate(
      c.get("tenant"),
      Number(cursor ?? 0),
      limit,
      status ?? null,
    );
    if (!found) throw ApiError.notFound();
    const { summary, value: locations } = found;
    if (summary.status === "expired") throw expired();
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
    const found = await coordinatorFor(c, c.req.valid("param").id).errors(
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
    if (summary.status === "expired") throw expired();
    return c.json(await publishedManifest(c.env, summary.id), 200);
  });

  app.openapi(downloadRoute, async (c) => {
    const summary = await ownedSummary(c, c.req.valid("param").id);
    if (summary.status === "expired") throw expired();
    const { format, merge, changes } = c.req.valid("query");
    const manifest = await publishedManifest(c.env, summary.id);
    const view = chunkView(c.req.valid("query"), manifest);
    if (changes !== undefined) {
      if (merge !== undefined) throw ApiError.invalid("changes", "cannot be combined with merge");
      if (!manifest.changes) throw ApiError.invalid("changes", "this batch was published before changes were recorded");
    }
    let first: Manifest | null = null;
    if (merge !== undefined) {
      if (summary.retryOf?.batchId !== merge)
        throw ApiError.invalid("merge", "must be the id of the batch this one retries");
      const firstSummary = await ownedSummary(c, merge);
      if (firstSummary.status === "expired") throw expired();
      first = await publishedManifest(c.env, merge);
    }
    if (format === "warc" && !keptRaw(manifest)) {
      throw new ApiError(409, "not_kept_raw", "the batch did not keep its pages (options.keepRaw): no WARC to give");
    }
    const { records } = downloadSelection(c.env, manifest, first, changes);
    const settings = readSettings(c.env);
    const expires = Math.floor(Date.now() / 1000) + settings.DOWNLOAD_TTL_SECONDS;
    const signature = await signObject(
      signingSecret(c),
      signedObject(summary.id, format, merge, changes, view),
      expires,
    );
    const extra = `${format === "ndjson" ? "" : `&format=${format}`}${merge ? `&merge=${merge}` : ""}${changes ? `&changes=${changes}` : ""}${viewQuery(view)}`;
    const url = new URL(`/v1/downloads/${summary.id}?expires=${expires}${extra}&signature=${signature}`, c.req.url);
    const expiresAt = new Date(expires * 1000).toISOString();
    return c.json({ url: url.href, expiresAt, records, format, ...(view && { view: "chunks" as const }) }, 200);
  });

  // A raw streamed body does not fit the typed-JSON handler: documented, routed by hand.
  app.openAPIRegistry.registerPath(signedDownloadRoute);
  app.get("/v1/downloads/:id", async (c) => {
    const params = BatchParams.safeParse(c.req.param());
    if (!params.success) throw invalidFromZod(params.error);
    const query = DownloadQuery.safeParse(c.req.query());
    if (!query.success) throw invalidFromZod(query.error);
    const { id } = params.data;
    const { expires, signature, format, merge, changes } = query.data;
    const view = query.data.view === "chunks" ? { dropNearDuplicates: query.data.dropNearDuplicates === "true" } : null;
    // During a rotation a link signed with the previous secret is still good.
    const previous = readSettings(c.env).SIGNING_SECRET_PREVIOUS;
    let verdict: Awaited<ReturnType<typeof verifyObject>> = "invalid";
    for (const secret of previous ? [signingSecret(c), previous] : [signingSecret(c)]) {
      verdict = await verifyObject(
        secret,
        signedObject(id, format, merge, changes, view),
        Number(expires),
        signature,
        Math.floor(Date.now() / 1000),
      );
      if (verdict !== "invalid") break;
    }
    if (verdict !== "ok") {
      throw new ApiError(403, verdict === "expired" ? "link_expired" : "bad_signature", `download link ${verdict}`);
    }
    const manifest = await readManifest(c.env.RESULTS, id);
    // The signature proves the manifest existed when the link was made: it has been
    // removed since, by its tenant's DELETE or by retention; the answer says which.
    if (!manifest) throw await removed(c.env, id);
    let first: Manifest | null = null;
    if (merge !== undefined) {
      // The link was signed for this pair, and the retry's own manifest says which codes it took.
      if (manifest.retryOf?.batchId !== merge) throw ApiError.invalid("merge", "is not the batch this one retries");
      first = await readManifest(c.env.RESULTS, merge);
      if (!first) throw await removed(c.env, merge);
    }
    const selection = downloadSelection(c.env, manifest, first, changes);
    const name = view ? `${selection.name}-chunks` : selection.name;
    const blocks = view ? chunkLines(selection.blocks, view) : selection.blocks;
    const records = String(selection.records);
    if (format === "warc") return warcResponse(c.env, manifest, name, blocks);
    if (format === "parquet") {
      return new Response(ndjsonToParquet(blocks, view ? ChunkRow : undefined), {
        headers: {
          "content-type": "application/vnd.apache.parquet",
          "content-disposition": `attachment; filename="${name}.parquet"`,
          "x-trawl-records": records,
        },
      });
    }
    if (format === "ndjson.gz") {
      // Gzip bytes as the body, not a Content-Encoding: the file a client saves is the .gz.
      return new Response(textStream(blocks).pipeThrough(new CompressionStream("gzip")), {
        headers: {
          "content-type": "application/gzip",
          "content-disposition": `attachment; filename="${name}.ndjson.gz"`,
          "x-trawl-records": records,
        },
      });
    }
    const headers = new Headers({
      "content-type": "application/x-ndjson; charset=utf-8",
      "content-disposition": `attachment; filename="${name}.ndjson"`,
      "x-trawl-records": records,
    });
    // With Content-Encoding set, the runtime gzips the stream itself. The client's own
    // Accept-Encoding decides: the runtime replaces the header with "br, gzip" whatever
    // the client sent (none at all, for curl without --compressed or wget) and keeps the
    // client's value in `cf.clientAcceptEncoding`.
    if (acceptsGzip(clientAcceptEncoding(c.req.raw))) headers.set("content-encoding", "gzip");
    return new Response(textStream(blocks), { headers });
  });
}

/** The Accept-Encoding the client sent ("" for none): `cf.clientAcceptEncoding` where the runtime rewrote the header. */
function clientAcceptEncoding(request: Request): string {
  const client = request.cf?.clientAcceptEncoding;
  return typeof client === "string" ? client : (request.headers.get("accept-encoding") ?? "");
}

/** Whether an Accept-Encoding value takes gzip (RFC 9110 §12.5.3: named with q > 0, or `*` and not refused by name). */
export function acceptsGzip(acceptEncoding: string): boolean {
  let anyCoding = false;
  for (const part of acceptEncoding.split(",")) {
    const [coding = "", ...params] = part.split(";").map((p) => p.trim().toLowerCase());
    const q = params.find((p) => p.startsWith("q="));
    const weight = q === undefined ? 1 : Number(q.slice(2));
    const accepted = Number.isFinite(weight) && weight > 0;
    if (coding === "gzip" || coding === "x-gzip") return accepted;
    if (coding === "*") anyCoding = accepted;
  }
  return anyCoding;
}

function signingSecret(c: Context<AppEnv>): string {
  const secret = c.env.SIGNING_SECRET;
  if (!secret) throw new ApiError(503, "not_configured", "SIGNING_SECRET is not set on this deployment");
  return secret;
}

/**
 * What a download link's signature covers: the manifest's key, and the format when it
 * is not NDJSON (so a link for one format cannot be turned into another; NDJSON links
 * signed before formats existed stay valid).
 */
function signedObject(
  batchId: string,
  format: DownloadFormat,
  merge?: string,
  changes?: string,
  view: ChunkViewOptions | null = null,
): string {
  const manifest = r2Keys.manifest(batchId);
  const chunks = view ? `+view=chunks${view.dropNearDuplicates ? "+dropNearDuplicates" : ""}` : "";
  if (merge !== undefined) return `${manifest}#${format}+merge=${merge}${chunks}`;
  if (changes !== undefined) return `${manifest}#${format}+changes=${changes}${chunks}`;
  return format === "ndjson" && !view ? manifest : `${manifest}#${format}${chunks}`;
}

/**
 * The chunk view a link asks for, or null for records: `dropNearDuplicates` only with
 * `view=chunks`, and only on a batch whose records have chunks.
 */
function chunkView(
  query: { view?: DownloadView; dropNearDuplicates?: "true" | "false" },
  manifest: Manifest,
): ChunkViewOptions | null {
  if (query.view !== "chunks") {
    if (query.dropNearDuplicates !== undefined)
      throw ApiError.invalid("dropNearDuplicates", "applies only to view=chunks");
    return null;
  }
  if (!manifest.options.chunking) {
    throw ApiError.invalid("view", "this batch was made without the chunking option: its records have no chunks");
  }
  return { dropNearDuplicates: query.dropNearDuplicates === "true" };
}

/** The query a download link carries for its view. */
function viewQuery(view: ChunkViewOptions | null): string {
  if (!view) return "";
  return `&view=chunks${view.dropNearDuplicates ? "&dropNearDuplicates=true" : ""}`;
}

async function* concatBlocks(...sources: AsyncGenerator<string>[]): AsyncGenerator<string> {
  for (const source of sources) yield* source;
}

/** What one download holds: its file name (no extension), its record count and its NDJSON blocks in order. */
interface DownloadSelection {
  name: string;
  records: number;
  blocks: AsyncGenerator<string>;
}

/**
 * The download of a published batch: the whole set; merged onto its first batch's
 * (`first`, the manifest of the batch it retries: one record per input URL of that
 * batch); or only what moved since the previous run (`changes`). The link and the
 * signed download both take their selection from here. The blocks are read lazily.
 */
function downloadSelection(
  env: Env,
  manifest: Manifest,
  first: Manifest | null,
  changes: string | undefined,
): DownloadSelection {
  const id = manifest.batchId;
  let selection: DownloadSelection = {
    name: `trawl-${id.slice(0, 12)}`,
    records: manifest.totals.total,
    blocks: mergedBlocks(env, manifest),
  };
  if (first && manifest.retryOf) {
    selection = {
      name: `trawl-${first.batchId.slice(0, 12)}-merged`,
      records: first.totals.total,
      blocks: mergeRetry(mergedBlocks(env, first), selection.blocks, manifest.retryOf.codes),
    };
  }
  if (changes !== undefined && manifest.changes) {
    // The moved records in input order, then the removed ones (indexed past the list).
    const { removedParts } = manifest.changes;
    selection = {
      name: `trawl-${id.slice(0, 12)}-changes`,
      records: manifest.changes.new + manifest.changes.changed + manifest.changes.removed,
      blocks: concatBlocks(movedLines(selection.blocks), mergedBlocks(env, removedParts)),
    };
  }
  return selection;
}

/** The whole result set in input order, as NDJSON blocks, with its near-duplicate marks: at most a few parts are held at once. */
function mergedBlocks(env: Env, manifest: Manifest | ManifestPart[]): AsyncGenerator<string> {
  const read = async (key: string) => {
    const object = await env.RESULTS.get(key);
    if (!object) throw new Error(`result part ${key} is missing`);
    return object.text();
  };
  if (Array.isArray(manifest)) return mergeParts(manifest, read);
  const marks = manifest.analysis?.duplicateParts ?? [];
  const blocks = mergeParts(manifest.parts, read);
  return marks.length > 0 ? withDuplicateMarks(blocks, marks, read) : blocks;
}

/** NDJSON blocks as a byte stream, pulled as the reader wants them. */
function textStream(blocks: AsyncGenerator<string>): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await blocks.next();
      if (done) controller.close();
      else controller.enqueue(encoder.encode(value));
    },
  });
}
