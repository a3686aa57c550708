// `trawl submit <file>`: streams the URL list from disk to the API, so a million-line
// file costs the same memory as ten lines.
import { createReadStream } from "node:fs";
import { access, constants } from "node:fs/promises";
import { Readable } from "node:stream";
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

// The project's global types are the Workers runtime's; Node's web streams are the same
// objects at run time under other declarations, hence the casts through `unknown`.
async function openList(file: string): Promise<ReadableStream<Uint8Array>> {
  if (file === "-") return Readable.toWeb(process.stdin) as unknown as ReadableStream<Uint8Array>;
  try {
    await access(file, constants.R_OK);
  } catch (error) {
    throw new CliError(ExitCode.usage, `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? error}`);
  }
  return Readable.toWeb(createReadStream(file)) as unknown as ReadableStream<Uint8Array>;
}

export async function submitCommand(api: TrawlApi, file: string, flags: SubmitFlags): Promise<ExitCode> {
  const options = optionsOf(flags);
  const query = Object.keys(options).length > 0 ? `?options=${encodeURIComponent(JSON.stringify(options))}` : "";
  const headers: Record<string, string> = { "content-type": contentTypeOf(file) };
  if (flags.idempotencyKey) headers["idempotency-key"] = flags.idempotencyKey;
  const created = await api.json<CreatedBatch>(`/v1/batches${query}`, {
    method: "POST",
    headers,
    body: await openList(file),
    // Node's fetch sends a stream body only half-duplex: the upload streams, nothing is buffered.
    duplex: "half",
  } as RequestInit);

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
