// The records the coordinator writes itself: every URL that ended without a fetch by a
// consumer (refused or duplicate at submission, cancelled, dead-lettered). It knows them
// already, so they never travel through the queue; they go to R2 in large parts.
import { type ErrorCode, messageOf } from "../lib/error-codes";
import { r2Keys } from "../lib/r2-keys";
import { encodeLines, storePart, unfetchedLine } from "../lib/result-parts";
import type { UrlState } from "../lib/schemas";
import type { BatchStore } from "./batch-store";

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
  onPart: (key: string) => void = () => {},
): Promise<boolean> {
  for (let n = 0; n < PARTS_PER_CALL; n++) {
    const rows = store.unwritten(RECORDS_PER_PART);
    const first = rows[0];
    const last = rows[rows.length - 1];
    if (!first || !last) return false;
    // Lines written straight from the rows (the same bytes as records serialised).
    const lines = rows.map((row) =>
      unfetchedLine(
        { index: row.idx, id: row.caller_id, url: row.url, attempts: row.attempts },
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
        rows.map((row) => row.idx),
      );
      onPart(part.key);
    });
  }
  return store.hasUnwritten();
}
