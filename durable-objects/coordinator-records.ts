// The records the coordinator writes itself: every URL that ended without a fetch by a
// consumer (refused or duplicate at submission, cancelled, dead-lettered). It knows them
// already, so they never travel through the queue; they go to R2 in large parts.
import { type Change, carriedState, changeOf, type PreviousState } from "../lib/changes";
import { type ErrorCode, messageOf } from "../lib/error-codes";
import { r2Keys } from "../lib/r2-keys";
import { encodeLines, storePart, unfetchedLine } from "../lib/result-parts";
import type { UrlState } from "../lib/schemas";
import type { UrlRow } from "./batch-schema";
import type { BatchStore } from "./batch-store";

/** Asks the previous run for the state of normalised URLs (null: the batch has no previous run). */
export type PreviousLookup = ((keys: string[]) => Promise<(PreviousState | null)[]>) | null;

/** Records per coordinator part: about 4 MB of NDJSON. */
const RECORDS_PER_PART = 10_000;
/** Parts written per call, so one alarm stays short; the caller runs again for the rest. */
const PARTS_PER_CALL = 10;

/**
 * Writes the records nobody has written yet, in input order; answers whether some are
 * left. `onPart` runs in the transaction that records each part (to announce it).
 */
export async function writeCoordinatorRecords(
  store: BatchStore,
  bucket: R2Bucket,
  batchId: string,
  previous: PreviousLookup,
  onPart: (key: string) => void = () => {},
): Promise<boolean> {
  for (let n = 0; n < PARTS_PER_CALL; n++) {
    const rows = store.unwritten(RECORDS_PER_PART);
    const first = rows[0];
    const last = rows[rows.length - 1];
    if (!first || !last) return false;
    const { changes, carried } = await changesOf(rows, previous);
    // Lines written straight from the rows (the same bytes as records serialised).
    const lines = rows.map((row, i) =>
      unfetchedLine(
        { index: row.idx, id: row.caller_id, url: row.url, attempts: row.attempts, change: changes[i] ?? null },
        row.state as UrlState,
        row.code as ErrorCode,
        messageOf(row.code, row.message) ?? "",
      ),
    );
    // Named by its first index: a retry after a crash rewrites the same object.
    const encoded = await encodeLines(lines, first.idx, last.idx);
    const part = await storePart(bucket, r2Keys.recordsPart(batchId, first.idx), encoded);
    store.atomically(() => {
      store.recordWrittenPart(
        part,
        rows.map((row, i) => ({ index: row.idx, change: changes[i] ?? null, carried: carried[i] ?? null })),
      );
      onPart(part.key);
    });
  }
  return store.hasUnwritten();
}

/**
 * The change of each row's record: null for input lines that are not pages (refused or
 * duplicate: no normalised URL) and for pages not looked at (cancelled), otherwise next
 * to the previous run's state of the URL. With it, what a cancelled page carries on to
 * the next run: the previous run's state of it.
 */
async function changesOf(
  rows: UrlRow[],
  previous: PreviousLookup,
): Promise<{ changes: (Change | null)[]; carried: (PreviousState | null)[] }> {
  const keys = rows.flatMap((row) => (row.norm === null ? [] : [row.norm]));
  const states = previous && keys.length > 0 ? await previous(keys) : [];
  const changes: (Change | null)[] = [];
  const carried: (PreviousState | null)[] = [];
  let k = 0;
  for (const row of rows) {
    const state = row.norm === null ? null : (states[k++] ?? null);
    changes.push(
      row.norm === null
        ? null
        : changeOf(state, { status: row.state as UrlState, code: row.code as ErrorCode, contentHash: null }),
    );
    carried.push(carriedState(state, row.code));
  }
  return { changes, carried };
}
