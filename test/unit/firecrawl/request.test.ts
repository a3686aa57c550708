import { describe, expect, it } from "vitest";
import { FirecrawlBatchRequest, refusedOptions, toBatchOptions, warningOf } from "../../../lib/firecrawl/request";

const parse = (body: unknown) => FirecrawlBatchRequest.parse({ urls: ["https://example.com/"], ...(body as object) });

describe("toBatchOptions", () => {
  it("maps Firecrawl's formats, main-content switch and tag selectors onto Trawl's options", () => {
    const options = toBatchOptions(
      parse({
        formats: ["markdown", { type: "html" }, "links", "markdown"],
        onlyMainContent: false,
        includeTags: ["article", ".post"],
        excludeTags: ["#comments"],
      }),
    );
    expect(options).toMatchObject({
      formats: ["markdown", "html", "links"],
      onlyMainContent: false,
      includeSelectors: ["article", ".post"],
      excludeSelectors: ["#comments"],
      respectRobots: true,
    });
  });

  it("defaults to Markdown of the main content, as Firecrawl does", () => {
    expect(toBatchOptions(parse({}))).toMatchObject({ formats: ["markdown"], onlyMainContent: true });
    expect(toBatchOptions(parse({})).maxConcurrency).toBeUndefined();
  });

  it("maps Firecrawl's maxConcurrency onto the batch's own per-origin cap", () => {
    expect(toBatchOptions(parse({ maxConcurrency: 3 })).maxConcurrency).toBe(3);
  });
});

describe("refusedOptions", () => {
  it("accepts values that ask for nothing: defaults, empty lists, false", () => {
    const request = parse({
      actions: [],
      headers: {},
      mobile: false,
      waitFor: 0,
      proxy: "basic",
      removeBase64Images: true,
      parsers: [],
      zeroDataRetention: false,
      blockAds: true,
      maxAge: 172800000,
      storeInCache: true,
    });
    expect(refusedOptions(request)).toEqual([]);
  });

  it("names each option and each format it cannot honour, formats by position", () => {
    const request = parse({
      mobile: true,
      proxy: "auto",
      formats: ["markdown", "screenshot@fullPage", { type: "json", schema: {} }],
    });
    expect(refusedOptions(request).map((r) => r.field)).toEqual(["mobile", "proxy", "formats[1]", "formats[2]"]);
  });

  it("accepts every default Firecrawl's SDKs send on their own, and warns where Trawl is stricter", () => {
    // The Python v2 client's defaults, and the v1 client's `timeout: 30000` and `origin`.
    const request = parse({
      onlyMainContent: true,
      mobile: false,
      skipTlsVerification: true,
      removeBase64Images: true,
      fastMode: false,
      blockAds: true,
      maxAge: 14400000,
      storeInCache: true,
      timeout: 30000,
      origin: "python-sdk@3.3.2",
      integration: "x",
      maxConcurrency: 5,
      zeroDataRetention: false,
    });
    expect(refusedOptions(request)).toEqual([]);
    expect(warningOf(request)).toMatch(/skipTlsVerification: TLS is always verified/);
    expect(warningOf(parse({ skipTlsVerification: false }))).toBeUndefined();
  });

  it("honours `timeout` as the per-URL budget, held to Trawl's bounds", () => {
    expect(toBatchOptions(parse({ timeout: 30000 })).timeoutMs).toBe(30000);
    expect(toBatchOptions(parse({ timeout: 5 })).timeoutMs).toBe(1000);
    expect(toBatchOptions(parse({ timeout: 10_000_000 })).timeoutMs).toBe(300_000);
    expect(warningOf(parse({ timeout: 10_000_000 }))).toMatch(/timeout: held to/);
    expect(toBatchOptions(parse({})).timeoutMs).toBeUndefined();
  });

  it("keeps the title heading in Firecrawl's Markdown", () => {
    expect(toBatchOptions(parse({})).keepTitleHeading).toBe(true);
  });

  it("maps a Firecrawl webhook (object or string) onto a Trawl webhook sent in Firecrawl's shape", () => {
    const options = toBatchOptions(
      parse({
        webhook: {
          url: "https://example.com/hook",
          headers: { authorization: "Bearer x" },
          metadata: { run: 7, who: "me" },
          events: ["completed", "page"],
        },
      }),
      "crawl",
    );
    expect(options.webhook).toEqual({
      url: "https://example.com/hook",
      events: ["batch.completed", "batch.page"],
      headers: { authorization: "Bearer x" },
      metadata: { run: "7", who: "me" },
      firecrawl: "crawl",
    });
    expect(toBatchOptions(parse({ webhook: "https://example.com/h" })).webhook).toEqual({
      url: "https://example.com/h",
      events: ["batch.started", "batch.page", "batch.completed", "batch.failed"],
      firecrawl: "batch_scrape",
    });
  });

  it("refuses a key it does not know when the request is parsed", () => {
    expect(
      FirecrawlBatchRequest.safeParse({ urls: ["https://example.com/"], screenshotEverything: true }).success,
    ).toBe(false);
  });
});
