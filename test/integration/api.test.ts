// The public HTTP API's behaviour inside workerd: auth, tenant isolation, listing,
// idempotency, streamed URL lists, readiness, and the OpenAPI document matching the routes.
import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { INGEST_LIVE_MS } from "../../durable-objects/batch-coordinator";
import { shiftClock } from "../../lib/clock";
import { toIngestRow } from "../../lib/ingest-row";
import { BatchOptions, Manifest } from "../../lib/schemas";
import type { BatchList, ErrorResponse } from "../support/api-types";
import { api, type BatchBody, download, json, KEY_A, KEY_B, ORIGIN, submit, unique, waitForPublished } from "./helpers";

interface OpenApiDocument {
  paths: Record<string, Record<string, { security?: unknown[]; responses: Record<string, unknown> }>>;
}

const pages = (count: number, run = unique("api")) =>
  Array.from({ length: count }, (_, n) => `${ORIGIN}/pages/${n}.html?run=${run}`);

async function errorOf(response: Response, status: number): Promise<ErrorResponse["error"]> {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  return (JSON.parse(text) as ErrorResponse).error;
}

/** Every batch of a tenant, following cursors to the end. */
async function listAll(key: string): Promise<BatchList["batches"]> {
  const all: BatchList["batches"] = [];
  let cursor: string | null = null;
  do {
    const query: string = cursor ? `?limit=100&cursor=${encodeURIComponent(cursor)}` : "?limit=100";
    const page: BatchList = await json<BatchList>(await api(`/v1/batches${query}`, { key }));
    all.push(...page.batches);
    cursor = page.nextCursor;
  } while (cursor);
  return all;
}

let published = ""; // a completed, published batch of tenant A

beforeAll(async () => {
  const created = await submit(pages(3));
  await waitForPublished(created.id);
  published = created.id;
});

describe("authentication", () => {
  const routes: [string, string][] = [
    ["GET", "/v1/batches"],
    ["POST", "/v1/batches"],
    ["GET", "/v1/batches/{id}"],
    ["GET", "/v1/batches/{id}/results"],
    ["POST", "/v1/batches/{id}/cancel"],
  ];
  const callers: [string, Record<string, string>][] = [
    ["no Authorization header", {}],
    ["a Basic scheme", { authorization: `Basic ${btoa(`${KEY_A}:`)}` }],
    ["a bare key without a scheme", { authorization: KEY_A }],
    ["Bearer with no key", { authorization: "Bearer " }],
    ["an unknown key", { authorization: "Bearer not-a-key" }],
    ["a known key with a suffix", { authorization: `Bearer ${KEY_A}x` }],
  ];
  it.each(callers.flatMap(([who, headers]) => routes.map(([method, path]) => [who, method, path, headers] as const)))(
    "answers %s on %s %s with 401",
    async (_who, method, path, headers) => {
      // The owner's real batch: without a valid key it is still a 401, not a 404 or 200.
      const error = await errorOf(await api(path.replace("{id}", published), { method, headers, key: null }), 401);
      expect(error.code).toBe("unauthorized");
      expect(error.message).toContain("Authorization");
    },
  );

  it("accepts the same key with a lower-case scheme", async () => {
    const response = await api("/v1/batches", { headers: { authorization: `bearer ${KEY_A}` }, key: null });
    expect(response.status).toBe(200);
  });

  it("serves /health, /openapi.json and /docs without a key", async () => {
    const health = await api("/health", { key: null });
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ ok: true });

    const openapi = await api("/openapi.json", { key: null });
    expect(openapi.status).toBe(200);
    const document = await json<OpenApiDocument>(openapi);
    expect(Object.keys(document.paths)).toContain("/v1/batches");

    const docs = await api("/docs", { key: null });
    expect(docs.status).toBe(200);
    expect(docs.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await docs.text();
    expect(html).toContain("POST /v1/batches");
    expect(html).toContain("/v1/batches/{id}/download");
  });
});

describe("tenant isolation", () => {
  const reads: [string, string, string][] = [
    ["status", "GET", ""],
    ["results", "GET", "/results"],
    ["errors", "GET", "/errors"],
    ["manifest", "GET", "/manifest"],
    ["download", "GET", "/download"],
    ["cancel", "POST", "/cancel"],
  ];

  it.each(reads)("gives tenant B a 404, not a 403, for tenant A's batch: %s", async (_name, method, suffix) => {
    const error = await errorOf(await api(`/v1/batches/${published}${suffix}`, { method, key: KEY_B }), 404);
    expect(error.code).toBe("not_found");
    // The same request as the owner is not a 404: the batch exists, only B cannot see it.
    const owner = await api(`/v1/batches/${published}${suffix}`, { method, key: KEY_A });
    expect(owner.status).toBe(method === "POST" ? 409 : 200);
  });

  it("leaves tenant A's running batch running when tenant B tries to cancel it", async () => {
    const created = await submit(pages(20));
    await errorOf(await api(`/v1/batches/${created.id}/cancel`, { method: "POST", key: KEY_B }), 404);
    const done = await waitForPublished(created.id);
    expect(done.status).toBe("completed");
    expect(done.counts.succeeded).toBe(20);
  });
});

describe("listing", () => {
  it("shows only the caller's batches, newest first, with working cursor paging", async () => {
    const ids: string[] = [];
    for (let n = 0; n < 3; n++) {
      ids.push((await submit(pages(1), undefined, KEY_B)).id);
      await new Promise((resolve) => setTimeout(resolve, 5)); // distinct createdAt
    }
    const [oldest, middle, newest] = ids;

    const first = await json<BatchList>(await api("/v1/batches?limit=2", { key: KEY_B }));
    expect(first.batches.map((b) => b.id)).toEqual([newest, middle]);
    expect(first.batches[0]).toMatchObject({ total: 1, createdAt: expect.any(String), status: expect.any(String) });
    expect(first.nextCursor).toEqual(expect.any(String));

    const second = await json<BatchList>(
      await api(`/v1/batches?limit=2&cursor=${encodeURIComponent(first.nextCursor ?? "")}`, { key: KEY_B }),
    );
    expect(second.batches[0]?.id).toBe(oldest);
    expect(second.batches.map((b) => b.id)).not.toContain(newest);

    const everythingB = await listAll(KEY_B);
    const times = everythingB.map((b) => b.createdAt);
    expect(times).toEqual([...times].sort().reverse());
    expect(new Set(everythingB.map((b) => b.id)).size).toBe(everythingB.length);
    expect(everythingB.map((b) => b.id)).not.toContain(published);

    const everythingA = (await listAll(KEY_A)).map((b) => b.id);
    expect(everythingA).toContain(published);
    for (const id of ids) expect(everythingA).not.toContain(id);
  });
});

describe("idempotency", () => {
  it("returns the same batch for the same Idempotency-Key, and a different one to another tenant", async () => {
    const key = unique("idem");
    const body = JSON.stringify({ urls: pages(2) });
    const post = (apiKey: string) =>
      api("/v1/batches", {
        method: "POST",
        key: apiKey,
        headers: { "content-type": "application/json", "idempotency-key": key },
        body,
      });

    const first = await post(KEY_A);
    expect(first.status).toBe(202);
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    const original = await json<BatchBody & { replayed: boolean }>(first);
    expect(original.replayed).toBe(false);

    const again = await post(KEY_A);
    expect(again.status).toBe(202);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    const replay = await json<BatchBody & { replayed: boolean }>(again);
    expect(replay).toMatchObject({ id: original.id, replayed: true, accepted: 2, duplicates: 0 });
    expect(replay.counts.total).toBe(2);

    const other = await post(KEY_B);
    expect(other.status).toBe(202);
    expect(other.headers.get("idempotent-replayed")).toBeNull();
    const theirs = await json<BatchBody & { replayed: boolean }>(other);
    expect(theirs.replayed).toBe(false);
    expect(theirs.id).not.toBe(original.id);
    // Each tenant sees its own batch and only its own.
    expect((await api(`/v1/batches/${theirs.id}`, { key: KEY_B })).status).toBe(200);
    expect((await api(`/v1/batches/${theirs.id}`, { key: KEY_A })).status).toBe(404);
  });
});

describe("an upload that stops mid-way", () => {
  // The coordinator an Idempotency-Key names, as the API opens it, to hold an upload open.
  const keyed = (key: string) => env.BATCH.get(env.BATCH.idFromName(`idempotency:tenant-a:${key}`));
  const post = (key: string, urls: string[]) =>
    api("/v1/batches", {
      method: "POST",
      headers: { "content-type": "text/plain", "idempotency-key": key },
      body: urls.join("\n"),
    });

  it("keeps its key while it is live, and gives it to the next request once it has been silent (a crash)", async () => {
    const key = unique("stalled");
    const stub = keyed(key);
    const begun = await stub.begin({
      batchId: stub.id.toString(),
      tenant: "tenant-a",
      options: BatchOptions.parse({}),
      chunkSize: 5,
    });
    if (!begun.created) throw new Error("expected a new upload");
    expect(await stub.append(begun.token, [toIngestRow(pages(1)[0] ?? "", { origins: new Set([ORIGIN]) })])).toEqual({
      accepted: 1,
      invalid: 0,
      duplicates: 0,
    });

    const live = await post(key, pages(3));
    expect(live.status).toBe(409);
    expect((await json<ErrorResponse>(live)).error.code).toBe("idempotency_in_progress");

    // The uploading process died: nothing is appended for longer than the live window.
    const shiftBack = shiftClock(INGEST_LIVE_MS + 1000);
    try {
      const retried = await post(key, pages(3));
      expect(retried.status, await retried.clone().text()).toBe(202);
      const batch = await json<BatchBody & { replayed: boolean }>(retried);
      expect(batch).toMatchObject({ id: stub.id.toString(), replayed: false, accepted: 3 });
      expect((await waitForPublished(batch.id)).counts).toMatchObject({ total: 3, succeeded: 3 });

      // The stalled upload, should it wake up, owns nothing any more.
      expect(await stub.append(begun.token, [])).toBeNull();
      expect(await stub.seal(begun.token)).toBeNull();
      expect((await json<BatchBody>(await api(`/v1/batches/${batch.id}`))).counts.total).toBe(3);
    } finally {
      shiftBack();
    }
  });
});

describe("streamed URL lists", () => {
  it("accepts NDJSON mixing strings and {url, id} with blank lines, options from the query", async () => {
    const [one, two, three] = pages(3);
    const lines = [
      JSON.stringify(one),
      "",
      JSON.stringify({ url: two, id: "second" }),
      "   ",
      JSON.stringify(`${one}#again`), // a duplicate once normalised
      JSON.stringify("ftp://example.com/file"), // refused, still counted
      JSON.stringify({ url: three }),
    ];
    const options = { formats: ["markdown", "text"], maxAttempts: 2 };
    const response = await api(`/v1/batches?options=${encodeURIComponent(JSON.stringify(options))}`, {
      method: "POST",
      headers: { "content-type": "application/x-ndjson; charset=utf-8" },
      body: `${lines.join("\n")}\n`,
    });
    expect(response.status, await response.clone().text()).toBe(202);
    const created = await json<BatchBody>(response);
    expect(created.counts.total).toBe(5);
    expect(created.accepted).toBe(3);
    expect(created.duplicates).toBe(1);
    expect(created.invalid?.count).toBe(1);
    expect(created.invalid?.samples).toEqual([expect.objectContaining({ index: 3, code: "invalid_url" })]);

    await waitForPublished(created.id);
    const manifest = Manifest.parse(await (await api(`/v1/batches/${created.id}/manifest`)).json());
    expect(manifest.options).toMatchObject(options);
    const records = await download(created.id);
    expect(records.map((r) => r.status)).toEqual(["succeeded", "succeeded", "skipped", "skipped", "succeeded"]);
    expect(records[1]?.id).toBe("second");
    expect(records[0]?.text).toEqual(expect.any(String));
    expect(records[0]?.html).toBeUndefined();
  });

  it("accepts text/plain with # comments, surrounding spaces and no final newline", async () => {
    const [one, two, three] = pages(3);
    const body = `# exported list\n${one}\n\n   ${two}   \n# done with two\n${three}`;
    const response = await api(`/v1/batches?options=${encodeURIComponent('{"formats":["links"]}')}`, {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body,
    });
    expect(response.status, await response.clone().text()).toBe(202);
    const created = await json<BatchBody>(response);
    expect(created.counts.total).toBe(3);
    expect(created.accepted).toBe(3);
    expect(created.invalid?.count).toBe(0);

    await waitForPublished(created.id);
    const manifest = Manifest.parse(await (await api(`/v1/batches/${created.id}/manifest`)).json());
    expect(manifest.options.formats).toEqual(["links"]);
    const records = await download(created.id);
    expect(records.map((r) => r.url)).toEqual([one, two, three]);
    expect(records[0]?.links).toEqual(expect.any(Array));
  });
});

describe("readiness and lifecycle", () => {
  it("answers manifest and download with 409 not_ready until the batch publishes", async () => {
    const created = await submit(pages(60));
    const status = await json<BatchBody>(await api(`/v1/batches/${created.id}`));
    expect(status.published).toBe(false);
    expect(status.links.download).toBeNull();
    for (const suffix of ["/manifest", "/download"]) {
      const error = await errorOf(await api(`/v1/batches/${created.id}${suffix}`), 409);
      expect(error.code).toBe("not_ready");
    }
    const done = await waitForPublished(created.id);
    expect(done.links.download).toBe(`/v1/batches/${created.id}/download`);
    expect((await api(`/v1/batches/${created.id}/manifest`)).status).toBe(200);
  });

  it("refuses to cancel a completed batch with 409 and leaves it completed", async () => {
    const error = await errorOf(await api(`/v1/batches/${published}/cancel`, { method: "POST" }), 409);
    expect(error.code).toBe("already_completed");
    const after = await json<BatchBody>(await api(`/v1/batches/${published}`));
    expect(after.status).toBe("completed");
    expect(after.counts).toMatchObject({ total: 3, succeeded: 3, pending: 0 });
  });
});

describe("the OpenAPI document", () => {
  const expected: Record<string, string[]> = {
    "/v1/batches": ["get", "post"],
    "/v1/batches/{id}": ["delete", "get"],
    "/v1/batches/{id}/cancel": ["post"],
    "/v1/batches/{id}/retry": ["post"],
    "/v1/batches/{id}/reextract": ["post"],
    "/v1/batches/{id}/results": ["get"],
    "/v1/batches/{id}/errors": ["get"],
    "/v1/batches/{id}/hosts": ["get"],
    "/v1/batches/{id}/manifest": ["get"],
    "/v1/batches/{id}/download": ["get"],
    "/v1/batches/{id}/webhooks": ["get"],
    "/v1/batches/{id}/events": ["get"],
    "/v1/downloads/{id}": ["get"],
    "/v1/webhook-secret": ["get"],
    "/v1/webhook-secret/rotate": ["post"],
    "/v1/schedules": ["get"],
    "/v1/schedules/{id}": ["delete", "get"],
    "/v1/schedules/{id}/pause": ["post"],
    "/v1/schedules/{id}/resume": ["post"],
    "/v1/schedules/{id}/runs": ["get"],
    // Firecrawl compatibility (api/firecrawl/): views over the same batches.
    "/v1/batch/scrape": ["post"],
    "/v2/batch/scrape": ["post"],
    "/v1/batch/scrape/{id}": ["delete", "get"],
    "/v2/batch/scrape/{id}": ["delete", "get"],
    "/v1/crawl/{id}": ["delete", "get"],
    "/v1/batch/scrape/{id}/errors": ["delete", "get"],
    "/v1/crawl/{id}/errors": ["delete", "get"],
    "/v2/batch/scrape/{id}/errors": ["get"],
    "/v1/scrape": ["post"],
    "/v2/scrape": ["post"],
    "/v1/crawl": ["post"],
    "/v2/crawl": ["post"],
    "/v2/crawl/{id}": ["delete", "get"],
    "/v2/crawl/{id}/errors": ["get"],
    "/v1/map": ["post"],
    "/v2/map": ["post"],
  };

  it("documents exactly the API's routes, each with bearer security except the signed download", async () => {
    const document = await json<OpenApiDocument>(await api("/openapi.json", { key: null }));
    const documented = Object.fromEntries(
      Object.entries(document.paths).map(([path, methods]) => [path, Object.keys(methods).sort()]),
    );
    expect(documented).toEqual(expected);
    for (const [path, methods] of Object.entries(document.paths)) {
      for (const operation of Object.values(methods)) {
        if (path.startsWith("/v1/downloads/")) expect(operation.security).toBeUndefined();
        else expect(operation.security).toEqual([{ bearer: [] }]);
      }
    }
  });

  it("answers every documented route but the signed download 401 without a key", async () => {
    const document = await json<OpenApiDocument>(await api("/openapi.json", { key: null }));
    for (const [path, methods] of Object.entries(document.paths)) {
      if (path.startsWith("/v1/downloads/")) continue;
      for (const method of Object.keys(methods)) {
        const response = await api(path.replace("{id}", published), { method: method.toUpperCase(), key: null });
        expect(response.status, `${method} ${path}`).toBe(401);
      }
    }
  });

  it("documents the delivery fields: webhook, validate, retentionDays, the download formats, expiresAt, retryOf", async () => {
    const document = await json<{ components: { schemas: Record<string, unknown> }; paths: Record<string, unknown> }>(
      await api("/openapi.json", { key: null }),
    );
    const create = JSON.stringify(document.components.schemas.CreateBatch);
    for (const field of ["webhook", "validate", "retentionDays", "requireSelectors", "minWords", "batch.page"]) {
      expect(create, field).toContain(`"${field}"`);
    }
    const batch = JSON.stringify(document.components.schemas.Batch);
    for (const field of ["expiresAt", "retryOf", "expired"]) expect(batch, field).toContain(`"${field}"`);
    for (const field of ["cron", "timeZone", "window", "lateThreshold"]) expect(create, field).toContain(`"${field}"`);
    expect(batch).toContain('"previousBatch"');
    expect(batch).toContain('"#/components/schemas/Sla"');
    const sla = JSON.stringify(document.components.schemas.Sla);
    for (const field of ["deadline", "projectedFinish", "margin", "requiredConcurrency"]) {
      expect(sla, field).toContain(`"${field}"`);
    }
    const download = JSON.stringify(document.paths["/v1/batches/{id}/download"]);
    for (const value of ["ndjson.gz", "parquet", "merge"]) expect(download, value).toContain(value);
    const signed = JSON.stringify(document.paths["/v1/downloads/{id}"]);
    expect(signed).toContain("application/vnd.apache.parquet");
    expect(signed).toContain("application/gzip");
  });

  it("has a live route behind every documented operation, answering a documented status", async () => {
    const document = await json<OpenApiDocument>(await api("/openapi.json", { key: null }));
    for (const [path, methods] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        // A bodiless request: each route answers it (validation, 409, 200…), never "no route".
        const response = await exports.default.fetch(
          new Request(`http://trawl.test${path.replace("{id}", published)}`, {
            method: method.toUpperCase(),
            headers: { authorization: `Bearer ${KEY_A}` },
          }),
        );
        const text = await response.text();
        const label = `${method.toUpperCase()} ${path} → ${response.status} ${text.slice(0, 200)}`;
        expect(text, label).not.toContain("no route for");
        expect(Object.keys(operation.responses), label).toContain(String(response.status));
      }
    }
  });
});
