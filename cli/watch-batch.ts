// Following a batch to its end on screen: shared by `trawl watch` and `submit --wait`.
import type { BatchView, TrawlApi } from "./api-client";
import { batchEvents } from "./batch-events";
import { CliError, ExitCode } from "./exit-codes";
import { describeBatch, formatTally } from "./format";
import { progressDisplay } from "./progress-display";

/**
 * Shows batch `id` advancing until its final event, then prints its status on stdout.
 * Ctrl-C stops watching (the batch goes on) and says how to resume.
 */
export async function watchBatch(api: TrawlApi, id: string, rules: { failOnErrors?: boolean } = {}): Promise<ExitCode> {
  const display = progressDisplay(process.stderr);
  const abort = new AbortController();
  const interrupt = () => abort.abort();
  process.once("SIGINT", interrupt);
  let last: BatchView | null = null;
  try {
    for await (const view of batchEvents(api, id, abort.signal)) {
      last = view;
      display.update(view);
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
  const codes = formatTally(last.errorsByCode);
  if (codes) process.stdout.write(`errors    ${codes}: trawl errors ${id}\n`);
  if (last.status !== "completed") {
    throw new CliError(
      ExitCode.notCompleted,
      `batch ${id} ended ${last.status}${last.failure ? `: ${last.failure}` : ""}`,
    );
  }
  if (rules.failOnErrors && last.counts.failed > 0) {
    throw new CliError(
      ExitCode.urlsFailed,
      `batch ${id} completed with ${last.counts.failed} failed URLs (--fail-on-errors)`,
    );
  }
  return ExitCode.ok;
}
