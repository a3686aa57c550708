// `trawl reextract <id>`: a new batch that extracts a kept batch's stored pages
// (`keepRaw`) again with other options, fetching nothing. Prints the new batch's id.
import type { CreatedBatch, TrawlApi } from "../api-client";
import { ExitCode } from "../exit-codes";
import { watchBatch } from "../watch-batch";

export interface ReextractFlags {
  format?: string;
  selector?: string[];
  exclude?: string[];
  fullPage?: boolean;
  images?: boolean;
  idempotencyKey?: string;
  wait?: boolean;
  json?: boolean;
}

function list(value: string): string[] {
  return value
    .split(",")
    .map((f) => f.trim())
    .filter(Boolean);
}

/** The extraction options the flags ask for; the API validates them and names a bad one. */
function optionsOf(flags: ReextractFlags): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  if (flags.format) options.formats = list(flags.format);
  if (flags.selector?.length) options.includeSelectors = flags.selector;
  if (flags.exclude?.length) options.excludeSelectors = flags.exclude;
  if (flags.fullPage) options.onlyMainContent = false;
  if (flags.images === false) options.images = false;
  return options;
}

export async function reextractCommand(api: TrawlApi, id: string, flags: ReextractFlags): Promise<ExitCode> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (flags.idempotencyKey) headers["idempotency-key"] = flags.idempotencyKey;
  const created = await api.json<CreatedBatch>(`/v1/batches/${encodeURIComponent(id)}/reextract`, {
    method: "POST",
    headers,
    body: JSON.stringify(optionsOf(flags)),
  });
  if (flags.json) process.stdout.write(`${JSON.stringify(created)}\n`);
  else process.stdout.write(`${created.id}\n`);
  process.stderr.write(
    `${created.replayed ? "already started (same Idempotency-Key)" : "re-extracting"} ${id}: ${created.accepted} URLs\n`,
  );
  if (!flags.wait) {
    process.stderr.write(`watch it: trawl watch ${created.id}\n`);
    return ExitCode.ok;
  }
  return watchBatch(api, created.id);
}
