// The result set as one Parquet file with typed columns, written while it streams: a
// row group per 2,000 records (or 2 MB of text), its bytes handed on before
// the next group is read, so memory stays flat however many URLs the batch has. Only
// the footer (one small entry per row group) grows with the file.
// `hyparquet-writer/src/index.js` is the package's runtime-neutral entry (the default
// one pulls in node:fs for file output).
import { ByteWriter, ParquetWriter } from "hyparquet-writer/src/index.js";
import { ResultRecord } from "./schemas";

type Column = {
  name: string;
  type: "BYTE_ARRAY" | "INT32" | "INT64" | "DOUBLE" | "BOOLEAN";
  converted_type?: "UTF8" | "JSON" | "TIMESTAMP_MILLIS";
  required?: boolean;
  value: (record: ResultRecord) => unknown;
};

const text = (name: string, value: (r: ResultRecord) => string | null | undefined, required = false): Column => ({
  name,
  type: "BYTE_ARRAY",
  converted_type: "UTF8",
  required,
  value: (r) => value(r) ?? null,
});

/** Every column of the export, in order. Lists (redirects, links) are JSON text; times are timestamps. */
export const PARQUET_COLUMNS: readonly Column[] = [
  { name: "index", type: "INT32", required: true, value: (r) => r.index },
  text("id", (r) => r.id),
  text("url", (r) => r.url, true),
  text("status", (r) => r.status, true),
  text("change", (r) => r.change),
  text("error_code", (r) => r.error?.code),
  text("error_message", (r) => r.error?.message),
  text("final_url", (r) => r.finalUrl),
  { name: "redirects", type: "BYTE_ARRAY", converted_type: "JSON", required: true, value: (r) => r.redirects },
  { name: "http_status", type: "INT32", value: (r) => r.httpStatus },
  text("content_type", (r) => r.contentType),
  text("title", (r) => r.title),
  text("description", (r) => r.description),
  text("language", (r) => r.language),
  text("canonical_url", (r) => r.canonicalUrl),
  text("site_name", (r) => r.siteName),
  text("byline", (r) => r.byline),
  text("published_time", (r) => r.publishedTime),
  text("markdown", (r) => r.markdown),
  text("html", (r) => r.html),
  text("text", (r) => r.text),
  { name: "links", type: "BYTE_ARRAY", converted_type: "JSON", value: (r) => r.links ?? null },
  { name: "word_count", type: "INT32", value: (r) => r.wordCount },
  text("content_hash", (r) => r.contentHash),
  text("etag", (r) => r.etag),
  text("last_modified", (r) => r.lastModified),
  {
    name: "fetched_at",
    type: "INT64",
    converted_type: "TIMESTAMP_MILLIS",
    value: (r) => (r.fetchedAt === null ? null : new Date(r.fetchedAt)),
  },
  { name: "duration_ms", type: "DOUBLE", value: (r) => r.durationMs },
  { name: "attempts", type: "INT32", required: true, value: (r) => r.attempts },
  { name: "needs_rendering", type: "BOOLEAN", value: (r) => r.needsRendering ?? null },
  // The product's structured data, one typed column a field, so a price crawl filters and sorts in SQL.
  text("product_name", (r) => r.structured?.name),
  { name: "price", type: "DOUBLE", value: (r) => r.structured?.price ?? null },
  text("currency", (r) => r.structured?.currency),
  text("availability", (r) => r.structured?.availability),
  text("sku", (r) => r.structured?.sku),
  text("brand", (r) => r.structured?.brand),
  { name: "rating", type: "DOUBLE", value: (r) => r.structured?.rating ?? null },
  { name: "rating_count", type: "INT32", value: (r) => r.structured?.ratingCount ?? null },
];

const SCHEMA = [
  { name: "root", num_children: PARQUET_COLUMNS.length },
  ...PARQUET_COLUMNS.map((c) => ({
    name: c.name,
    type: c.type,
    ...(c.converted_type && { converted_type: c.converted_type }),
    repetition_type: c.required ? ("REQUIRED" as const) : ("OPTIONAL" as const),
  })),
];

/**
 * A row group closes at this many records or this much NDJSON, whichever comes first:
 * small enough that a group's records, columns and encoded pages fit a Worker's 128 MB
 * together (bench/export.ts runs 1M records in a 64 MB heap), big enough for columnar
 * compression to pay.
 */
const GROUP_ROWS = 2000;
const GROUP_CHARS = 2 * 1024 * 1024;

/**
 * Turns NDJSON blocks (whole lines, input order, as the download merges them) into the
 * bytes of one Parquet file, pulled as the reader wants them. Each line is checked
 * against the record schema: parts come from R2, a trust boundary.
 */
export function ndjsonToParquet(blocks: AsyncIterator<string>): ReadableStream<Uint8Array> {
  const bytes = new ByteWriter();
  // No column statistics: each row group's min and max would stay referenced until the
  // footer, and for text columns they hold (views of) whole encoded values, so memory
  // grew with the batch. A whole-file export gains little from them.
  const writer = new ParquetWriter({ writer: bytes, schema: SCHEMA, createdBy: "trawl", statistics: false });
  let rows: ResultRecord[] = [];
  let chars = 0;
  let finished = false;

  /** The bytes written since the last take; the buffer is reused. */
  const take = (): Uint8Array => {
    const out = bytes.getBytes().slice();
    bytes.index = 0;
    return out;
  };
  const writeGroup = () => {
    if (rows.length === 0) return;
    const group = rows;
    writer.write({
      // No page offset indexes: they are kept until the footer, a few KB per row group
      // that would grow with the batch; readers of whole files do not need them.
      columnData: PARQUET_COLUMNS.map((c) => ({ name: c.name, data: group.map(c.value), offsetIndex: false })),
      rowGroupSize: group.length,
    });
    rows = [];
    chars = 0;
  };

  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      while (!finished) {
        const { done, value } = await blocks.next();
        if (done) {
          writeGroup();
          writer.finish();
          finished = true;
          break;
        }
        for (const line of value.split("\n")) {
          if (line === "") continue;
          rows.push(ResultRecord.parse(JSON.parse(line)));
          chars += line.length;
          if (rows.length >= GROUP_ROWS || chars >= GROUP_CHARS) writeGroup();
        }
        if (bytes.index > 0) break;
      }
      const out = take();
      if (out.byteLength > 0) controller.enqueue(out);
      if (finished) controller.close();
    },
  });
}
