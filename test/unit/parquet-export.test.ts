import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ChunkRow } from "../../lib/chunk";
import { ndjsonToParquet, PARQUET_COLUMNS, parquetColumnsOf } from "../../lib/parquet-export";
import { ResultRecord } from "../../lib/schemas";
import { expectedRow, readParquet } from "../support/parquet-rows";

/** A record with every field of the schema set, optional ones included. */
const full: ResultRecord = {
  index: 0,
  change: "changed",
  id: "row-0",
  url: "https://example.com/a",
  status: "failed",
  error: { code: "validation_failed", message: "minWords: 3 words, at least 50 required" },
  finalUrl: "https://example.com/b",
  redirects: ["https://example.com/a"],
  httpStatus: 200,
  contentType: "text/html",
  title: "A",
  description: "About A",
  language: "en",
  canonicalUrl: "https://example.com/b",
  siteName: "Example",
  byline: "Someone",
  publishedTime: "2026-01-02",
  markdown: "# A",
  html: "<h1>A</h1>",
  text: "A",
  links: ["https://example.com/c"],
  wordCount: 1,
  truncated: true,
  structured: {
    name: "Kettle",
    price: 39.9,
    currency: "USD",
    availability: "InStock",
    sku: "K-1",
    brand: "Steelworks",
    rating: 4.5,
    ratingCount: 12,
  },
  needsRendering: true,
  pageCount: 3,
  contentHash: "abc",
  simhash: "0123456789abcdef",
  detectedLanguage: "en",
  languageConfidence: 0.8,
  extractionQuality: 0.93,
  nearDuplicateOf: 0,
  nearDuplicateDistance: 2,
  duplicateOf: 0,
  etag: '"e1"',
  lastModified: "Fri, 02 Jan 2026 00:00:00 GMT",
  fetchedAt: "2026-01-02T03:04:05.678Z",
  durationMs: 12.5,
  attempts: 2,
  raw: { key: "batches/b/raw/abc.gz", sha256: "abc", bytes: 1200, date: "Fri, 02 Jan 2026 03:04:05 GMT" },
  reextract: { batchId: "a".repeat(64), from: "original", message: "the first batch stored no body" },
  chunks: [{ index: 0, headingPath: ["A"], text: "# A", tokens: 2, start: 0, end: 3 }],
  extractor: { version: "0.1.0+r1", optionsHash: "0123456789abcdef" },
};

/** Each leaf field's path in the schema, nested objects descended into. */
function leafPaths(shape: Record<string, z.ZodType>, prefix: string[] = []): string[][] {
  return Object.entries(shape).flatMap(([key, field]) => {
    let inner = field;
    while (inner instanceof z.ZodOptional || inner instanceof z.ZodNullable) inner = inner.unwrap() as z.ZodType;
    return inner instanceof z.ZodObject ? leafPaths(inner.shape, [...prefix, key]) : [[...prefix, key]];
  });
}

async function exported(records: ResultRecord[]): Promise<Record<string, unknown>[]> {
  const lines = records.map((r) => JSON.stringify(r)).join("\n");
  const blocks = (async function* () {
    yield `${lines}\n`;
  })();
  return readParquet(await new Response(ndjsonToParquet(blocks)).arrayBuffer());
}

describe("Parquet export columns", () => {
  it("has a column for every field of the record schema, named as the README says, holding its value", async () => {
    expect(ResultRecord.safeParse(full).success).toBe(true);
    const paths = leafPaths(ResultRecord.shape);
    // Every field of the schema is set in the sample, so none can slip past this test.
    for (const path of paths) {
      const value = path.reduce<unknown>((v, k) => (v as Record<string, unknown>)[k], full);
      expect(value, path.join(".")).not.toBeUndefined();
    }
    const [row] = await exported([full]);
    // README: camelCase becomes snake_case, a nested field joins its object's name with `_`.
    const name = (path: string[]) => path.map((p) => p.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)).join("_");
    expect(Object.keys(row ?? {}).sort()).toEqual(paths.map(name).sort());
    for (const path of paths) {
      const value = path.reduce<unknown>((v, k) => (v as Record<string, unknown>)[k], full);
      const expected = path.join(".") === "fetchedAt" ? new Date(value as string) : value;
      expect(row?.[name(path)], path.join(".")).toEqual(expected);
    }
    expect(row).toEqual(expectedRow(full));
  });

  it("writes absent optional fields and a null error as nulls", async () => {
    const {
      truncated,
      html,
      text,
      links,
      change,
      structured,
      needsRendering,
      pageCount,
      raw,
      reextract,
      chunks,
      extractor,
      ...bare
    } = full;
    const record: ResultRecord = { ...bare, status: "succeeded", error: null };
    const [row] = await exported([record]);
    expect(row).toEqual(expectedRow(record));
    expect(row).toMatchObject({
      truncated: null,
      html: null,
      error_code: null,
      change: null,
      structured_price: null,
      structured_name: null,
      needs_rendering: null,
      chunks: null,
      extractor_version: null,
    });
  });

  it("types truncated as a boolean column", () => {
    expect(PARQUET_COLUMNS.find((c) => c.name === "truncated")).toMatchObject({ type: "BOOLEAN", required: false });
  });

  it("gives a product's structured data typed columns, so a price crawl filters and sorts in SQL", () => {
    const typeOf = (name: string) => PARQUET_COLUMNS.find((c) => c.name === name)?.type;
    expect(["structured_price", "structured_rating", "structured_rating_count", "needs_rendering"].map(typeOf)).toEqual(
      ["DOUBLE", "DOUBLE", "INT32", "BOOLEAN"],
    );
  });
});

describe("Parquet export of the chunk view", () => {
  it("writes one typed row per chunk row, columns from the chunk row's schema", async () => {
    const rows: ChunkRow[] = [
      {
        index: 3,
        id: null,
        url: "https://example.com/a",
        finalUrl: null,
        title: "A",
        language: "en",
        chunkIndex: 0,
        headingPath: ["A", "B"],
        text: "# A",
        tokens: 2,
        start: 0,
        end: 3,
        simhash: "0123456789abcdef",
      },
      {
        index: 3,
        id: "x",
        url: "https://example.com/a",
        finalUrl: "https://example.com/b",
        title: null,
        language: null,
        chunkIndex: 1,
        headingPath: [],
        text: "b",
        tokens: 1,
        start: 5,
        end: 6,
        simhash: null,
      },
    ];
    const blocks = (async function* () {
      yield `${rows.map((r) => JSON.stringify(r)).join("\n")}\n`;
    })();
    const read = await readParquet(await new Response(ndjsonToParquet(blocks, ChunkRow)).arrayBuffer());
    expect(read).toEqual(
      rows.map((r) => ({
        index: r.index,
        id: r.id,
        url: r.url,
        final_url: r.finalUrl,
        title: r.title,
        language: r.language,
        chunk_index: r.chunkIndex,
        heading_path: r.headingPath,
        text: r.text,
        tokens: r.tokens,
        start: r.start,
        end: r.end,
        simhash: r.simhash,
      })),
    );
    expect(parquetColumnsOf(ChunkRow).find((c) => c.name === "tokens")).toMatchObject({
      type: "INT32",
      required: true,
    });
  });
});
