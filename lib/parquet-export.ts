// The result set as one Parquet file with typed columns, written while it streams: a
// row group per 2,000 records (or 2 MB of text), its bytes handed on before
// the next group is read, so memory stays flat however many URLs the batch has. Only
// the footer (one small entry per row group) grows with the file.
// `hyparquet-writer/src/index.js` is the package's runtime-neutral entry (the default
// one pulls in node:fs for file output).
import { ByteWriter, ParquetWriter } from "hyparquet-writer/src/index.js";
import { z } from "zod";
import { ResultRecord } from "./schemas";

type Column = {
  name: string;
  type: "BYTE_ARRAY" | "INT32" | "INT64" | "DOUBLE" | "BOOLEAN";
  converted_type?: "UTF8" | "JSON" | "TIMESTAMP_MILLIS";
  required: boolean;
  value: (record: ResultRecord) => unknown;
};

/** Record fields (ISO strings) written as millisecond timestamps rather than text. */
const TIMESTAMPS: ReadonlySet<string> = new Set<keyof ResultRecord>(["fetchedAt"]);

/** The one naming rule between NDJSON and Parquet: `finalUrl` → `final_url`, `error.code` → `error_code`. */
export function parquetName(path: readonly string[]): string {
  return path.map((part) => part.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)).join("_");
}

/**
 * The columns of a zod object's fields, in the schema's order, nested objects flattened
 * (their fields prefixed with the object's name). Derived, not listed, so a field added
 * to the record schema reaches Parquet by itself; a field of a kind with no column type
 * here throws when this module loads, and the export test fails.
 */
function columnsOf(
  shape: Record<string, z.ZodType>,
  path: readonly string[],
  parentRequired: boolean,
  read: (record: ResultRecord) => Record<string, unknown> | null | undefined,
): Column[] {
  return Object.entries(shape).flatMap(([key, field]) => {
    let inner = field;
    let required = parentRequired;
    while (inner instanceof z.ZodOptional || inner instanceof z.ZodNullable) {
      required = false;
      inner = inner.unwrap() as z.ZodType;
    }
    const here = [...path, key];
    const value = (r: ResultRecord) => read(r)?.[key] ?? null;
    if (inner instanceof z.ZodObject) {
      return columnsOf(inner.shape, here, required, (r) => value(r) as Record<string, unknown> | null);
    }
    const name = parquetName(here);
    if (TIMESTAMPS.has(here.join("."))) {
      const time = (r: ResultRecord) => {
        const v = value(r);
        return typeof v === "string" ? new Date(v) : null;
      };
      return [{ name, type: "INT64", converted_type: "TIMESTAMP_MILLIS", required, value: time }];
    }
    if (inner instanceof z.ZodString || inner instanceof z.ZodEnum) {
      return [{ name, type: "BYTE_ARRAY", converted_type: "UTF8", required, value }];
    }
    if (inner instanceof z.ZodNumber) {
      return [{ name, type: inner.isInt ? "INT32" : "DOUBLE", required, value }];
    }
    if (inner instanceof z.ZodBoolean) return [{ name, type: "BOOLEAN", required, value }];
    // Lists (redirects, links) are JSON text.
    if (inner instanceof z.ZodArray) return [{ name, type: "BYTE_ARRAY", converted_type: "JSON", required, value }];
    throw new Error(`no Parquet column type for record field ${here.join(".")}`);
  });
}

/**
 * Every column of the export, in the record schema's order: one per field, named by
 * `parquetName`. Strings and enums are UTF-8, integers INT32, other numbers DOUBLE,
 * booleans BOOLEAN, lists JSON, `fetchedAt` a timestamp; an absent optional field is null.
 */
export const PARQUET_COLUMNS: readonly Column[] = columnsOf(ResultRecord.shape, [], true, (r) => r);

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
