import { describe, expect, it } from "vitest";
import type { BatchSummary } from "../../../lib/coordinator-protocol";
import { isDocument, jobCounts, jobStatus, toDocument, toErrors } from "../../../lib/firecrawl/documents";
import { unfetchedRecord } from "../../../lib/result-parts";
import { BatchStatus, type ResultRecord } from "../../../lib/schemas";

const fetched = (over: Partial<ResultRecord>): ResultRecord => ({
  ...unfetchedRecord({ index: 0, id: null, url: "https://example.com/a", attempts: 1 }, "failed", "http_error", ""),
  status: "succeeded",
  error: null,
  finalUrl: "https://example.com/a/",
  httpStatus: 200,
  contentType: "text/html",
  title: "A",
  markdown: "# A",
  ...over,
});

describe("toDocument", () => {
  it("carries the content asked for and Firecrawl's metadata names", () => {
    const doc = toDocument(fetched({ html: "<h1>A</h1>", links: ["https://example.com/b"], language: "en" }));
    expect(doc).toEqual({
      markdown: "# A",
      html: "<h1>A</h1>",
      links: ["https://example.com/b"],
      metadata: {
        title: "A",
        language: "en",
        sourceURL: "https://example.com/a",
        url: "https://example.com/a/",
        statusCode: 200,
        contentType: "text/html",
      },
    });
  });

  it("carries a product's structured data and the needs-rendering signal in the metadata", () => {
    const structured = {
      name: "Kettle",
      price: 39.9,
      currency: "USD",
      availability: "InStock",
      sku: "K-1",
      brand: "Steelworks",
      rating: 4.5,
      ratingCount: 12,
    };
    const doc = toDocument(fetched({ structured, needsRendering: true }));
    expect(doc.metadata.structured).toEqual(structured);
    expect(doc.metadata.needsRendering).toBe(true);
    expect(toDocument(fetched({})).metadata).not.toHaveProperty("structured");
  });

  it("makes a target's 404 a document whose metadata keeps the status and the error", () => {
    const record = fetched({
      status: "failed",
      httpStatus: 404,
      markdown: null,
      title: null,
      error: { code: "http_error", message: "the origin answered 404" },
    });
    expect(isDocument(record)).toBe(true);
    expect(toDocument(record)).toEqual({
      metadata: {
        sourceURL: "https://example.com/a",
        url: "https://example.com/a/",
        statusCode: 404,
        contentType: "text/html",
        error: "http_error: the origin answered 404",
      },
    });
  });

  it("leaves URLs the target never answered to the errors list", () => {
    const skipped = unfetchedRecord({ index: 1, id: null, url: "https://x/", attempts: 0 }, "skipped", "duplicate", "");
    const timedOut = unfetchedRecord({ index: 2, id: null, url: "https://y/", attempts: 1 }, "failed", "timeout", "");
    expect([isDocument(skipped), isDocument(timedOut)]).toEqual([false, false]);
  });
});

describe("job status and counts", () => {
  it("calls every unfinished state scraping, and an expired batch completed", () => {
    expect(BatchStatus.options.map((s) => [s, jobStatus(s)])).toEqual([
      ["queued", "scraping"],
      ["running", "scraping"],
      ["completed", "completed"],
      ["cancelled", "cancelled"],
      ["failed", "failed"],
      ["expired", "completed"],
    ]);
  });

  it("counts every URL in a final state as completed and every fetch as a credit", () => {
    const summary = { counts: { total: 10, pending: 3, succeeded: 4, failed: 1, skipped: 2 } } as BatchSummary;
    expect(jobCounts(summary)).toEqual({ total: 10, completed: 7, creditsUsed: 5 });
  });
});

describe("toErrors", () => {
  it("puts robots.txt refusals apart and keeps every other code, in order", () => {
    const entry = (index: number, code: string) => ({
      index,
      id: null,
      url: `https://example.com/${index}`,
      status: "skipped" as const,
      code,
      message: `because ${code}`,
    });
    expect(toErrors([entry(0, "duplicate"), entry(3, "robots_disallowed"), entry(5, "cancelled")])).toEqual({
      errors: [
        { id: "0", url: "https://example.com/0", code: "duplicate", error: "because duplicate" },
        { id: "5", url: "https://example.com/5", code: "cancelled", error: "because cancelled" },
      ],
      robotsBlocked: ["https://example.com/3"],
    });
  });

  it("lists an unreachable host's robots.txt failure as an error, not as robotsBlocked", () => {
    const unreachable = {
      index: 2,
      id: null,
      url: "https://down.example/a",
      status: "failed" as const,
      code: "robots_unreachable",
      message: "robots.txt could not be read",
    };
    expect(toErrors([unreachable])).toEqual({
      errors: [
        { id: "2", url: "https://down.example/a", code: "robots_unreachable", error: "robots.txt could not be read" },
      ],
      robotsBlocked: [],
    });
  });
});
