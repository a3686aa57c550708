// The records of URLs the previous run had and this run's list does not: `removed`.
// Written once every URL of this run is terminal (the list is final then), by walking
// the previous run's list in slices; they sit past this run's list (indices from
// `total` on) and only `download?changes=only` reads them.
import { messageOf } from "../lib/error-codes";
import { r2Keys } from "../lib/r2-keys";
import { encodeLines, storePart, unfetchedLine } from "../lib/result-parts";
import type { ChangeStore, ListedUrl } from "./change-store";

/** URLs of the previous run read per slice. */
const SLICE = 10_000;
/** Slices per call, so one alarm stays short; the caller runs again for the rest. */
const SLICES_PER_CALL = 10;

/** What a run needs of the previous one for the scan. */
export interface PreviousList {
  listed(cursor: number, limit: number): Promise<ListedUrl[]>;
}

/**
 * Goes on with the removed scan; answers whether it is finished. Each slice's part is
 * named by where the slice starts, so a slice redone after a crash rewrites the same
 * object, and its records are numbered from the count the scan had recorded.
 */
export async function writeRemovedRecords(
  changes: ChangeStore,
  atomically: (work: () => void) => void,
  previous: PreviousList,
  bucket: R2Bucket,
  batchId: string,
  total: number,
): Promise<boolean> {
  for (let n = 0; n < SLICES_PER_CALL; n++) {
    const scan = changes.removedScan();
    if (scan.done) return true;
    const listed = await previous.listed(scan.cursor, SLICE);
    const last = listed[listed.length - 1];
    if (!last) {
      atomically(() => changes.advanceRemovedScan({ ...scan, done: true }, null));
      return true;
    }
    const gone = changes.absent(listed);
    const first = total + scan.removed;
    const lines = gone.map((url, k) =>
      unfetchedLine(
        { index: first + k, id: url.id, url: url.url, attempts: 0, change: "removed" },
        "skipped",
        "removed",
        messageOf("removed", null) ?? "",
      ),
    );
    const part =
      lines.length > 0
        ? await storePart(
            bucket,
            r2Keys.removedPart(batchId, scan.cursor),
            await encodeLines(lines, first, first + lines.length - 1),
          )
        : null;
    const next = { cursor: last.index + 1, removed: scan.removed + gone.length, done: false };
    atomically(() => changes.advanceRemovedScan(next, part));
  }
  return changes.removedScan().done;
}
