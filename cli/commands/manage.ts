// Commands that change a batch or read its manifest: retry, delete, manifest.
import { type CreatedBatch, failureOf, type TrawlApi } from "../api-client";
import { ExitCode } from "../exit-codes";
import { watchBatch } from "../watch-batch";

export interface RetryFlags {
  code: string[];
  idempotencyKey?: string;
  wait?: boolean;
  failOnErrors?: boolean;
  json?: boolean;
}

/** A new batch of the failed URLs (or those with the given codes); prints its id. */
export async function retryCommand(api: TrawlApi, id: string, flags: RetryFlags): Promise<ExitCode> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (flags.idempotencyKey) headers["idempotency-key"] = flags.idempotencyKey;
  const created = await api.json<CreatedBatch>(`/v1/batches/${id}/retry`, {
    method: "POST",
    headers,
    body: JSON.stringify(flags.code.length ? { codes: flags.code } : {}),
  });
  process.stdout.write(flags.json ? `${JSON.stringify(created)}\n` : `${created.id}\n`);
  process.stderr.write(`retrying ${created.accepted} URLs of ${id}\n`);
  if (!flags.wait) {
    process.stderr.write(`watch it: trawl watch ${created.id}\nmerged results: trawl download ${created.id} --merge\n`);
    return ExitCode.ok;
  }
  return watchBatch(api, created.id, { failOnErrors: flags.failOnErrors });
}

/** Deletes a batch's results and listing now; prints nothing on stdout. */
export async function deleteCommand(api: TrawlApi, id: string): Promise<ExitCode> {
  const response = await api.fetch(`/v1/batches/${id}`, { method: "DELETE" });
  if (!response.ok) throw await failureOf(response);
  process.stderr.write(`deleted ${id}\n`);
  return ExitCode.ok;
}

/** The published manifest, as JSON on stdout. */
export async function manifestCommand(api: TrawlApi, id: string): Promise<ExitCode> {
  const manifest = await api.json<unknown>(`/v1/batches/${id}/manifest`);
  process.stdout.write(`${JSON.stringify(manifest, null, 2)}\n`);
  return ExitCode.ok;
}
