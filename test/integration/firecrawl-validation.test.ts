// The Firecrawl-compatible routes refuse what Trawl cannot do by name (never a silent
// ignore), accept what asks for nothing, and answer every error in Firecrawl's shape
// (`success: false`, `error` a message) with Trawl's code and details.
import { describe, expect, it } from "vitest";
import type { FirecrawlError } from "../support/api-types";
import { api, json, ORIGIN } from "./helpers";

const PAGE = () => `${ORIGIN}/pages/1.html`;

function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  return api(path, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
}

async function expectRefused(response: Response, status: number, field: string, words?: RegExp) {
  const body = await json<FirecrawlError>(response);
  expect(response.status, JSON.stringify(body)).toBe(status);
  expect(body.success).toBe(false);
  expect(typeof body.error).toBe("string");
  expect(body.error).toContain(field);
  expect(body.details.map((d) => d.field)).toContain(field);
  if (words) expect(body.error).toMatch(words);
  return body;
}

const refusedBatchOptions: [string, Record<string, unknown>, string, RegExp?][] = [
  ["browser actions", { actions: [{ type: "wait", milliseconds: 100 }] }, "actions", /browser/],
  ["a screenshot format", { formats: ["markdown", "screenshot"] }, "formats[1]", /screenshot/],
  ["a JSON (LLM) format object", { formats: [{ type: "json", prompt: "the price" }] }, "formats[0]", /json/],
  ["the raw HTML format", { formats: ["rawHtml"] }, "formats[0]", /rawHtml/],
  ["a summary format", { formats: ["summary"] }, "formats[0]", /summary/],
  ["waiting for scripts", { waitFor: 1000 }, "waitFor", /browser/],
  ["mobile emulation", { mobile: true }, "mobile"],
  ["a location", { location: { country: "DE" } }, "location"],
  ["a stealth proxy", { proxy: "stealth" }, "proxy"],
  ["custom headers", { headers: { cookie: "a=b" } }, "headers"],
  ["v1 LLM extraction", { extract: { prompt: "the price" } }, "extract", /LLM/],
  ["v1 JSON options", { jsonOptions: { prompt: "the price" } }, "jsonOptions", /LLM/],
  ["PDF parsers", { parsers: ["pdf"] }, "parsers", /PDF/],
  ["zero data retention", { zeroDataRetention: true }, "zeroDataRetention"],
  ["appending to another batch", { appendToId: "abc" }, "appendToId"],
  ["keeping base64 images", { removeBase64Images: false }, "removeBase64Images"],
];

describe("Firecrawl batch scrape: request validation", () => {
  for (const [name, options, field, words] of refusedBatchOptions) {
    it(`refuses ${name} with a 400 naming ${field}`, async () => {
      for (const version of ["v1", "v2"]) {
        const body = await expectRefused(
          await post(`/${version}/batch/scrape`, { urls: [PAGE()], ...options }),
          400,
          field,
          words,
        );
        expect(body.code).toBe("unsupported_option");
      }
    });
  }

  it("names every unsupported option of one request, not just the first", async () => {
    const body = await expectRefused(
      await post("/v2/batch/scrape", { urls: [PAGE()], actions: [{ type: "click" }], formats: ["screenshot"] }),
      400,
      "actions",
    );
    expect(body.details.map((d) => d.field)).toEqual(["actions", "formats[0]"]);
    expect(body.error).toContain("formats[0]");
  });

  it("refuses an option it does not know at all, naming it", async () => {
    await expectRefused(
      await post("/v2/batch/scrape", { urls: [PAGE()], crawlEntireWeb: true }),
      400,
      "crawlEntireWeb",
      /unknown field/,
    );
  });

  it("refuses an invalid URL unless ignoreInvalidURLs is set, naming its position", async () => {
    await expectRefused(
      await post("/v2/batch/scrape", { urls: [PAGE(), "not a url"] }),
      400,
      "urls[1]",
      /ignoreInvalidURLs/,
    );
  });

  it("refuses a list whose every URL is invalid even with ignoreInvalidURLs", async () => {
    await expectRefused(await post("/v2/batch/scrape", { urls: ["nope"], ignoreInvalidURLs: true }), 400, "urls");
  });

  it("refuses an empty list and a missing one", async () => {
    await expectRefused(await post("/v2/batch/scrape", { urls: [] }), 400, "urls");
    await expectRefused(await post("/v1/batch/scrape", {}), 400, "urls");
  });

  it("accepts origin, integration, maxConcurrency and options that ask for nothing Trawl does not do", async () => {
    const response = await post("/v2/batch/scrape", {
      urls: [PAGE()],
      origin: "js-sdk@4.42.0",
      integration: "my-pipeline",
      maxConcurrency: 2,
      formats: [{ type: "markdown" }, "html", "links"],
      onlyMainContent: false,
      includeTags: ["article"],
      excludeTags: [".ads"],
      blockAds: true,
      maxAge: 0,
      storeInCache: false,
      proxy: "basic",
      removeBase64Images: true,
      actions: [],
      mobile: false,
      waitFor: 0,
    });
    const body = await json<{ success: boolean; id: string; url: string }>(response);
    expect(response.status, JSON.stringify(body)).toBe(200);
    expect(body.success).toBe(true);
    expect(body.url).toBe(`http://trawl.test/v2/batch/scrape/${body.id}`);
    // The same batch is a Trawl batch, with the options mapped onto Trawl's.
    const trawl = await api(`/v1/batches/${body.id}`);
    expect(trawl.status).toBe(200);
  });

  it("accepts the SDKs' own defaults (skipTlsVerification, timeout) and says in `warning` that TLS is verified", async () => {
    for (const version of ["v1", "v2"]) {
      const response = await post(`/${version}/batch/scrape`, {
        urls: [PAGE()],
        skipTlsVerification: true,
        timeout: 30000,
        maxAge: 14400000,
        storeInCache: true,
        blockAds: true,
        fastMode: false,
      });
      const body = await json<{ success: boolean; id: string; warning?: string }>(response);
      expect(response.status, JSON.stringify(body)).toBe(200);
      expect(body.warning).toMatch(/skipTlsVerification: TLS is always verified/);
    }
  });

  it("accepts a Firecrawl webhook, and refuses one the address policy or Trawl's header rules refuse", async () => {
    const ok = await post("/v2/batch/scrape", { urls: [PAGE()], webhook: { url: `${ORIGIN}/hooks/x` } });
    expect(ok.status, JSON.stringify(await ok.clone().json())).toBe(200);
    await expectRefused(
      await post("/v2/batch/scrape", { urls: [PAGE()], webhook: "http://169.254.169.254/hook" }),
      400,
      "webhook.url",
      /blocked_address/,
    );
    await expectRefused(
      await post("/v2/batch/scrape", {
        urls: [PAGE()],
        webhook: { url: `${ORIGIN}/hooks/x`, headers: { "x-firecrawl-signature": "forged" } },
      }),
      400,
      "webhook.headers.x-firecrawl-signature",
    );
  });

  it("lists invalid URLs in invalidURLs when asked to ignore them", async () => {
    const response = await post("/v1/batch/scrape", { urls: ["ftp://x.example/", PAGE()], ignoreInvalidURLs: true });
    const body = await json<{ success: boolean; invalidURLs: string[] }>(response);
    expect(response.status).toBe(200);
    expect(body.invalidURLs).toEqual(["ftp://x.example/"]);
  });
});

describe("Firecrawl scrape: request validation", () => {
  it("refuses browser-only options by name", async () => {
    for (const version of ["v1", "v2"]) {
      await expectRefused(await post(`/${version}/scrape`, { url: PAGE(), waitFor: 500 }), 400, "waitFor");
      await expectRefused(
        await post(`/${version}/scrape`, { url: PAGE(), formats: [{ type: "screenshot", fullPage: true }] }),
        400,
        "formats[0]",
      );
    }
  });

  it("refuses a URL that is not http(s), and a blocked address, before fetching", async () => {
    await expectRefused(await post("/v2/scrape", { url: "file:///etc/passwd" }), 400, "url");
    const blocked = await expectRefused(await post("/v2/scrape", { url: "http://169.254.169.254/latest" }), 403, "url");
    expect(blocked.code).toBe("blocked_address");
  });
});

describe("Firecrawl routes: errors in Firecrawl's shape", () => {
  it("answers a missing or wrong key with 401 and a message string", async () => {
    const missing = await api("/v2/batch/scrape", {
      key: null,
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ urls: [PAGE()] }),
    });
    const wrong = await api(`/v1/crawl/${"0".repeat(64)}`, { key: "wrong" });
    for (const response of [missing, wrong]) {
      expect(response.status).toBe(401);
      const body = await json<FirecrawlError>(response);
      expect(body).toMatchObject({ success: false, code: "unauthorized" });
      expect(body.error).toMatch(/^Authorization: /);
    }
  });

  it("answers an unknown batch with 404, and malformed JSON with 400", async () => {
    const unknown = await json<FirecrawlError>(await api(`/v2/batch/scrape/${"0".repeat(64)}`));
    expect(unknown).toMatchObject({ success: false, code: "not_found" });
    const malformed = await api("/v2/batch/scrape", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"urls": [',
    });
    expect(malformed.status).toBe(400);
    expect(await json(malformed)).toMatchObject({ success: false, code: "invalid_request" });
  });

  it("says which Firecrawl endpoints Trawl does not implement, in Firecrawl's shape", async () => {
    for (const path of ["/v1/search", "/v2/search", "/v2/extract", "/v1/agent"]) {
      const response = await post(path, { url: PAGE() });
      const body = await json<FirecrawlError>(response);
      expect(response.status, path).toBe(404);
      expect(body, path).toMatchObject({ success: false, code: "not_found" });
      expect(body.error, path).toMatch(/implements Firecrawl's scrape, batch scrape, crawl and map/);
    }
  });

  it("keeps Trawl's own error shape on Trawl's routes", async () => {
    const response = await api(`/v1/batches/${"0".repeat(64)}`);
    expect(await json(response)).toEqual({ error: { code: "not_found", message: "batch not found", details: [] } });
  });

  it("documents the Firecrawl routes in /openapi.json beside Trawl's own", async () => {
    const doc = await json<{ paths: Record<string, Record<string, unknown>> }>(
      await api("/openapi.json", { key: null }),
    );
    expect(Object.keys(doc.paths["/v2/batch/scrape/{id}"] ?? {}).sort()).toEqual(["delete", "get"]);
    expect(Object.keys(doc.paths["/v1/crawl/{id}/errors"] ?? {}).sort()).toEqual(["delete", "get"]);
    expect(doc.paths["/v1/scrape"]).toHaveProperty("post");
    expect(doc.paths["/v1/batches"]).toHaveProperty("post");
  });
});
