import { MAX_URL_LENGTH, UrlEntry } from "./schemas";

/** One line of a streamed URL list, parsed; `problem` says why a line is unusable. */
export type ListLine = { line: number; entry: UrlEntry } | { line: number; problem: string };

/** Longest line we buffer: a URL, an id and JSON punctuation. */
const MAX_LINE_CHARS = MAX_URL_LENGTH + 1024;

/**
 * Reads a URL list body line by line without holding more than one line: NDJSON
 * (each line a JSON string or `{url, id?}`) or plain text (one URL per line, `#`
 * comments). Blank lines are ignored.
 */
export async function* readUrlList(
  body: ReadableStream<Uint8Array>,
  format: "ndjson" | "text",
): AsyncGenerator<ListLine> {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  let line = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (value) buffered += value;
    // Lines are cut from the buffer by position; the rest is kept once per read, not per line.
    let start = 0;
    for (let newline = buffered.indexOf("\n"); newline >= 0; newline = buffered.indexOf("\n", start)) {
      line++;
      const parsed = parseLine(buffered.slice(start, newline), line, format);
      start = newline + 1;
      if (parsed) yield parsed;
    }
    buffered = buffered.slice(start);
    if (buffered.length > MAX_LINE_CHARS) {
      await reader.cancel();
      yield { line: line + 1, problem: `longer than ${MAX_URL_LENGTH} characters` };
      return;
    }
    if (done) break;
  }
  if (buffered.trim()) {
    const parsed = parseLine(buffered, line + 1, format);
    if (parsed) yield parsed;
  }
}

function parseLine(raw: string, line: number, format: "ndjson" | "text"): ListLine | null {
  const text = raw.trim();
  if (!text || (format === "text" && text.startsWith("#"))) return null;
  if (format === "text") {
    return text.length > MAX_URL_LENGTH
      ? { line, problem: `longer than ${MAX_URL_LENGTH} characters` }
      : { line, entry: text };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { line, problem: "not valid JSON" };
  }
  const entry = UrlEntry.safeParse(value);
  if (!entry.success) {
    return { line, problem: entry.error.issues[0]?.message ?? "expected a URL string or {url, id}" };
  }
  return { line, entry: entry.data };
}
