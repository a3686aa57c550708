// The `trawl` command line: wiring only. Each command lives in commands/, talks to the
// public HTTP API through api-client.ts, and answers an exit code from exit-codes.ts.
import { Command, CommanderError, Option } from "commander";
import type { BatchOptions } from "../lib/schemas";
import { TrawlApi } from "./api-client";
import { resolveBatchId } from "./batch-ids";
import { downloadCommand } from "./commands/download";
import { cancelCommand, errorsCommand, listCommand, statusCommand } from "./commands/inspect";
import { deleteCommand, manifestCommand, retryCommand } from "./commands/manage";
import { reextractCommand } from "./commands/reextract";
import { scheduleActionCommand, scheduleRunsCommand, schedulesListCommand } from "./commands/schedules";
import { submitCommand } from "./commands/submit";
import { CliError, EXIT_CODES_HELP, ExitCode } from "./exit-codes";
import { watchBatch } from "./watch-batch";

const DEFAULT_URL = "http://127.0.0.1:8787";

const program = new Command("trawl")
  .description("Submit URL lists to Trawl, follow them, and download the results.")
  .version("0.1.0")
  .addOption(new Option("--url <url>", "API base URL").env("TRAWL_URL").default(DEFAULT_URL))
  .addOption(new Option("--key <key>", "API key").env("TRAWL_KEY"))
  .showHelpAfterError("(trawl --help shows usage and exit codes)")
  .exitOverride()
  .addHelpText(
    "after",
    `
Examples:
  export TRAWL_URL=http://127.0.0.1:8787 TRAWL_KEY=dev-key
  trawl submit urls.txt --format markdown,links --wait
  ID=$(trawl submit urls.txt --name nightly --label team:shop) && trawl watch $ID && trawl download $ID -o results.ndjson
  trawl submit products.csv --selector main --wait --fail-on-errors   # CSV with a url column; exit 9 if any URL failed
  trawl list --label team:shop && trawl errors 3f9a0c6e1b2d && trawl retry 3f9a0c6e1b2d --wait

Progress and messages go to stderr (a bar on a terminal, plain lines otherwise); stdout
carries only data (ids, TSV with a header, JSON), and nothing at all when a command fails.
Ids: the full 64 characters, or any unambiguous prefix of 4 or more.

${EXIT_CODES_HELP}`,
  );

/** The API client for the global --url / --key (or TRAWL_URL / TRAWL_KEY). */
function apiOf(command: Command): TrawlApi {
  const { url, key } = command.optsWithGlobals<{ url: string; key?: string }>();
  if (!key) throw new CliError(ExitCode.usage, "no API key: set TRAWL_KEY or pass --key");
  try {
    new URL(url);
  } catch {
    throw new CliError(ExitCode.usage, `--url: not a URL: ${url}`);
  }
  return new TrawlApi({ url, key });
}

/** Runs a command's action and keeps its exit code for the process. */
function run<A extends unknown[]>(action: (api: TrawlApi, ...args: A) => Promise<ExitCode>) {
  return async (...args: [...A, Command]) => {
    const command = args[args.length - 1] as Command;
    process.exitCode = await action(apiOf(command), ...(args.slice(0, -1) as A));
  };
}

/** As `run`, for a command whose first argument is a batch id: a prefix of one is resolved first. */
function runOnBatch<A extends unknown[]>(action: (api: TrawlApi, id: string, ...args: A) => Promise<ExitCode>) {
  return run(async (api: TrawlApi, given: string, ...rest: A) =>
    action(api, await resolveBatchId(api, given), ...rest),
  );
}

const collect = (value: string, previous: string[]) => [...previous, value];
// A flag's help is the API's own description of the field, so the CLI and /docs say the
// same. The zod schemas are loaded only to print help: every other run would pay their
// start-up time (measured ~30% of `trawl --version`).
const wantsHelp = process.argv.slice(2).some((arg) => arg === "--help" || arg === "-h" || arg === "help");
const described = wantsHelp ? { ...(await import("../lib/schemas")), ...(await import("../lib/batch-tags")) } : null;
const about = (field: keyof typeof BatchOptions.shape) => described?.BatchOptions.shape[field].description ?? "";
const ID_HELP = "batch id, or an unambiguous prefix of one (e.g. the 12 characters `trawl list` shows)";

program
  .command("submit")
  .description(
    "Submit a URL list: one URL a line, NDJSON (.ndjson/.jsonl: {url, id} a line) or CSV (.csv with a header naming a `url` column, and `id` if present); `-` reads stdin. Prints the batch id.",
  )
  .argument("[file]", "the URL list (optional with --sitemap/--feed/--from-robots/--crawl)")
  .option("--crawl <url>", "crawl from this URL: follow its links within --limit and --depth")
  .option("--limit <n>", "with --crawl: most URLs the crawl takes", (v) => Number.parseInt(v, 10))
  .option("--depth <d>", "with --crawl: link depth (the start page's links are depth 1)", (v) => Number.parseInt(v, 10))
  .option("--include-path <regex...>", "with --crawl: only paths matching one of these")
  .option("--exclude-path <regex...>", "with --crawl: never paths matching one of these")
  .option("--format <formats>", `comma-separated. ${about("formats")}`)
  .option("--no-robots", "ignore robots.txt")
  .option("--full-page", "keep the whole page, not only the main content")
  .option("--no-images", `text only. ${about("images")}`)
  .option("--selector <css>", `repeatable. ${about("includeSelectors")}`, collect, [])
  .option("--exclude-selector <css>", `repeatable. ${about("excludeSelectors")}`, collect, [])
  .option("--max-attempts <n>", about("maxAttempts"))
  .option("--retention <days>", about("retentionDays"))
  .option("--chunk-tokens <n>", `split each page into chunks of at most n tokens (cl100k_base). ${about("chunking")}`)
  .option("--keep-raw", about("keepRaw"))
  .option("--near-duplicates", about("nearDuplicates"))
  .option("--max-concurrency <n>", about("maxConcurrency"))
  .option("--webhook <url>", about("webhook"))
  .option(
    "--webhook-event <type>",
    "repeatable: only these event types (batch.completed, batch.page, ...)",
    collect,
    [],
  )
  .option("--min-words <n>", "validation: a page with fewer words ends failed with validation_failed")
  .option("--require-title", "validation: a page without a title ends failed with validation_failed")
  .option("--require-selector <css>", "repeatable. validation: a page without a match ends failed", collect, [])
  .option("--name <name>", described?.BatchName.description ?? "")
  .option("--label <label>", `repeatable. ${described?.Labels.description ?? ""}`, collect, [])
  .option(
    "--previous <id>",
    "a published batch of yours to compare with (each record's `change`, conditional requests)",
  )
  .option("--sitemap <url>", "repeatable: discover URLs from this sitemap", collect, [])
  .option("--feed <url>", "repeatable: discover URLs from this RSS/Atom feed", collect, [])
  .option(
    "--from-robots <origin>",
    "repeatable: discover URLs from the sitemaps this origin's robots.txt lists",
    collect,
    [],
  )
  .option("--include <glob>", "repeatable: keep only discovered URLs matching one of these", collect, [])
  .option("--exclude <glob>", "repeatable: drop discovered URLs matching these", collect, [])
  .option("--max-urls <n>", "stop discovering after this many URLs")
  .option(
    "--schedule <when>",
    'run again daily at HH:MM (UTC), or a schedule\'s JSON: {"cron":"0 2 * * *","window":"PT2H"}',
  )
  .option("--idempotency-key <key>", "submitting again with the same key returns the same batch")
  .option("--wait", "watch the batch until its results are published")
  .option("--fail-on-errors", "with --wait: exit 9 when the batch completed but some URLs failed")
  .option("--json", "print the API's answer as JSON instead of the id")
  .action(run((api, file: string | undefined, flags) => submitCommand(api, file, flags)));

program
  .command("reextract")
  .description(
    "Extract a kept batch's stored pages (submitted with keepRaw) again with other options, fetching nothing. Prints the new batch id.",
  )
  .argument("<id>", "the kept batch's id")
  .option("--format <formats>", "comma-separated: markdown, html, text, links")
  .option("--selector <css>", "keep only what matches (repeatable)", (v: string, all: string[] = []) => [...all, v])
  .option("--exclude <css>", "drop what matches (repeatable)", (v: string, all: string[] = []) => [...all, v])
  .option("--full-page", "keep the whole page, not only the main content")
  .option("--no-images", "text only: no images in the Markdown")
  .option("--idempotency-key <key>", "asking again with the same key returns the same batch")
  .option("--wait", "watch the new batch until its results are published")
  .option("--json", "print the API's answer as JSON instead of the id")
  .action(runOnBatch((api, id, flags) => reextractCommand(api, id, flags)));

program
  .command("status")
  .description("A batch's status, counts, pages/s and ETA")
  .argument("<id>", ID_HELP)
  .option("--json", "print the API's answer as JSON")
  .action(runOnBatch((api, id, flags) => statusCommand(api, id, flags)));

program
  .command("watch")
  .description("Follow a batch live until its results are published (Ctrl-C stops watching, not the batch)")
  .argument("<id>", ID_HELP)
  .option("--fail-on-errors", "exit 9 when the batch completed but some URLs failed")
  .action(runOnBatch((api, id, flags: { failOnErrors?: boolean }) => watchBatch(api, id, flags)));

program
  .command("download")
  .description("Stream the published result set (NDJSON in input order, or Parquet) to a file or stdout")
  .argument("<id>", ID_HELP)
  .option("-o, --output <file>", "write here instead of stdout")
  .option("--parquet", "a Parquet file with typed columns instead of NDJSON (needs -o)")
  .option("--changes-only", "only the records that moved since the previous run: new, changed, then removed")
  .option("--gzip", "gzip-compressed NDJSON (needs -o)")
  .option("--merge", "on a retry batch: one record per URL of the batch it retried, the retry's outcome winning")
  .option(
    "--view <view>",
    "records (one per input URL, the default) or chunks (one row per chunk, batches made with chunking)",
  )
  .option("--drop-near-duplicates", "with --view chunks: leave out pages marked as near-duplicates of an earlier page")
  .action(runOnBatch((api, id, flags) => downloadCommand(api, id, flags)));

program
  .command("errors")
  .description("List failed and skipped URLs with their error codes (tab-separated, with a header)")
  .argument("<id>", ID_HELP)
  .option("--code <code>", "only URLs with this error code")
  .option("--json", "one JSON object a line")
  .action(runOnBatch((api, id, flags) => errorsCommand(api, id, flags)));

program
  .command("cancel")
  .description("Cancel a batch: unfetched URLs end skipped with code `cancelled`; a manifest is still published")
  .argument("<id>", ID_HELP)
  .option("--json", "print the API's answer as JSON")
  .action(runOnBatch((api, id, flags) => cancelCommand(api, id, flags)));

program
  .command("retry")
  .description("Submit a new batch of a batch's failed URLs (or those with --code); prints the new batch's id")
  .argument("<id>", ID_HELP)
  .option("--code <code>", "repeatable: retry the failed or skipped URLs with this code", collect, [])
  .option("--idempotency-key <key>", "retrying again with the same key returns the same batch")
  .option("--wait", "watch the retry until published")
  .option("--fail-on-errors", "with --wait: exit 9 when some URLs failed again")
  .option("--json", "print the API's answer as JSON instead of the id")
  .action(runOnBatch((api, id, flags) => retryCommand(api, id, flags)));

program
  .command("delete")
  .description(
    "Delete a batch now: its results, its status and its listing (a schedule's source: stop the schedule first)",
  )
  .argument("<id>", ID_HELP)
  .action(runOnBatch((api, id) => deleteCommand(api, id)));

program
  .command("manifest")
  .description("Print a published batch's manifest (parts, totals, options) as JSON")
  .argument("<id>", ID_HELP)
  .action(runOnBatch((api, id) => manifestCommand(api, id)));

program
  .command("list")
  .description(
    "Your batches, newest first, with counts (tab-separated, with a header); stderr says when more pages exist",
  )
  .option("--limit <n>", "batches per page (1-100)", "20")
  .option("--all", "every batch, following pages")
  .option("--cursor <cursor>", "start at this page (printed on stderr by the previous one)")
  .option("--label <label>", "repeatable: only batches with every one of these labels", collect, [])
  .option("--json", "one JSON object a line")
  .action(run((api, flags) => listCommand(api, flags)));

const schedules = program
  .command("schedules")
  .description("Your schedules (made with `submit --schedule`) and their runs");
schedules
  .command("list")
  .description("Every schedule: id, state, when, time zone, next run, window, last batch")
  .option("--all", "every page")
  .option("--json", "one JSON object a line")
  .action(run((api, flags) => schedulesListCommand(api, flags)));
for (const action of ["show", "pause", "resume", "stop"] as const) {
  const about = {
    show: "One schedule",
    pause: "Pause: occurrences are skipped until resumed",
    resume: "Resume a paused schedule",
    stop: "Stop a schedule for good (its runs stay readable)",
  }[action];
  schedules
    .command(action)
    .description(about)
    .argument("<id>", "schedule id (its source batch's id), or a prefix")
    .option("--json", "print the API's answer as JSON")
    .action(runOnBatch((api, id, flags) => scheduleActionCommand(api, id, action, flags)));
}
schedules
  .command("runs")
  .description("A schedule's runs, newest first: status, duration, lateness, counts and changes")
  .argument("<id>", "schedule id, or a prefix")
  .option("--all", "every page")
  .option("--json", "one JSON object a line")
  .action(runOnBatch((api, id, flags) => scheduleRunsCommand(api, id, flags)));

for (const command of [...program.commands, ...schedules.commands])
  command.exitOverride().showHelpAfterError("(trawl --help shows usage and exit codes)");

/** The reader of stdout went away (`trawl errors ID | head`): that is how pipes end, not a failure. */
function isClosedPipe(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | null)?.code === "EPIPE";
}
process.stdout.on("error", (error) => {
  if (isClosedPipe(error)) process.exit(ExitCode.ok);
  throw error;
});

try {
  await program.parseAsync();
} catch (error) {
  if (isClosedPipe(error)) {
    process.exitCode = ExitCode.ok;
  } else if (error instanceof CommanderError) {
    // Help and --version end with 0; every parse error is a usage error (its message is printed already).
    process.exitCode = error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
  } else if (error instanceof CliError) {
    process.stderr.write(`trawl: ${error.message}\n`);
    process.exitCode = error.exitCode;
  } else {
    process.stderr.write(
      `trawl: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = ExitCode.failure;
  }
}
