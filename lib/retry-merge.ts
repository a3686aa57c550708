// A retry batch merged back onto the batch it retried: one record per input URL of the
// first batch, in its input order, the retry's outcome winning where there is one.
// The retry holds exactly the first batch's records that `retried` selects, in input
// order (BatchStore.retryInputs picks the same ones), so the two streams are walked
// side by side: no index map is stored, nothing is held but the current lines.
import type { ErrorCode } from "./error-codes";
import { ResultRecord } from "./schemas";

/** Whether a record of the first batch went into a retry that took `codes` (null: every failed URL). */
export function retried(record: Pick<ResultRecord, "status" | "error">, codes: readonly ErrorCode[] | null): boolean {
  if (codes === null) return record.status === "failed";
  return record.status !== "succeeded" && record.error !== null && codes.includes(record.error.code);
}

/** The lines of NDJSON blocks, one at a time. */
async function* linesOf(blocks: AsyncIterator<string>): AsyncGenerator<string> {
  for (;;) {
    const { done, value } = await blocks.next();
    if (done) return;
    for (const line of value.split("\n")) if (line !== "") yield line;
  }
}

/** How much merged NDJSON to gather before handing it on. */
const BLOCK_CHARS = 256 * 1024;

/** NDJSON blocks of the first batch with each retried record replaced by the retry's (keeping the first's index). */
export async function* mergeRetry(
  first: AsyncIterator<string>,
  retry: AsyncIterator<string>,
  codes: readonly ErrorCode[] | null,
): AsyncGenerator<string> {
  const retries = linesOf(retry);
  let block = "";
  for await (const line of linesOf(first)) {
    // Parsed, not passed through: both come from R2, a trust boundary.
    const record = ResultRecord.parse(JSON.parse(line));
    if (retried(record, codes)) {
      const next = await retries.next();
      if (next.done) throw new Error(`the retry holds fewer records than it took (none for input ${record.index})`);
      const { index: _retryIndex, ...outcome } = ResultRecord.parse(JSON.parse(next.value));
      block += `${JSON.stringify({ index: record.index, ...outcome })}\n`;
    } else {
      block += `${line}\n`;
    }
    if (block.length >= BLOCK_CHARS) {
      yield block;
      block = "";
    }
  }
  if (!(await retries.next()).done) throw new Error("the retry holds more records than it took");
  if (block !== "") yield block;
}
