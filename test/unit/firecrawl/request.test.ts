import { describe, expect, it } from "vitest";
import { FirecrawlBatchRequest, refusedOptions, toBatchOptions } from "../../../lib/firecrawl/request";

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

  it("refuses a Firecrawl webhook by name rather than dropping it", () => {
    const [refusal] = refusedOptions(parse({ webhook: { url: "https://example.com/hook", events: ["completed"] } }));
    expect(refusal).toEqual({
      field: "webhook",
      reason: expect.stringContaining("Firecrawl-shaped webhooks are not sent"),
    });
  });

  it("refuses a key it does not know when the request is parsed", () => {
    expect(
      FirecrawlBatchRequest.safeParse({ urls: ["https://example.com/"], screenshotEverything: true }).success,
    ).toBe(false);
  });
});
