// The download's one job: every part of a result set, merged into one NDJSON stream in
// input order. Parts are sorted within and mostly side by side (one chunk's attempt
// each); they overlap where a chunk was retried or where the coordinator wrote records
// of many chunks at once. Lines are ordered by the index each one starts with, never
// parsed; a part that overlaps no other is passed through whole.
import { indexOfLine } from "./result-parts";
import type { ManifestPart } from "./schemas";

interface Cursor {
  text: string;
  last: number;
  lines: string[] | null;
  pos: number;
}

/** How much merged text to gather before handing it on. */
const BLOCK_CHARS = 256 * 1024;

/** Yields the parts' lines in input order, in blocks; `read` fetches a part's text. */
export async function* mergeParts(
  parts: readonly ManifestPart[],
  read: (key: string) => Promise<string>,
): AsyncGenerator<string> {
  const waiting = [...parts].sort((a, b) => a.first - b.first);
  const open: Cursor[] = [];
  let next = 0;
  const head = (cursor: Cursor) => {
    cursor.lines ??= cursor.text.split("\n").filter((line) => line !== "");
    return indexOfLine(cursor.lines[cursor.pos] ?? "");
  };
  while (next < waiting.length || open.length > 0) {
    // Open every part that may hold an index before the smallest one open now.
    while (next < waiting.length) {
      const smallest = open.length === 0 ? Number.POSITIVE_INFINITY : Math.min(...open.map(head));
      const candidate = waiting[next] as ManifestPart;
      if (candidate.first > smallest) break;
      const text = await read(candidate.key);
      if (text.trim() !== "") open.push({ text, last: candidate.last, lines: null, pos: 0 });
      next++;
    }
    const upcoming = waiting[next]?.first ?? Number.POSITIVE_INFINITY;
    const only = open.length === 1 ? open[0] : undefined;
    if (only && only.lines === null && only.last < upcoming) {
      // Nothing else overlaps it: its bytes are already in order.
      open.pop();
      yield only.text.endsWith("\n") ? only.text : `${only.text}\n`;
      continue;
    }
    let block = "";
    while (open.length > 0 && block.length < BLOCK_CHARS) {
      let best = 0;
      for (let i = 1; i < open.length; i++) if (head(open[i] as Cursor) < head(open[best] as Cursor)) best = i;
      const cursor = open[best] as Cursor;
      if (head(cursor) >= upcoming) break; // a part still to open may come first
      block += `${cursor.lines?.[cursor.pos]}\n`;
      cursor.pos++;
      if (cursor.pos >= (cursor.lines?.length ?? 0)) open.splice(best, 1);
    }
    if (block !== "") yield block;
  }
}
