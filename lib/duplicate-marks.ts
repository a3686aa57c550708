// The near-duplicate marks of a published batch, merged into its records as the download
// streams them. Record parts are immutable and were written before the marks were known;
// the marks are their own small parts (sorted by index, listed in the manifest's
// `analysis.duplicateParts`), joined to the record lines in input order: flat memory, and
// a record line without a mark passes through unparsed.
import { indexOfLine } from "./result-parts";
import type { ManifestPart } from "./schemas";

/** The record line with the mark's fields added at its end (a mark line is `{"index":N,...}`). */
export function markLine(record: string, mark: string): string {
  const fields = mark.slice(mark.indexOf(",") + 1, mark.lastIndexOf("}"));
  const end = record.lastIndexOf("}");
  return `${record.slice(0, end)},${fields}}`;
}

/** Yields `blocks` (NDJSON in input order) with each record's marks from `parts` merged in. */
export async function* withDuplicateMarks(
  blocks: AsyncGenerator<string>,
  parts: readonly ManifestPart[],
  read: (key: string) => Promise<string>,
): AsyncGenerator<string> {
  const waiting = [...parts].sort((a, b) => a.first - b.first);
  let marks: string[] = [];
  let pos = 0;
  let nextPart = 0;
  /** The next mark's index (Infinity when none are left), reading the next part when one runs out. */
  const head = async (): Promise<number> => {
    while (pos >= marks.length) {
      const part = waiting[nextPart++];
      if (!part) return Number.POSITIVE_INFINITY;
      marks = (await read(part.key)).split("\n").filter((line) => line !== "");
      pos = 0;
    }
    return indexOfLine(marks[pos] as string);
  };
  for await (const block of blocks) {
    let wanted = await head();
    if (wanted === Number.POSITIVE_INFINITY) {
      yield block;
      continue;
    }
    const lines = block.split("\n");
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i] as string;
      if (line === "") continue;
      const index = indexOfLine(line);
      // Marks of records not in this set (a changes-only download) are passed over.
      while (wanted < index) {
        pos++;
        wanted = await head();
      }
      if (wanted === index) {
        lines[i] = markLine(line, marks[pos] as string);
        pos++;
        wanted = await head();
      }
    }
    yield lines.join("\n");
  }
}
