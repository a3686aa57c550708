// The result set as one Parquet file with typed columns, written while it streams: a
// row group per 2,000 records (or 2 MB of text), its bytes handed on before
// the next group is read, so memory stays flat however many URLs the batch has. Only
// the footer (one small entry per row group) grows with the file.
// `hyparquet-writer/src/index.js` is the package's runtime-neutral entry (the default
// one pulls in node:fs for file output).
import { ByteWriter, ParquetWriter } from "hyparquet-writer/src/index.js";
import { z } from "zod";
import { ResultRecord } from "./schemas";

/** A row as its schema parsed it: a record, or a row of another view (lib/chunk/chunk-view.ts). */
type Row = Record<string, unknown>;

type Column = {
  name: string;
  type: "BYTE_ARRAY" | "INT32" | "INT64" | "DOUBLE" | "BOOLEAN";
  converted_type?: "UTF8" | "JSON" | "TIMESTAMP_MILLIS";
  required: boolean;
  value: (record: Row) => unknown;
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
  read: (record: Row) => Record<string, unknown> | null | undefined,
): Column[] {
  return Object.entries(shape).flatMap(([key, field]) => {
    let inner = field;
    let required = parentRequired;
    while (inner instanceof z.ZodOptional || inner instanceof z.ZodNullable) {
      required = false;
      inner = inner.unwrap() as z.ZodType;
    }
    const here = [...path, key];
    const value = (r: Row) => read(r)?.[key] ?? null;
    if (inner instanceof z.ZodObject) {
      return columnsOf(inner.shape, here, required, (r) => value(r) as Record<string, unknown> | null);
    }
    const name = parquetName(here);
    if (TIMESTAMPS.has(here.join("."))) {
      const time = (r: Row) => {
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

/** The rows a Parquet file holds: the record, or another view's row (its columns derived the same way). */
type RowSchema = z.ZodObject<Record<string, z.ZodType>>;

const layouts = new WeakMap<RowSchema, { columns: readonly Column[]; schema: ReturnType<typeof fileSchema> }>();

function fileSchema(columns: readonly Column[]) {
  return [
    { name: "root", num_children: columns.length },
    ...columns.map((c) => ({
      name: c.name,
      type: c.type,
      ...(c.converted_type && { converted_type: c.converted_type }),
      repetition_type: c.required ? ("REQUIRED" as const) : ("OPTIONAL" as const),
    })),
  ];
}

/** The columns and file schema of rows of `rows`, worked out once per schema. */
function layoutOf(rows: RowSchema) {
  let layout = layouts.get(rows);
  if (!layout) {
    const columns = rows === ResultRecord ? PARQUET_COLUMNS : columnsOf(rows.shape, [], true, (r) => r);
    layout = { columns, schema: fileSchema(columns) };
    layouts.set(rows, layout);
  }
  return layout;
}

/** The Parquet columns of a view's row schema (the record's are PARQUET_COLUMNS). */
export function parquetColumnsOf(rows: RowSchema): readonly Column[] {
  return layoutOf(rows).columns;
}

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
 * against the row schema (the record's unless a view gives its own): parts come from R2,
 * a trust boundary.
 */
export function ndjsonToParquet(
  blocks: AsyncIterator<string>,
  rowSchema: RowSchema = ResultRecord,
): ReadableStream<Uint8Array> {
  const { columns, schema: SCHEMA } = layoutOf(rowSchema);
  const bytes = new ByteWriter();
  // No column statistics: each row group's min and max would stay referenced until the
  // footer, and for text columns they hold (views of) whole encoded values, so memory
  // grew with the batch. A whole-file export gains little from them.
  const writer = new ParquetWriter({ writer: bytes, schema: SCHEMA, createdBy: "trawl", statistics: false });
  let rows: Row[] = [];
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
      columnData: columns.map((c) => ({ name: c.name, data: group.map(c.value), offsetIndex: false })),
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
          rows.push(rowSchema.parse(JSON.parse(line)));
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
