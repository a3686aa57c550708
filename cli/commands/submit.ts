// `trawl submit <file>`: streams the URL list from disk to the API, so a million-line
// file costs the same memory as ten lines.
import { createReadStream } from "node:fs";
import { access, constants } from "node:fs/promises";
import type { CreatedBatch, TrawlApi } from "../api-client";
import { CliError, ExitCode } from "../exit-codes";
import { watchBatch } from "../watch-batch";

export interface SubmitFlags {
  format?: string;
  robots: boolean;
  fullPage?: boolean;
  idempotencyKey?: string;
  wait?: boolean;
  json?: boolean;
  crawl?: string;
  limit?: number;
  depth?: number;
  includePath?: string[];
  excludePath?: string[];
}

/** NDJSON for `.ndjson` / `.jsonl` files (URLs with ids), one URL a line otherwise. */
function contentTypeOf(file: string): string {
  return /\.(ndjson|jsonl)$/i.test(file) ? "application/x-ndjson" : "text/plain";
}

/** The batch options the flags ask for; the API validates them and names a bad one. */
function optionsOf(flags: SubmitFlags): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  if (flags.format)
    options.formats = flags.format
      .split(",")
      .map((f) => f.trim())
      .filter(Boolean);
  if (!flags.robots) options.respectRobots = false;
  if (flags.fullPage) options.onlyMainContent = false;
  return options;
}

/**
 * A web stream that reads `source` only when fetch asks for more: at most one chunk is
 * in memory however large the list. (`Readable.toWeb` reads ahead of a slower upload,
 * measured at 530 MB of memory for a 430 MB list.)
 */
function pullStream(source: NodeJS.ReadableStream): ReadableStream<Uint8Array> {
  const chunks = source[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const next = await chunks.next();
        if (next.done) controller.close();
        else controller.enqueue(typeof next.value === "string" ? new TextEncoder().encode(next.value) : next.value);
      },
      async cancel() {
        await chunks.return?.();
      },
    },
    { highWaterMark: 0 },
  );
}

async function openList(file: string): Promise<ReadableStream<Uint8Array>> {
  if (file === "-") return pullStream(process.stdin);
  try {
    await access(file, constants.R_OK);
  } catch (error) {
    throw new CliError(ExitCode.usage, `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? error}`);
  }
  return pullStream(createReadStream(file));
}

/** `--crawl URL`: a batch whose only source is a crawl (lib/crawl.ts), as JSON. */
async function submitCrawl(api: TrawlApi, flags: SubmitFlags & { crawl: string }): Promise<CreatedBatch> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (flags.idempotencyKey) headers["idempotency-key"] = flags.idempotencyKey;
  const crawl = {
    crawl: flags.crawl,
    ...(flags.depth !== undefined && { maxDepth: flags.depth }),
    ...(flags.includePath && { includePaths: flags.includePath }),
    ...(flags.excludePath && { excludePaths: flags.excludePath }),
  };
  const body = {
    urls: [],
    sources: [crawl],
    ...(flags.limit !== undefined && { maxUrls: flags.limit }),
    options: optionsOf(flags),
  };
  return api.json<CreatedBatch>("/v1/batches", { method: "POST", headers, body: JSON.stringify(body) });
}

export async function submitCommand(api: TrawlApi, file: string | undefined, flags: SubmitFlags): Promise<ExitCode> {
  if (flags.crawl !== undefined) {
    if (file !== undefined) throw new CliError(ExitCode.usage, "give a URL list or --crawl, not both");
    return reportSubmitted(api, await submitCrawl(api, { ...flags, crawl: flags.crawl }), flags);
  }
  if (file === undefined) throw new CliError(ExitCode.usage, "give a URL list file (or - for stdin), or --crawl URL");
  if (flags.limit !== undefined || flags.depth !== undefined || flags.includePath || flags.excludePath) {
    throw new CliError(ExitCode.usage, "--limit, --depth, --include-path and --exclude-path go with --crawl");
  }
  const options = optionsOf(flags);
  const query = Object.keys(options).length > 0 ? `?options=${encodeURIComponent(JSON.stringify(options))}` : "";
  const headers: Record<string, string> = { "content-type": contentTypeOf(file) };
  if (flags.idempotencyKey) headers["idempotency-key"] = flags.idempotencyKey;
  const created = await api.json<CreatedBatch>(`/v1/batches${query}`, {
    method: "POST",
    headers,
    body: await openList(file),
    // Node's fetch sends a stream body only half-duplex.
    duplex: "half",
    // Otherwise fetch clones the request (Fetch standard, HTTP-network-or-cache fetch) to
    // replay it on a redirect, and the clone's tee keeps every byte sent: measured 500 MB
    // held for a 430 MB list. With no window and no redirects, nothing is kept.
    redirect: "error",
    window: null,
  } as RequestInit);
  return reportSubmitted(api, created, flags);
}

/** Prints the new batch (id, counts, refused samples) and, with --wait, watches it. */
async function reportSubmitted(api: TrawlApi, created: CreatedBatch, flags: SubmitFlags): Promise<ExitCode> {
  if (flags.json) process.stdout.write(`${JSON.stringify(created)}\n`);
  else process.stdout.write(`${created.id}\n`);
  const invalid = created.invalid.count;
  process.stderr.write(
    `${created.replayed ? "already submitted (same Idempotency-Key)" : "submitted"}: ${created.accepted} accepted, ${created.duplicates} duplicates, ${invalid} invalid\n`,
  );
  for (const sample of created.invalid.samples) {
    process.stderr.write(`  line ${sample.index + 1}: ${sample.code}: ${sample.reason}: ${sample.url}\n`);
  }
  if (invalid > created.invalid.samples.length) {
    process.stderr.write(`  all of them: trawl errors ${created.id}\n`);
  }
  if (!flags.wait) {
    process.stderr.write(`watch it: trawl watch ${created.id}\n`);
    return ExitCode.ok;
  }
  return watchBatch(api, created.id);
}
