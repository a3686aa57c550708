// The consumer's side of preserved pages: a batch with `keepRaw` stores every body it
// fetches (lib/raw-pages.ts); a re-extraction reads the first batch's stored bodies back
// through the same fetch-and-extract path a fetched body takes, and fetches nothing.
import { fetchAndExtract, type PageSource, type UrlOutcome } from "../fetch/fetch-and-extract";
import type { FetchedPage, FetchLimits } from "../fetch/fetcher";
import { coordinatorOf } from "../lib/batch-objects";
import type { PreviousState } from "../lib/changes";
import { mapLimit } from "../lib/concurrency";
import type { ClaimEntry } from "../lib/coordinator-protocol";
import { hasRaw, putRaw, rawRefOf, readRaw } from "../lib/raw-pages";
import { unfetchedRecord } from "../lib/result-parts";
import type { BatchOptions, RawRef, ResultRecord } from "../lib/schemas";
import { PreviousRecords } from "./previous-records";

/** Stored bodies read at once per chunk: each is an R2 read, a gunzip and an extraction. */
const READ_CONCURRENCY = 4;

/** Bodies being stored at once per chunk: the host's next page is fetched meanwhile, and memory stays bounded. */
const STORES_IN_FLIGHT = 4;

/** The origin, with every fetched body kept under `batchId`; `settled()` before the chunk's records are written. */
export function keepingSource(
  bucket: R2Bucket,
  batchId: string,
  origin: PageSource,
): PageSource & { settled(): Promise<void> } {
  const started = new Map<string, Promise<void>>();
  const inFlight = new Set<Promise<void>>();
  return {
    read: origin.read,
    keep: async (page) => {
      const ref = await rawRefOf(batchId, page.body, page.date ?? null);
      if (started.has(ref.key)) return ref;
      // Stored off the host's turn (its next page need not wait on R2), a few at a time.
      while (inFlight.size >= STORES_IN_FLIGHT) await Promise.race([...inFlight].map((p) => p.catch(() => {})));
      const store = putRaw(bucket, ref.key, page.body);
      const tracked = store.then(
        () => void inFlight.delete(tracked),
        () => void inFlight.delete(tracked),
      );
      inFlight.add(tracked);
      started.set(ref.key, store);
      return ref;
    },
    kept: (raw) => hasRaw(bucket, raw),
    // A store that failed fails the chunk before any record points at its body: the queue delivers it again.
    settled: async () => {
      await Promise.all(started.values());
    },
  };
}

/**
 * Re-extracts a chunk with `options` from the bodies batch `sourceId` stored. A URL with
 * a stored body is extracted again; one without (it failed or was skipped, or its body
 * is gone) ends with the first batch's record as it was, said so in `reextract`.
 */
export async function reextractChunk(
  env: Env,
  sourceId: string,
  entries: ClaimEntry[],
  options: BatchOptions,
  limits: FetchLimits,
): Promise<UrlOutcome[]> {
  if (entries.length === 0) return [];
  // The re-extraction's list is the first batch's, index for index: its records are found by index.
  const low = Math.min(...entries.map((entry) => entry.index));
  const high = Math.max(...entries.map((entry) => entry.index));
  const located = await coordinatorOf(env, sourceId).recordsFrom(low, high - low + 1);
  const parts = new Map(located.map((at) => [at.index, at.part]));
  const records = new PreviousRecords(env.RESULTS);
  return mapLimit(entries, READ_CONCURRENCY, async (entry) => {
    const part = parts.get(entry.index) ?? null;
    const firstRecord = part ? await records.load(locatedState(entry.index, part)) : null;
    const first = firstRecord?.url === entry.url ? firstRecord : null;
    if (!first) {
      const message = `batch ${sourceId} holds no record of this URL (its results are gone)`;
      const record = unfetchedRecord(entry, "failed", "raw_unavailable", message);
      return {
        kind: "terminal",
        record: { ...record, reextract: note(sourceId, "original", message) },
        fetched: false,
      };
    }
    const body = first.raw ? await readRaw(env.RESULTS, first.raw) : null;
    if (!first.raw || !body) return carried(entry, first, sourceId, first.raw ? "its stored body is gone" : null);
    const raw = first.raw;
    const source: PageSource = { read: async () => storedPage(first, raw, body), keep: async () => raw };
    const outcome = await fetchAndExtract(entry, { ...options, keepRaw: true }, limits, null, source);
    if (outcome.kind !== "terminal") return { ...outcome, fetched: false };
    return {
      kind: "terminal",
      record: { ...outcome.record, reextract: note(sourceId, "raw", null) },
      fetched: false,
    };
  });
}

/** What the record reader needs to find a record: its part and index. */
function locatedState(index: number, part: string): PreviousState {
  return { index, part, state: "succeeded", code: null, etag: null, lastModified: null, contentHash: null };
}

/** The first batch's record, as it was: no body was kept to extract again. */
function carried(entry: ClaimEntry, first: ResultRecord, sourceId: string, why: string | null): UrlOutcome {
  const outcome = first.error ? `${first.status} (${first.error.code})` : first.status;
  const message = why ?? `the first batch stored no body for this URL: it ended ${outcome}`;
  const { raw: _raw, reextract: _reextract, ...rest } = first;
  return {
    kind: "terminal",
    record: { ...rest, index: entry.index, id: entry.id, reextract: note(sourceId, "original", message) },
    fetched: false,
  };
}

function note(batchId: string, from: "raw" | "original", message: string | null): ResultRecord["reextract"] {
  return { batchId, from, message };
}

/** A stored body as the fetcher would have answered it: the first exchange's status, headers and trace. */
function storedPage(first: ResultRecord, raw: RawRef, body: Uint8Array): FetchedPage {
  return {
    ok: true,
    status: first.httpStatus ?? 200,
    contentType: first.contentType,
    body,
    truncated: false,
    notModified: false,
    etag: first.etag,
    lastModified: first.lastModified,
    date: raw.date,
    finalUrl: first.finalUrl ?? first.url,
    redirects: first.redirects,
    fetchedAt: first.fetchedAt ?? new Date(0).toISOString(),
    durationMs: first.durationMs ?? 0,
  };
}
