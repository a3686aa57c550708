// `trawl download <id>`: the signed link, streamed straight to a file (or stdout), so a
// million records pass through in flat memory; a file appears only once it is whole.
import { createWriteStream } from "node:fs";
import { rename, rm } from "node:fs/promises";
import { Readable, Transform, type Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { type DownloadLink, failureOf, fetchOrExplain, type TrawlApi } from "../api-client";
import { CliError, ExitCode } from "../exit-codes";

export interface DownloadFlags {
  output?: string;
  parquet?: boolean;
  /** Only the records that moved since the previous run: new, changed, removed. */
  changesOnly?: boolean;
  /** `records` (default) or `chunks`: one row per chunk of each succeeded page. */
  view?: string;
  dropNearDuplicates?: boolean;
  /** gzip-compressed NDJSON bytes (needs -o). */
  gzip?: boolean;
  /** On a retry batch: one record per URL of the batch it retried, the retry's outcome winning. */
  merge?: boolean;
}

/** Counts NDJSON lines as they stream by, and whether the last one was whole. */
function lineCounter(): Transform & { lines: () => number; whole: () => boolean } {
  let lines = 0;
  let last = 10;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) lines++;
      if (chunk.length > 0) last = chunk[chunk.length - 1] ?? last;
      done(null, chunk);
    },
  });
  return Object.assign(counter, { lines: () => lines, whole: () => last === 10 });
}

/** The link query for `--view` and `--drop-near-duplicates`; a usage error for anything else. */
function viewQuery(flags: DownloadFlags): string {
  const view = flags.view ?? "records";
  if (view !== "records" && view !== "chunks") {
    throw new CliError(ExitCode.usage, `--view must be records or chunks, not ${JSON.stringify(view)}`);
  }
  if (flags.dropNearDuplicates && view !== "chunks") {
    throw new CliError(ExitCode.usage, "--drop-near-duplicates applies only to --view chunks");
  }
  if (view === "records") return "";
  return `&view=chunks${flags.dropNearDuplicates ? "&dropNearDuplicates=true" : ""}`;
}

export async function downloadCommand(api: TrawlApi, id: string, flags: DownloadFlags): Promise<ExitCode> {
  const format = flags.parquet ? "parquet" : flags.gzip ? "ndjson.gz" : "ndjson";
  if (flags.parquet && !flags.output) {
    throw new CliError(ExitCode.usage, "--parquet writes a binary file: name it with -o out.parquet");
  }
  if (flags.gzip && !flags.output) {
    throw new CliError(ExitCode.usage, "--gzip writes a binary file: name it with -o out.ndjson.gz");
  }
  const changes = flags.changesOnly ? "&changes=only" : "";
  const view = viewQuery(flags);
  const chunks = view !== "";
  let merge = "";
  if (flags.merge) {
    const status = await api.status(id);
    if (!status.retryOf)
      throw new CliError(ExitCode.usage, `--merge: batch ${id} is not a retry (trawl retry makes one)`);
    merge = `&merge=${status.retryOf}`;
  }
  const link = await api.json<DownloadLink>(
    `/v1/batches/${encodeURIComponent(id)}/download?format=${format}${changes}${merge}${view}`,
  );
  // For .gz the bytes are kept compressed: no Accept-Encoding, so fetch does not unzip them.
  const response = await fetchOrExplain(link.url, { headers: flags.gzip ? {} : { "accept-encoding": "gzip" } });
  if (!response.ok || !response.body) throw await failureOf(response);
  const expected = Number(response.headers.get("x-trawl-records") ?? link.records);

  // NDJSON is counted line by line on the way; a Parquet file counts its own rows.
  const counter = flags.parquet || flags.gzip ? null : lineCounter();
  // Global types are the Workers runtime's; at run time this is Node's own web stream.
  const body = Readable.fromWeb(response.body as unknown as Parameters<typeof Readable.fromWeb>[0]);
  const partial = flags.output ? `${flags.output}.partial` : null;
  const sink: Writable = partial ? createWriteStream(partial) : process.stdout;
  try {
    if (counter) await pipeline(body, counter, sink, { end: partial !== null });
    else await pipeline(body, sink);
  } catch (error) {
    if (partial) await rm(partial, { force: true });
    throw new CliError(ExitCode.failure, `download of batch ${id} failed: ${(error as Error).message}`);
  }
  // Chunk rows have no count known ahead (a page has any number): a cut shows as a partial last line.
  if (counter && (chunks ? !counter.whole() : counter.lines() !== expected)) {
    if (partial) await rm(partial, { force: true });
    throw new CliError(
      ExitCode.failure,
      chunks
        ? `download of batch ${id} cut short: its last chunk row is partial`
        : `download of batch ${id} cut short: ${counter.lines()} of ${expected} records`,
    );
  }
  if (partial && flags.output) await rename(partial, flags.output);
  const what = chunks
    ? `${counter ? `${counter.lines()} chunks of ` : "chunks of "}${expected} ${flags.changesOnly ? "changed " : ""}records`
    : `${expected} ${flags.changesOnly ? "changed " : ""}records`;
  process.stderr.write(
    `${what}${flags.output ? ` written to ${flags.output}` : ""}${flags.parquet ? " (Parquet)" : flags.gzip ? " (gzip)" : ""}\n`,
  );
  return ExitCode.ok;
}
