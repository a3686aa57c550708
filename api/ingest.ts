import type { AllowList } from "../lib/address-policy";
import type { IngestRow, SubmitCounts } from "../lib/coordinator-protocol";
import { toIngestRow } from "../lib/ingest-row";
import type { UrlEntry } from "../lib/schemas";
import { ApiError } from "./errors";

/**
 * Rows per append RPC: one coordinator call per slice, never one per URL. 5,000 make a
 * ten-million list 2,000 calls (each a request billed and a statement group run), and
 * the character bound keeps a slice of long URLs far below the RPC message limit.
 */
const APPEND_SLICE = 5000;
const APPEND_SLICE_CHARS = 4 * 1024 * 1024;
/**
 * A slow upload still appends this often while lines arrive: each append renews the
 * upload's liveness (the coordinator's INGEST_LIVE_MS), so a crash is noticed in seconds.
 */
const INGEST_RENEW_MS = 2_000;
/** How many refused URLs the 202 answer lists with their reasons. */
const MAX_SAMPLES = 100;

export interface InvalidSample {
  index: number;
  url: string;
  code: "invalid_url" | "blocked_address";
  reason: string;
}

export interface IngestTotals extends SubmitCounts {
  samples: InvalidSample[];
}

/** What a coordinator needs of ingestion; the real stub satisfies it. */
export interface IngestTarget {
  /** Null when this upload went silent and another request with its key took over. */
  append(token: string, rows: IngestRow[]): Promise<SubmitCounts | null>;
}

/** The answer to an upload whose Idempotency-Key was taken over after it went silent. */
export function uploadSuperseded(): ApiError {
  return new ApiError(
    409,
    "upload_superseded",
    "Idempotency-Key: this upload stalled and a newer request with the same key replaced it",
    [{ field: "Idempotency-Key", reason: "superseded" }],
  );
}

/**
 * Streams entries into a coordinator in slices, so neither side ever holds the whole
 * list. `label(n)` names the field of the n-th entry in error messages. An empty list
 * is refused unless `requireOne` is false (the batch discovers its URLs).
 */
export async function ingestEntries(
  target: IngestTarget,
  token: string,
  entries: AsyncIterable<{ entry: UrlEntry } | { problem: string; field: string }>,
  allow: AllowList,
  maxUrls: number,
  requireOne = true,
): Promise<IngestTotals> {
  const totals: IngestTotals = { accepted: 0, invalid: 0, duplicates: 0, samples: [] };
  let slice: IngestRow[] = [];
  let sliceChars = 0;
  let index = 0;
  let lastAppend = Date.now();
  const flush = async () => {
    if (slice.length === 0) return;
    const counts = await target.append(token, slice);
    if (!counts) throw uploadSuperseded();
    lastAppend = Date.now();
    totals.accepted += counts.accepted;
    totals.invalid += counts.invalid;
    totals.duplicates += counts.duplicates;
    slice = [];
    sliceChars = 0;
  };
  for await (const item of entries) {
    if ("problem" in item) throw ApiError.invalid(item.field, item.problem);
    if (index >= maxUrls) {
      throw new ApiError(413, "too_many_urls", `urls: more than ${maxUrls} URLs in one batch`, [
        { field: "urls", reason: `more than ${maxUrls} URLs` },
      ]);
    }
    const row = toIngestRow(item.entry, allow);
    if (row.code && totals.samples.length < MAX_SAMPLES) {
      totals.samples.push({
        index,
        url: row.url.slice(0, 300),
        code: row.code as InvalidSample["code"],
        reason: row.message ?? "",
      });
    }
    slice.push(row);
    sliceChars += row.url.length + (row.norm?.length ?? 0) + (row.id?.length ?? 0) + (row.message?.length ?? 0);
    index++;
    const full = slice.length >= APPEND_SLICE || sliceChars >= APPEND_SLICE_CHARS;
    if (full || Date.now() - lastAppend >= INGEST_RENEW_MS) await flush();
  }
  await flush();
  if (index === 0 && requireOne) throw ApiError.invalid("urls", "must contain at least one URL");
  return totals;
}
