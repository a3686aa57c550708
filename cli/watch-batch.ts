// Following a batch to its end on screen: shared by `trawl watch` and `submit --wait`.
import type { BatchView, TrawlApi } from "./api-client";
import { batchEvents } from "./batch-events";
import { tallyErrors } from "./error-pages";
import { CliError, ExitCode } from "./exit-codes";
import { type CodeTally, describeBatch, formatTally } from "./format";
import { progressDisplay } from "./progress-display";

/** Errors read to count failures by code while watching. */
const TALLY_MAX = 1000;
/** At most this often the tally is read again while errors keep coming. */
const TALLY_INTERVAL_MS = 5000;

/**
 * Shows batch `id` advancing until its final event, then prints its status on stdout.
 * Ctrl-C stops watching (the batch goes on) and says how to resume.
 */
export async function watchBatch(api: TrawlApi, id: string): Promise<ExitCode> {
  const display = progressDisplay(process.stderr);
  const abort = new AbortController();
  const interrupt = () => abort.abort();
  process.once("SIGINT", interrupt);
  let tally: CodeTally | null = null;
  let tallied = -1;
  let talliedAt = 0;
  let last: BatchView | null = null;
  try {
    for await (const { final, view } of batchEvents(api, id, abort.signal)) {
      last = view;
      const errors = view.counts.failed + view.counts.skipped;
      const due = final || Date.now() - talliedAt >= TALLY_INTERVAL_MS;
      if (errors !== tallied && due) {
        tally = errors === 0 ? null : await tallyErrors(api, id, TALLY_MAX);
        tallied = errors;
        talliedAt = Date.now();
      }
      display.update(view, tally);
    }
  } catch (error) {
    display.stop();
    if (!abort.signal.aborted) throw error;
  } finally {
    process.removeListener("SIGINT", interrupt);
  }
  if (abort.signal.aborted || !last) {
    process.stderr.write(`\nStopped watching. Batch ${id} goes on running; resume with:\n  trawl watch ${id}\n`);
    return ExitCode.interrupted;
  }
  display.stop();
  process.stdout.write(`${describeBatch(last)}\n`);
  const codes = formatTally(tally);
  if (codes) process.stdout.write(`errors    ${codes}: trawl errors ${id}\n`);
  if (last.status !== "completed") {
    throw new CliError(
      ExitCode.notCompleted,
      `batch ${id} ended ${last.status}${last.failure ? `: ${last.failure}` : ""}`,
    );
  }
  return ExitCode.ok;
}
