// The read-only and one-shot commands: status, errors, list, cancel.
import type { BatchList, BatchView, TrawlApi } from "../api-client";
import { errorEntries } from "../error-pages";
import { ExitCode } from "../exit-codes";
import { describeBatch, formatTally } from "../format";
import { writeOut } from "../output";

export interface JsonFlag {
  json?: boolean;
}

export async function statusCommand(api: TrawlApi, id: string, flags: JsonFlag): Promise<ExitCode> {
  const view = await api.status(id);
  process.stdout.write(flags.json ? `${JSON.stringify(view)}\n` : `${describeBatch(view)}\n`);
  return ExitCode.ok;
}

/** Every failed and skipped URL, one tab-separated line each, and a count per code on stderr. */
export async function errorsCommand(api: TrawlApi, id: string, flags: JsonFlag): Promise<ExitCode> {
  const counts = new Map<string, number>();
  if (!flags.json) process.stdout.write("index\tstatus\tcode\turl\tmessage\n");
  for await (const entry of errorEntries(api, id)) {
    const code = entry.code ?? entry.status;
    counts.set(code, (counts.get(code) ?? 0) + 1);
    const fields = [entry.index, entry.status, code, entry.url, entry.message ?? ""];
    await writeOut(
      flags.json
        ? `${JSON.stringify(entry)}\n`
        : `${fields.map((v) => String(v).replace(/[\t\n]/g, " ")).join("\t")}\n`,
    );
  }
  const total = [...counts.values()].reduce((sum, n) => sum + n, 0);
  process.stderr.write(`${total} failed or skipped${total ? `: ${formatTally(Object.fromEntries(counts))}` : ""}\n`);
  return ExitCode.ok;
}

export async function cancelCommand(api: TrawlApi, id: string, flags: JsonFlag): Promise<ExitCode> {
  const view = await api.json<BatchView>(`/v1/batches/${encodeURIComponent(id)}/cancel`, { method: "POST" });
  process.stdout.write(flags.json ? `${JSON.stringify(view)}\n` : `${describeBatch(view)}\n`);
  return ExitCode.ok;
}

export interface ListFlags extends JsonFlag {
  limit: string;
  all?: boolean;
}

/** Your batches, newest first: one page, or every page with `--all`. */
export async function listCommand(api: TrawlApi, flags: ListFlags): Promise<ExitCode> {
  let cursor: string | null = null;
  if (!flags.json) process.stdout.write("id\tcreated\tstatus\ttotal\n");
  do {
    const query: string = `?limit=${encodeURIComponent(flags.limit)}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
    const page: BatchList = await api.json<BatchList>(`/v1/batches${query}`);
    for (const batch of page.batches) {
      await writeOut(
        flags.json
          ? `${JSON.stringify(batch)}\n`
          : `${batch.id}\t${batch.createdAt}\t${batch.status}\t${batch.total}\n`,
      );
    }
    cursor = flags.all ? page.nextCursor : null;
  } while (cursor);
  return ExitCode.ok;
}
