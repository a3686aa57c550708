import type { ErrorCode } from "./error-codes";
import type { BatchOptions, Change, UrlState } from "./schemas";

// The shape lives with the record it is a field of; this module is what it means.
export { Change } from "./schemas";

/** What a run knows of a URL from the previous run: its outcome, validators and where its record is. */
export interface PreviousState {
  index: number;
  state: UrlState | "pending";
  code: string | null;
  etag: string | null;
  lastModified: string | null;
  contentHash: string | null;
  /** The part holding its record (to carry its content forward after a 304). */
  part: string | null;
}

/** What a run's record holds, as far as comparing it with the previous one goes. */
export interface CurrentOutcome {
  status: UrlState;
  code: ErrorCode | null;
  /** A 304 carries the previous record's hash forward, so it compares equal. */
  contentHash: string | null;
}

/**
 * Codes a run ends a URL with without looking at the page (the batch was cancelled
 * first): such a record has no content of its own, so it says no change, and the next
 * run compares with the run before it that did look (see `carriedState`).
 */
const NOT_LOOKED_AT: ReadonlySet<string> = new Set<ErrorCode>(["cancelled"]);

/** Whether a run looked at its URL: false for a URL it ended unfetched because the batch was cancelled. */
export function lookedAt(code: string | null): boolean {
  return code === null || !NOT_LOOKED_AT.has(code);
}

/**
 * The change of one URL. Content is compared when both runs succeeded (a 304 carries
 * the content and its hash forward; a page re-served without validators is compared by
 * the hash of what we extracted). Otherwise the outcome is: a page that now fails, or
 * fails differently, or now succeeds, has changed for whoever indexes it. Null for a URL
 * this run did not look at (cancelled): nothing is known to have moved.
 */
export function changeOf(previous: PreviousState | null, current: CurrentOutcome): Change | null {
  if (!lookedAt(current.code)) return null;
  if (previous === null) return "new";
  if (current.status === "succeeded" && previous.state === "succeeded") {
    return current.contentHash !== null && current.contentHash === previous.contentHash ? "unchanged" : "changed";
  }
  return current.status === previous.state && current.code === previous.code ? "unchanged" : "changed";
}

/** The options that shape a record's content: a 304 carries content made with the previous run's. */
const EXTRACTION_OPTIONS = [
  "formats",
  "onlyMainContent",
  "images",
  "includeSelectors",
  "excludeSelectors",
  "chunking",
] as const;

/**
 * The first extraction option in which two batches differ, or null. A later run must
 * extract as the run before it did, or the content a 304 carries forward would not be
 * what this run asked for (and every content hash would differ).
 */
export function extractionDifference(previous: BatchOptions, next: BatchOptions): string | null {
  const same = (a: unknown, b: unknown) =>
    Array.isArray(a) && Array.isArray(b)
      ? JSON.stringify([...a].sort()) === JSON.stringify([...b].sort())
      : JSON.stringify(a) === JSON.stringify(b);
  return EXTRACTION_OPTIONS.find((option) => !same(previous[option], next[option])) ?? null;
}

/**
 * What a run passes on to the next run for a URL it did not look at: the state it was
 * itself given by the run before (carried through any number of cancelled runs), so the
 * next run sends the validators of the last fetch and compares with its outcome. Null
 * for a URL it looked at (its own row is the state) or that no run has looked at yet.
 */
export function carriedState(previous: PreviousState | null, code: string | null): PreviousState | null {
  return lookedAt(code) ? null : previous;
}

/** The validators worth sending: only for a URL whose previous record has content to carry forward. */
export function conditionalHeaders(previous: PreviousState | null): Record<string, string> | null {
  if (previous?.state !== "succeeded" || previous.part === null) return null;
  const headers: Record<string, string> = {};
  if (previous.etag) headers["if-none-match"] = previous.etag;
  if (previous.lastModified) headers["if-modified-since"] = previous.lastModified;
  return Object.keys(headers).length > 0 ? headers : null;
}

const CHANGE_AFTER_INDEX = /^\{"index":\d+,"change":"(new|changed|unchanged|removed)"/;

/** The changes a change-only download delivers: what a downstream index must update. */
const MOVED: ReadonlySet<Change | null> = new Set<Change>(["new", "changed", "removed"]);

/** Keeps the lines of NDJSON blocks whose record moved (new, changed, removed), in their order. */
export async function* movedLines(blocks: AsyncIterable<string>): AsyncGenerator<string> {
  for await (const block of blocks) {
    const kept = block.split("\n").filter((line) => line !== "" && MOVED.has(changeOfLine(line)));
    if (kept.length > 0) yield `${kept.join("\n")}\n`;
  }
}

/**
 * The change a result line declares, read from its start without parsing it: records
 * are written `index` first and `change` second (see result-parts.ts). Null for lines
 * without one (refused input lines, and records written before changes existed).
 */
export function changeOfLine(line: string): Change | null {
  const match = CHANGE_AFTER_INDEX.exec(line);
  return match ? (match[1] as Change) : null;
}
