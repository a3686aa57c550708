// The `trawl` command line: wiring only. Each command lives in commands/, talks to the
// public HTTP API through api-client.ts, and answers an exit code from exit-codes.ts.
import { Command, CommanderError, Option } from "commander";
import { TrawlApi } from "./api-client";
import { downloadCommand } from "./commands/download";
import { cancelCommand, errorsCommand, listCommand, statusCommand } from "./commands/inspect";
import { reextractCommand } from "./commands/reextract";
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
  ID=$(trawl submit urls.txt) && trawl watch $ID && trawl download $ID -o results.ndjson

Progress goes to stderr (a bar on a terminal, plain lines otherwise); data to stdout.

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

program
  .command("submit")
  .description("Submit a URL list: one URL a line, or NDJSON (.ndjson/.jsonl); `-` reads stdin. Prints the batch id.")
  .argument("[file]", "the URL list (not with --crawl)")
  .option("--crawl <url>", "crawl from this URL instead: follow its links within --limit and --depth")
  .option("--limit <n>", "with --crawl: most URLs the crawl takes", (v) => Number.parseInt(v, 10))
  .option("--depth <d>", "with --crawl: link depth (the start page's links are depth 1)", (v) => Number.parseInt(v, 10))
  .option("--include-path <regex...>", "with --crawl: only paths matching one of these")
  .option("--exclude-path <regex...>", "with --crawl: never paths matching one of these")
  .option("--format <formats>", "comma-separated: markdown, html, text, links (default markdown)")
  .option("--no-robots", "ignore robots.txt")
  .option("--full-page", "keep the whole page, not only the main content")
  .option("--idempotency-key <key>", "submitting again with the same key returns the same batch")
  .option("--wait", "watch the batch until its results are published")
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
  .action(run((api, id: string, flags) => reextractCommand(api, id, flags)));

program
  .command("status")
  .description("A batch's status, counts, pages/s and ETA")
  .argument("<id>", "batch id")
  .option("--json", "print the API's answer as JSON")
  .action(run((api, id: string, flags) => statusCommand(api, id, flags)));

program
  .command("watch")
  .description("Follow a batch live until its results are published (Ctrl-C stops watching, not the batch)")
  .argument("<id>", "batch id")
  .action(run((api, id: string) => watchBatch(api, id)));

program
  .command("download")
  .description("Stream the published result set (NDJSON in input order, or Parquet) to a file or stdout")
  .argument("<id>", "batch id")
  .option("-o, --output <file>", "write here instead of stdout")
  .option("--parquet", "a Parquet file with typed columns instead of NDJSON (needs -o)")
  .option("--changes-only", "only the records that moved since the previous run: new, changed, then removed")
  .option(
    "--view <view>",
    "records (one per input URL, the default) or chunks (one row per chunk, batches made with chunking)",
  )
  .option("--drop-near-duplicates", "with --view chunks: leave out pages marked as near-duplicates of an earlier page")
  .action(run((api, id: string, flags) => downloadCommand(api, id, flags)));

program
  .command("errors")
  .description("List failed and skipped URLs with their error codes (tab-separated)")
  .argument("<id>", "batch id")
  .option("--json", "one JSON object a line")
  .action(run((api, id: string, flags) => errorsCommand(api, id, flags)));

program
  .command("cancel")
  .description("Cancel a batch: unfetched URLs end skipped with code `cancelled`; a manifest is still published")
  .argument("<id>", "batch id")
  .option("--json", "print the API's answer as JSON")
  .action(run((api, id: string, flags) => cancelCommand(api, id, flags)));

program
  .command("list")
  .description("Your batches, newest first")
  .option("--limit <n>", "batches per page (1-100)", "20")
  .option("--all", "every batch, following pages")
  .option("--json", "one JSON object a line")
  .action(run((api, flags) => listCommand(api, flags)));

for (const command of program.commands)
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
