// Every route that takes a body has a byte limit, and the 413 names it: checked for
// every operation the OpenAPI document lists, so a route added later is covered too.
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { ErrorResponse, FirecrawlError } from "../support/api-types";
import { api, json } from "./helpers";

type ErrorAnswer = ErrorResponse | FirecrawlError;

const MIB = 1024 * 1024;
/** JSON list bodies: a batch's URLs, Firecrawl's batch scrape and scrape. */
const JSON_LIST_LIMIT = 10 * MIB;
const SMALL_LIMIT = 64 * 1024;
const JSON_LIST_ROUTES = new Set([
  "post /v1/batches",
  "post /v1/scrape",
  "post /v2/scrape",
  "post /v1/batch/scrape",
  "post /v2/batch/scrape",
]);

interface Operation {
  method: string;
  path: string;
}

async function bodyOperations(): Promise<Operation[]> {
  const doc = await json<{ paths: Record<string, Record<string, unknown>> }>(
    await exports.default.fetch(new Request("http://trawl.test/openapi.json")),
  );
  return Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.keys(methods)
      .filter((m) => ["post", "put", "patch", "delete"].includes(m))
      .map((method) => ({ method, path: path.replace(/\{[^}]+\}/g, "b_00000000000000000000000000") })),
  );
}

describe("request body limits", () => {
  it("answers 413 body_too_large, naming the limit, on every operation that takes a body", async () => {
    const operations = await bodyOperations();
    expect(operations.length).toBeGreaterThanOrEqual(9);
    for (const { method, path } of operations) {
      const limit = JSON_LIST_ROUTES.has(`${method} ${path}`) ? JSON_LIST_LIMIT : SMALL_LIMIT;
      const label = `${method.toUpperCase()} ${path}`;
      const over = await api(path, {
        method: method.toUpperCase(),
        headers: { "content-type": "application/json" },
        body: `{"x":"${"x".repeat(limit)}"}`,
      });
      expect(over.status, label).toBe(413);
      const body = await json<ErrorAnswer>(over);
      const [code, message] = "success" in body ? [body.code, body.error] : [body.error.code, body.error.message];
      expect(code, label).toBe("body_too_large");
      expect(message, label).toContain(`limited to ${limit} bytes`);
      // Firecrawl's paths answer in Firecrawl's shape, as their other errors do.
      expect("success" in body, label).toBe(/^\/v[12]\/(scrape|batch\/|crawl|map)/.test(path));
    }
  });

  it("stops reading a streamed retry body at the limit instead of reading 60 MB", async () => {
    let pulled = 0;
    const chunk = new TextEncoder().encode(`{"codes":["${"x".repeat(64 * 1024 - 12)}`);
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (pulled >= 60 * MIB) return controller.close();
        pulled += chunk.byteLength;
        controller.enqueue(chunk);
      },
    });
    const response = await api("/v1/batches/b_00000000000000000000000000/retry", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
      // @ts-expect-error: workerd streams a request body without the `duplex` option Node wants
      duplex: "half",
    });
    expect(response.status).toBe(413);
    expect(pulled).toBeLessThan(MIB);
    await body.cancel().catch(() => {});
  });
});
