// A CSV URL list (a spreadsheet export): a header row naming a `url` column (and `id`
// if present), turned line by line into the NDJSON the API streams in. Quoted fields
// follow RFC 4180 (`""` is a quote; a quoted field may hold commas and newlines).
import { CliError, ExitCode } from "./exit-codes";

/** Splits CSV text into records, carrying a record that is still open across chunks. */
export class CsvRecords {
  private field = "";
  private record: string[] = [];
  private quoted = false;
  private afterQuote = false;

  /** The complete records in `text` (the last, unfinished one is kept for the next call). */
  push(text: string): string[][] {
    const done: string[][] = [];
    for (const ch of text) {
      if (this.quoted) {
        if (ch === '"') {
          this.quoted = false;
          this.afterQuote = true;
        } else this.field += ch;
      } else if (ch === '"') {
        if (this.afterQuote) this.field += '"';
        this.quoted = true;
        this.afterQuote = false;
      } else if (ch === ",") {
        this.record.push(this.field);
        this.field = "";
        this.afterQuote = false;
      } else if (ch === "\n") {
        this.record.push(this.field.replace(/\r$/, ""));
        done.push(this.record);
        this.record = [];
        this.field = "";
        this.afterQuote = false;
      } else {
        this.field += ch;
        this.afterQuote = false;
      }
    }
    return done;
  }

  /** The last record when the text did not end with a newline. */
  end(): string[][] {
    if (this.field === "" && this.record.length === 0) return [];
    this.record.push(this.field.replace(/\r$/, ""));
    const last = this.record;
    this.record = [];
    this.field = "";
    return [last];
  }
}

/** NDJSON lines (`{"url","id"}`) from CSV text chunks; the header must name a `url` column. */
export async function* csvToNdjson(chunks: AsyncIterable<Uint8Array | string>): AsyncGenerator<string> {
  const records = new CsvRecords();
  const decoder = new TextDecoder();
  let columns: { url: number; id: number } | null = null;
  const lines = function* (batch: string[][]) {
    for (const record of batch) {
      if (!columns) {
        const header = record.map((name) =>
          name
            .trim()
            .replace(/^\uFEFF/, "")
            .toLowerCase(),
        );
        const url = header.indexOf("url");
        if (url < 0) {
          throw new CliError(ExitCode.usage, `CSV header has no \`url\` column (found: ${header.join(", ")})`);
        }
        columns = { url, id: header.indexOf("id") };
        continue;
      }
      if (record.every((field) => field.trim() === "")) continue;
      const url = (record[columns.url] ?? "").trim();
      const id = columns.id >= 0 ? (record[columns.id] ?? "").trim() : "";
      // An empty url cell stays a line, so the API refuses it by position (row - 2 in the list).
      yield `${JSON.stringify(id ? { url, id } : url)}\n`;
    }
  };
  for await (const chunk of chunks) {
    yield* lines(records.push(typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true })));
  }
  yield* lines(records.push(decoder.decode()));
  yield* lines(records.end());
  if (!columns) throw new CliError(ExitCode.usage, "CSV file is empty: it needs a header row with a `url` column");
}
