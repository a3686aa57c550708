// `trawl submit <file>`: streams the URL list from disk to the API, so a million-line
// file costs the same memory as ten lines. With sources to discover URLs from, the
// request is one JSON body instead (the API reads `sources` only there).
import { createReadStream } from "node:fs";
import { access, constants, readFile } from "node:fs/promises";
import type { CreatedBatch, TrawlApi } from "../api-client";
import { resolveBatchId } from "../batch-ids";
import { csvToNdjson } from "../csv-list";
import { CliError, ExitCode } from "../exit-codes";
import { watchBatch } from "../watch-batch";

export interface SubmitFlags {
  format?: string;
  robots: boolean;
  fullPage?: boolean;
  images: boolean;
  selector: string[];
  excludeSelector: string[];
  maxAttempts?: string;
  retention?: string;
  chunkTokens?: string;
  keepRaw?: boolean;
  nearDuplicates?: boolean;
  maxConcurrency?: string;
  webhook?: string;
  webhookEvent: string[];
  minWords?: string;
  requireTitle?: boolean;
  requireSelector: string[];
  name?: string;
  label: string[];
  previous?: string;
  sitemap: string[];
  feed: string[];
  fromRobots: string[];
  include: string[];
  exclude: string[];
  maxUrls?: string;
  /** `--crawl URL`: follow links from this page (a `crawl` source), within the flags below. */
  crawl?: string;
  limit?: number;
  depth?: number;
  includePath?: string[];
  excludePath?: string[];
  schedule?: string;
  idempotencyKey?: string;
  wait?: boolean;
  failOnErrors?: boolean;
  json?: boolean;
}

/** How the list is sent: NDJSON for `.ndjson` / `.jsonl` and CSV (converted), one URL a line otherwise. */
function listKind(file: string): "ndjson" | "csv" | "text" {
  if (/\.(ndjson|jsonl)$/i.test(file)) return "ndjson";
  if (/\.csv$/i.test(file)) return "csv";
  return "text";
}

/** A whole number flag, or a usage error naming it. */
function count(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n)) throw new CliError(ExitCode.usage, `${flag}: not a whole number: ${value}`);
  return n;
}

/** The batch options the flags ask for; the API validates them and names a bad one. */
export function optionsOf(flags: SubmitFlags): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  if (flags.format)
    options.formats = flags.format
      .split(",")
      .map((f) => f.trim())
      .filter(Boolean);
  if (!flags.robots) options.respectRobots = false;
  if (flags.fullPage) options.onlyMainContent = false;
  if (!flags.images) options.images = false;
  if (flags.selector.length) options.includeSelectors = flags.selector;
  if (flags.excludeSelector.length) options.excludeSelectors = flags.excludeSelector;
  const maxAttempts = count("--max-attempts", flags.maxAttempts);
  if (maxAttempts !== undefined) options.maxAttempts = maxAttempts;
  const retention = count("--retention", flags.retention);
  if (retention !== undefined) options.retentionDays = retention;
  const maxTokens = count("--chunk-tokens", flags.chunkTokens);
  if (maxTokens !== undefined) options.chunking = { maxTokens };
  if (flags.keepRaw) options.keepRaw = true;
  if (flags.nearDuplicates) options.nearDuplicates = true;
  const maxConcurrency = count("--max-concurrency", flags.maxConcurrency);
  if (maxConcurrency !== undefined) options.maxConcurrency = maxConcurrency;
  if (flags.webhook) {
    options.webhook = { url: flags.webhook, ...(flags.webhookEvent.length && { events: flags.webhookEvent }) };
  } else if (flags.webhookEvent.length) {
    throw new CliError(ExitCode.usage, "--webhook-event needs --webhook <url>");
  }
  const minWords = count("--min-words", flags.minWords);
  const validate = {
    ...(minWords !== undefined && { minWords }),
    ...(flags.requireTitle && { requireTitle: true }),
    ...(flags.requireSelector.length && { requireSelectors: flags.requireSelector }),
  };
  if (Object.keys(validate).length) options.validate = validate;
  return options;
}

/** `--schedule 02:00` or its JSON (`{"cron":"0 2 * * *","window":"PT2H"}`). */
function scheduleOf(raw: string | undefined): unknown {
  if (raw === undefined) return undefined;
  if (!raw.trimStart().startsWith("{")) return { daily: raw };
  try {
    return JSON.parse(raw);
  } catch {
    throw new CliError(ExitCode.usage, `--schedule: neither HH:MM nor JSON: ${raw}`);
  }
}

/**
 * A web stream that reads `source` only when fetch asks for more: at most one chunk is
 * in memory however large the list. (`Readable.toWeb` reads ahead of a slower upload,
 * measured at 530 MB of memory for a 430 MB list.)
 */
function pullStream(source: AsyncIterable<Uint8Array | string>): ReadableStream<Uint8Array> {
  const chunks = source[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const next = await chunks.next();
          if (next.done) controller.close();
          else controller.enqueue(typeof next.value === "string" ? new TextEncoder().encode(next.value) : next.value);
        } catch (error) {
          controller.error(error);
        }
      },
      async cancel() {
        await chunks.return?.(undefined);
      },
    },
    { highWaterMark: 0 },
  );
}

async function checkReadable(file: string): Promise<void> {
  if (file === "-") return;
  try {
    await access(file, constants.R_OK);
  } catch (error) {
    throw new CliError(ExitCode.usage, `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? error}`);
  }
}

async function* toAsync(text: string): AsyncGenerator<string> {
  yield text;
}

function sourceOf(file: string): AsyncIterable<Uint8Array | string> {
  return file === "-" ? (process.stdin as AsyncIterable<Uint8Array>) : createReadStream(file);
}

/** The request for a streamed list: its body, Content-Type and the query carrying everything else. */
async function streamedRequest(file: string, flags: SubmitFlags, options: Record<string, unknown>, previous?: string) {
  await checkReadable(file);
  const kind = listKind(file);
  const query = new URLSearchParams();
  if (Object.keys(options).length > 0) query.set("options", JSON.stringify(options));
  if (flags.name) query.set("name", flags.name);
  if (flags.label.length) query.set("labels", flags.label.join(","));
  if (previous) query.set("previousBatch", previous);
  if (flags.schedule) query.set("schedule", flags.schedule);
  const source = sourceOf(file);
  const body = pullStream(kind === "csv" ? csvToNdjson(source) : source);
  const contentType = kind === "text" ? "text/plain" : "application/x-ndjson";
  return { path: `/v1/batches${query.size ? `?${query}` : ""}`, contentType, body };
}

/** The JSON body for a batch that discovers URLs from sources (with the file's URLs, if any). */
async function jsonRequest(
  file: string | undefined,
  flags: SubmitFlags,
  options: Record<string, unknown>,
  previous?: string,
) {
  let urls: unknown[] = [];
  if (file) {
    await checkReadable(file);
    const text = file === "-" ? await new Response(pullStream(sourceOf(file))).text() : await readFile(file, "utf8");
    const kind = listKind(file);
    const lines: string[] = [];
    if (kind === "csv") for await (const line of csvToNdjson(toAsync(text))) lines.push(line);
    else lines.push(...text.split("\n").filter((line) => line.trim() !== ""));
    urls = kind === "text" ? lines.map((line) => line.trim()) : lines.map((line) => JSON.parse(line) as unknown);
  }
  const sources = [
    ...flags.sitemap.map((sitemap) => ({ sitemap })),
    ...flags.feed.map((feed) => ({ feed })),
    ...flags.fromRobots.map((robots) => ({ robots })),
    ...(flags.crawl !== undefined ? [crawlSource(flags, flags.crawl)] : []),
  ];
  const body = {
    urls,
    sources,
    ...(flags.include.length && { include: flags.include }),
    ...(flags.exclude.length && { exclude: flags.exclude }),
    ...(flags.maxUrls !== undefined && { maxUrls: count("--max-urls", flags.maxUrls) }),
    ...(flags.limit !== undefined && { maxUrls: flags.limit }),
    ...(flags.name && { name: flags.name }),
    ...(flags.label.length && { labels: flags.label }),
    ...(previous && { previousBatch: previous }),
    ...(flags.schedule && { schedule: scheduleOf(flags.schedule) }),
    options,
  };
  return { path: "/v1/batches", contentType: "application/json", body: JSON.stringify(body) };
}

/** `--crawl URL` as a crawl source (lib/crawl.ts): its depth and path rules with it. */
function crawlSource(flags: SubmitFlags, crawl: string) {
  return {
    crawl,
    ...(flags.depth !== undefined && { maxDepth: flags.depth }),
    ...(flags.includePath && { includePaths: flags.includePath }),
    ...(flags.excludePath && { excludePaths: flags.excludePath }),
  };
}

export async function submitCommand(api: TrawlApi, file: string | undefined, flags: SubmitFlags): Promise<ExitCode> {
  const options = optionsOf(flags);
  scheduleOf(flags.schedule); // a malformed --schedule is a usage error before anything is sent
  if (flags.crawl !== undefined && file !== undefined) {
    throw new CliError(ExitCode.usage, "give a URL list or --crawl, not both");
  }
  if (
    flags.crawl === undefined &&
    (flags.limit !== undefined || flags.depth !== undefined || flags.includePath || flags.excludePath)
  ) {
    throw new CliError(ExitCode.usage, "--limit, --depth, --include-path and --exclude-path go with --crawl");
  }
  const discovers = flags.sitemap.length + flags.feed.length + flags.fromRobots.length > 0 || flags.crawl !== undefined;
  if (!file && !discovers)
    throw new CliError(ExitCode.usage, "give a URL list file (or -), or --sitemap/--feed/--from-robots/--crawl");
  if (!discovers && (flags.include.length || flags.exclude.length || flags.maxUrls !== undefined)) {
    throw new CliError(
      ExitCode.usage,
      "--include, --exclude and --max-urls filter discovered URLs: add --sitemap, --feed or --from-robots",
    );
  }
  const previous = flags.previous ? await resolveBatchId(api, flags.previous) : undefined;
  const request =
    discovers || !file
      ? await jsonRequest(file, flags, options, previous)
      : await streamedRequest(file, flags, options, previous);
  const headers: Record<string, string> = { "content-type": request.contentType };
  if (flags.idempotencyKey) headers["idempotency-key"] = flags.idempotencyKey;
  const created = await api.json<CreatedBatch>(request.path, {
    method: "POST",
    headers,
    body: request.body,
    // Node's fetch sends a stream body only half-duplex.
    duplex: "half",
    // Otherwise fetch clones the request (Fetch standard, HTTP-network-or-cache fetch) to
    // replay it on a redirect, and the clone's tee keeps every byte sent: measured 500 MB
    // held for a 430 MB list. With no window and no redirects, nothing is kept.
    redirect: "error",
    window: null,
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
  return watchBatch(api, created.id, { failOnErrors: flags.failOnErrors });
}
