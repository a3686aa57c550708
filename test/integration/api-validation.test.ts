// Bad input gets a clear error (DESIGN invariant 8): every malformed request below is
// answered with a 4xx, never a 5xx, in the one JSON error shape, naming the field.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { r2Keys } from "../../lib/r2-keys";
import { signObject } from "../../lib/signing";
import type { ErrorResponse } from "../support/api-types";
import { api, json, KEY_A, ORIGIN, submit, unique, waitForPublished } from "./helpers";

interface Bad {
  name: string;
  method?: string;
  /** A path, or one built from the id of a real, published batch of tenant A. */
  path: string | ((id: string) => string);
  headers?: Record<string, string>;
  body?: BodyInit | (() => BodyInit);
  status: number;
  /** The field the message or details must name; null where there is no field (404s). */
  field: string | null;
  code?: string;
}

const JSON_TYPE = { "content-type": "application/json" };
const NDJSON = { "content-type": "application/x-ndjson" };
const TEXT = { "content-type": "text/plain" };
const GOOD_URL = "https://example.com/a";
const LONG_URL = `https://example.com/${"a".repeat(8193 - "https://example.com/".length)}`;
const UNKNOWN_ID = "0".repeat(64);

const create = (body: unknown): Pick<Bad, "method" | "path" | "headers" | "body"> => ({
  method: "POST",
  path: "/v1/batches",
  headers: JSON_TYPE,
  body: JSON.stringify(body),
});
const withOptions = (options: unknown) => create({ urls: [GOOD_URL], options });
const streamed = (headers: Record<string, string>, body: string, query = "") => ({
  method: "POST",
  path: `/v1/batches${query}`,
  headers,
  body,
});
const idempotent = (key: string) => ({
  ...create({ urls: [GOOD_URL] }),
  headers: { ...JSON_TYPE, "idempotency-key": key },
});

const bodyCases: Bad[] = [
  { name: "malformed JSON", ...create(""), body: '{"urls": [', status: 400, field: "body" },
  { name: "a JSON array instead of an object", ...create([GOOD_URL]), status: 400, field: "body" },
  { name: "a POST with no Content-Type and no body", method: "POST", path: "/v1/batches", status: 400, field: "body" },
  {
    name: "a body with no Content-Type",
    method: "POST",
    path: "/v1/batches",
    body: () => new TextEncoder().encode("{}"),
    status: 415,
    field: "Content-Type",
  },
  { name: "missing urls", ...create({}), status: 400, field: "urls" },
  { name: "urls null", ...create({ urls: null }), status: 400, field: "urls" },
  { name: "urls a string, not an array", ...create({ urls: GOOD_URL }), status: 400, field: "urls" },
  { name: "an empty urls list", ...create({ urls: [] }), status: 400, field: "urls" },
  { name: "a url that is a number", ...create({ urls: [GOOD_URL, 42] }), status: 400, field: "urls[1]" },
  {
    name: "a url object with a numeric id",
    ...create({ urls: [{ url: GOOD_URL, id: 7 }] }),
    status: 400,
    field: "urls[0]",
  },
  {
    name: "a url object with an empty id",
    ...create({ urls: [{ url: GOOD_URL, id: "" }] }),
    status: 400,
    field: "urls[0]",
  },
  {
    name: "a url object with a 257-character id",
    ...create({ urls: [{ url: GOOD_URL, id: "i".repeat(257) }] }),
    status: 400,
    field: "urls[0]",
  },
  { name: "a url object without url", ...create({ urls: [{ id: "x" }] }), status: 400, field: "urls[0]" },
  {
    name: "a url object with an unknown key",
    ...create({ urls: [{ url: GOOD_URL, priority: 1 }] }),
    status: 400,
    field: "priority",
  },
  { name: "an 8193-character URL in JSON", ...create({ urls: [LONG_URL] }), status: 400, field: "urls[0]" },
  {
    name: "an 8193-character URL in a url object",
    ...create({ urls: [{ url: LONG_URL }] }),
    status: 400,
    field: "urls[0].url",
  },
  {
    name: "an unknown top-level field",
    ...create({ urls: [GOOD_URL], webhook: "https://x" }),
    status: 400,
    field: "webhook",
  },
  { name: "options a string", ...withOptions("fast"), status: 400, field: "options" },
  { name: "options an array", ...withOptions([]), status: 400, field: "options" },
  { name: "an unknown option", ...withOptions({ screenshot: true }), status: 400, field: "screenshot" },
  {
    name: "chunking with a maxTokens too small",
    ...withOptions({ chunking: { maxTokens: 8 } }),
    status: 400,
    field: "options.chunking.maxTokens",
  },
  {
    name: "chunking with an unknown tokenizer",
    ...withOptions({ chunking: { tokenizer: "bert" } }),
    status: 400,
    field: "options.chunking.tokenizer",
  },
  {
    name: "chunking with an overlap over half the chunk",
    ...withOptions({ chunking: { maxTokens: 100, overlapTokens: 60 } }),
    status: 400,
    field: "options.chunking.overlapTokens",
  },
  { name: "an unknown format", ...withOptions({ formats: ["pdf"] }), status: 400, field: "options.formats[0]" },
  { name: "no formats", ...withOptions({ formats: [] }), status: 400, field: "options.formats" },
  { name: "formats a string", ...withOptions({ formats: "markdown" }), status: 400, field: "options.formats" },
  { name: "maxAttempts 0", ...withOptions({ maxAttempts: 0 }), status: 400, field: "options.maxAttempts" },
  { name: "maxAttempts 11", ...withOptions({ maxAttempts: 11 }), status: 400, field: "options.maxAttempts" },
  { name: "maxAttempts 1.5", ...withOptions({ maxAttempts: 1.5 }), status: 400, field: "options.maxAttempts" },
  { name: "maxAttempts a string", ...withOptions({ maxAttempts: "3" }), status: 400, field: "options.maxAttempts" },
  {
    name: "an empty include selector",
    ...withOptions({ includeSelectors: [""] }),
    status: 400,
    field: "options.includeSelectors[0]",
  },
  {
    name: "an empty exclude selector",
    ...withOptions({ excludeSelectors: ["nav", ""] }),
    status: 400,
    field: "options.excludeSelectors[1]",
  },
  {
    name: "selectors a string",
    ...withOptions({ excludeSelectors: "nav" }),
    status: 400,
    field: "options.excludeSelectors",
  },
  {
    name: "onlyMainContent a string",
    ...withOptions({ onlyMainContent: "yes" }),
    status: 400,
    field: "options.onlyMainContent",
  },
  { name: "respectRobots null", ...withOptions({ respectRobots: null }), status: 400, field: "options.respectRobots" },
  {
    name: "a JSON body over 10 MB",
    ...create(""),
    body: () =>
      JSON.stringify({ urls: Array.from({ length: 11 * 1024 }, () => `https://example.com/${"x".repeat(1024)}`) }),
    status: 413,
    field: "body",
    code: "body_too_large",
  },
  {
    name: "a JSON body over 10 MB sent as APPLICATION/JSON",
    ...create(""),
    headers: { "content-type": "APPLICATION/JSON" },
    body: () => `{"urls":["${"x".repeat(10 * 1024 * 1024 + 1)}"]}`,
    status: 413,
    field: "body",
  },
  {
    name: "an XML body",
    ...create(""),
    headers: { "content-type": "application/xml" },
    body: "<urls/>",
    status: 415,
    field: "Content-Type",
  },
  {
    name: "a form body",
    ...create(""),
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: "urls=x",
    status: 415,
    field: "Content-Type",
  },
  {
    name: "a +json type the list reader cannot stream",
    ...create({ urls: [GOOD_URL] }),
    headers: { "content-type": "application/vnd.api+json" },
    status: 415,
    field: "Content-Type",
  },
];

const streamedCases: Bad[] = [
  { name: "an empty NDJSON body", ...streamed(NDJSON, ""), status: 400, field: "urls" },
  { name: "an NDJSON body of blank lines", ...streamed(NDJSON, "\n  \n\n"), status: 400, field: "urls" },
  { name: "an empty text body", ...streamed(TEXT, ""), status: 400, field: "urls" },
  { name: "a text body of comments only", ...streamed(TEXT, "# nothing\n# here\n"), status: 400, field: "urls" },
  {
    name: "an NDJSON line that is not JSON",
    ...streamed(NDJSON, `"${GOOD_URL}"\n{nope\n`),
    status: 400,
    field: "body line 2",
  },
  { name: "an NDJSON line that is a number", ...streamed(NDJSON, "42\n"), status: 400, field: "body line 1" },
  {
    name: "an NDJSON object with an unknown key",
    ...streamed(NDJSON, `"${GOOD_URL}"\n\n{"url":"${GOOD_URL}","tag":1}\n`),
    status: 400,
    field: "body line 3",
  },
  {
    name: "an 8193-character URL in NDJSON",
    ...streamed(NDJSON, `${JSON.stringify(LONG_URL)}\n`),
    status: 400,
    field: "body line 1",
  },
  {
    name: "an 8193-character URL in text",
    ...streamed(TEXT, `# list\n${LONG_URL}\n`),
    status: 400,
    field: "body line 2",
  },
  {
    name: "a 20,000-character text line with no newline",
    ...streamed(TEXT, `https://example.com/${"a".repeat(20_000)}`),
    status: 400,
    field: "body line 1",
  },
  {
    name: "an options query that is not JSON",
    ...streamed(NDJSON, `"${GOOD_URL}"\n`, "?options=%7Bnope"),
    status: 400,
    field: "options",
  },
  {
    name: "an options query of the wrong type",
    ...streamed(TEXT, `${GOOD_URL}\n`, `?options=${encodeURIComponent('{"maxAttempts":"x"}')}`),
    status: 400,
    field: "options.maxAttempts",
  },
  {
    name: "an options query that is an array",
    ...streamed(TEXT, `${GOOD_URL}\n`, "?options=%5B%5D"),
    status: 400,
    field: "options",
  },
  {
    name: "an options query with an unknown key",
    ...streamed(NDJSON, `"${GOOD_URL}"\n`, `?options=${encodeURIComponent('{"depth":2}')}`),
    status: 400,
    field: "depth",
  },
];

const idempotencyCases: Bad[] = [
  { name: "a blank Idempotency-Key", ...idempotent("   "), status: 400, field: "Idempotency-Key" },
  { name: "a 256-character Idempotency-Key", ...idempotent("k".repeat(256)), status: 400, field: "Idempotency-Key" },
  { name: "an Idempotency-Key with a space", ...idempotent("order 42"), status: 400, field: "Idempotency-Key" },
  { name: "a non-ASCII Idempotency-Key", ...idempotent("clé-42"), status: 400, field: "Idempotency-Key" },
];

const idRoutes: [string, string, (id: string) => string][] = [
  ["status", "GET", (id) => `/v1/batches/${id}`],
  ["results", "GET", (id) => `/v1/batches/${id}/results`],
  ["errors", "GET", (id) => `/v1/batches/${id}/errors`],
  ["manifest", "GET", (id) => `/v1/batches/${id}/manifest`],
  ["download", "GET", (id) => `/v1/batches/${id}/download`],
  ["cancel", "POST", (id) => `/v1/batches/${id}/cancel`],
  ["signed download", "GET", (id) => `/v1/downloads/${id}?expires=4102444800&signature=${"a".repeat(64)}`],
];
const badIds: [string, string][] = [
  ["too short", "abc123"],
  ["upper-case", "A".repeat(64)],
  ["not hex", "g".repeat(64)],
  ["65 characters", "a".repeat(65)],
];
const idCases: Bad[] = idRoutes.flatMap(([route, method, path]) => [
  ...badIds.map(
    ([what, id]): Bad => ({ name: `${route} with a ${what} id`, method, path: path(id), status: 400, field: "id" }),
  ),
  // Signed downloads check the signature first: an unknown id there is a 403, tested below.
  ...(route === "signed download"
    ? []
    : [
        {
          name: `${route} with a well-formed unknown id`,
          method,
          path: path(UNKNOWN_ID),
          status: 404,
          field: null,
          code: "not_found",
        },
      ]),
]);

const pagingCases: Bad[] = [
  { name: "list limit 0", path: "/v1/batches?limit=0", status: 400, field: "limit" },
  { name: "list limit 101", path: "/v1/batches?limit=101", status: 400, field: "limit" },
  { name: "list limit -1", path: "/v1/batches?limit=-1", status: 400, field: "limit" },
  { name: "list limit abc", path: "/v1/batches?limit=abc", status: 400, field: "limit" },
  { name: "list limit 2.5", path: "/v1/batches?limit=2.5", status: 400, field: "limit" },
  { name: "a garbage list cursor", path: "/v1/batches?cursor=!!not-ours!!", status: 400, field: "cursor" },
  {
    name: "a base64 list cursor that is not ours",
    path: `/v1/batches?cursor=${btoa('{"a":1}')}`,
    status: 400,
    field: "cursor",
  },
  { name: "a 201-character list cursor", path: `/v1/batches?cursor=${"A".repeat(201)}`, status: 400, field: "cursor" },
  { name: "results limit 0", path: (id) => `/v1/batches/${id}/results?limit=0`, status: 400, field: "limit" },
  { name: "results limit 201", path: (id) => `/v1/batches/${id}/results?limit=201`, status: 400, field: "limit" },
  { name: "results limit -1", path: (id) => `/v1/batches/${id}/results?limit=-1`, status: 400, field: "limit" },
  { name: "results limit abc", path: (id) => `/v1/batches/${id}/results?limit=abc`, status: 400, field: "limit" },
  {
    name: "a garbage results cursor",
    path: (id) => `/v1/batches/${id}/results?cursor=abc`,
    status: 400,
    field: "cursor",
  },
  {
    name: "a negative results cursor",
    path: (id) => `/v1/batches/${id}/results?cursor=-5`,
    status: 400,
    field: "cursor",
  },
  {
    name: "an unknown results status filter",
    path: (id) => `/v1/batches/${id}/results?status=done`,
    status: 400,
    field: "status",
  },
  { name: "errors limit 0", path: (id) => `/v1/batches/${id}/errors?limit=0`, status: 400, field: "limit" },
  { name: "errors limit 201", path: (id) => `/v1/batches/${id}/errors?limit=201`, status: 400, field: "limit" },
  { name: "errors limit abc", path: (id) => `/v1/batches/${id}/errors?limit=abc`, status: 400, field: "limit" },
  {
    name: "a garbage errors cursor",
    path: (id) => `/v1/batches/${id}/errors?cursor=1e3`,
    status: 400,
    field: "cursor",
  },
];

const future = 4_102_444_800; // 2100-01-01
const signedCases: Bad[] = [
  {
    name: "a signed download without expires",
    path: (id) => `/v1/downloads/${id}?signature=${"a".repeat(64)}`,
    status: 400,
    field: "expires",
  },
  {
    name: "a signed download without signature",
    path: (id) => `/v1/downloads/${id}?expires=${future}`,
    status: 400,
    field: "signature",
  },
  {
    name: "a signed download with a garbled expires",
    path: (id) => `/v1/downloads/${id}?expires=tomorrow&signature=${"a".repeat(64)}`,
    status: 400,
    field: "expires",
  },
  {
    name: "a signed download with a short signature",
    path: (id) => `/v1/downloads/${id}?expires=${future}&signature=abc`,
    status: 400,
    field: "signature",
  },
  {
    name: "a signed download with a non-hex signature",
    path: (id) => `/v1/downloads/${id}?expires=${future}&signature=${"z".repeat(64)}`,
    status: 400,
    field: "signature",
  },
  {
    name: "a signed download with a forged signature",
    path: (id) => `/v1/downloads/${id}?expires=${future}&signature=${"a".repeat(64)}`,
    status: 403,
    field: null,
    code: "bad_signature",
  },
];

const routeCases: Bad[] = [
  { name: "an unknown route", path: "/v1/nothing-here", status: 404, field: "/v1/nothing-here", code: "not_found" },
  { name: "an unknown API version", path: "/v2/batches", status: 404, field: "/v2/batches", code: "not_found" },
  {
    // DELETE is a route now (it deletes the batch); PATCH still is not.
    name: "PATCH on a batch",
    method: "PATCH",
    path: (id) => `/v1/batches/${id}`,
    status: 404,
    field: "PATCH",
    code: "not_found",
  },
  {
    name: "PUT on the batch list",
    method: "PUT",
    path: "/v1/batches",
    headers: JSON_TYPE,
    body: "{}",
    status: 404,
    field: "PUT",
    code: "not_found",
  },
  { name: "GET on cancel", path: (id) => `/v1/batches/${id}/cancel`, status: 404, field: "GET", code: "not_found" },
];

let batchId = "";

beforeAll(async () => {
  // A real, published batch of tenant A, so the id routes fail on the input, not on a missing batch.
  const created = await submit([`${ORIGIN}/pages/1.html?run=${unique("validation")}`]);
  await waitForPublished(created.id);
  batchId = created.id;
});

async function send(bad: Bad): Promise<Response> {
  const path = typeof bad.path === "function" ? bad.path(batchId) : bad.path;
  const body = typeof bad.body === "function" ? bad.body() : bad.body;
  return api(path, { method: bad.method ?? "GET", headers: bad.headers, body, key: KEY_A });
}

async function expectError(response: Response, status: number): Promise<ErrorResponse["error"]> {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  expect(response.headers.get("content-type")).toMatch(/^application\/json/);
  const body = JSON.parse(text) as ErrorResponse;
  expect(Object.keys(body)).toEqual(["error"]);
  expect(body.error).toEqual({ code: expect.any(String), message: expect.any(String), details: expect.any(Array) });
  for (const detail of body.error.details)
    expect(detail).toEqual({ field: expect.any(String), reason: expect.any(String) });
  return body.error;
}

describe.each([
  ["the create body", bodyCases],
  ["a streamed URL list", streamedCases],
  ["the Idempotency-Key", idempotencyCases],
  ["a batch id", idCases],
  ["paging", pagingCases],
  ["a signed download", signedCases],
  ["routing", routeCases],
])("%s", (_group, cases) => {
  it.each(cases.map((c) => [c.name, c] as const))("answers %s with a 4xx naming the field", async (_name, bad) => {
    expect(bad.status).toBeGreaterThanOrEqual(400);
    expect(bad.status).toBeLessThan(500);
    const error = await expectError(await send(bad), bad.status);
    if (bad.code) expect(error.code).toBe(bad.code);
    if (bad.field !== null) {
      const named =
        error.message.includes(bad.field) ||
        error.details.some((d) => d.field.includes(bad.field as string) || d.reason.includes(bad.field as string));
      expect(named, `${bad.field} not named in ${JSON.stringify(error)}`).toBe(true);
    }
    if (bad.status === 400) expect(error.details.length).toBeGreaterThan(0);
  });
});

describe("signed download links", () => {
  async function realLink(): Promise<URL> {
    const link = await json<{ url: string }>(await api(`/v1/batches/${batchId}/download`));
    return new URL(link.url);
  }

  it("accepts its own link as issued (the control for the cases below)", async () => {
    const url = await realLink();
    const response = await api(`${url.pathname}${url.search}`, { key: null });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('"index":0');
  });

  it("refuses a link whose signature was tampered with: 403 bad_signature", async () => {
    const url = await realLink();
    const signature = url.searchParams.get("signature") ?? "";
    const flipped = `${signature[0] === "0" ? "1" : "0"}${signature.slice(1)}`;
    url.searchParams.set("signature", flipped);
    const error = await expectError(await api(`${url.pathname}${url.search}`, { key: null }), 403);
    expect(error.code).toBe("bad_signature");
  });

  it("refuses a link whose expiry was pushed back: 403 bad_signature", async () => {
    const url = await realLink();
    url.searchParams.set("expires", String(Number(url.searchParams.get("expires")) + 3600));
    const error = await expectError(await api(`${url.pathname}${url.search}`, { key: null }), 403);
    expect(error.code).toBe("bad_signature");
  });

  it("refuses another batch's signature on this batch: 403 bad_signature", async () => {
    const expires = Math.floor(Date.now() / 1000) + 600;
    const signature = await signObject(env.SIGNING_SECRET, r2Keys.manifest(UNKNOWN_ID), expires);
    const error = await expectError(
      await api(`/v1/downloads/${batchId}?expires=${expires}&signature=${signature}`, { key: null }),
      403,
    );
    expect(error.code).toBe("bad_signature");
  });

  it("refuses a correctly signed link that has expired: 403 link_expired", async () => {
    const expires = Math.floor(Date.now() / 1000) - 60;
    const signature = await signObject(env.SIGNING_SECRET, r2Keys.manifest(batchId), expires);
    const error = await expectError(
      await api(`/v1/downloads/${batchId}?expires=${expires}&signature=${signature}`, { key: null }),
      403,
    );
    expect(error.code).toBe("link_expired");
  });
});
