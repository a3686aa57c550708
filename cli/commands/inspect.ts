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

export interface ErrorsFlags extends JsonFlag {
  code?: string;
}

/** Every failed and skipped URL, one tab-separated line each, and a count per code on stderr. */
export async function errorsCommand(api: TrawlApi, id: string, flags: ErrorsFlags): Promise<ExitCode> {
  const counts = new Map<string, number>();
  // The header only once the API has answered: a refused request leaves stdout empty.
  let header = !flags.json;
  const writeHeader = () => {
    if (header) process.stdout.write("index\tstatus\tcode\turl\tmessage\n");
    header = false;
  };
  for await (const entry of errorEntries(api, id, Number.POSITIVE_INFINITY, flags.code)) {
    writeHeader();
    const code = entry.code ?? entry.status;
    counts.set(code, (counts.get(code) ?? 0) + 1);
    const fields = [entry.index, entry.status, code, entry.url, entry.message ?? ""];
    await writeOut(
      flags.json
        ? `${JSON.stringify(entry)}\n`
        : `${fields.map((v) => String(v).replace(/[\t\n]/g, " ")).join("\t")}\n`,
    );
  }
  writeHeader();
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
  label: string[];
  cursor?: string;
}

type Listed = BatchList["batches"][number];

/** Each batch of a page with its counts (a status read each, a few at a time). */
async function withCounts(api: TrawlApi, batches: Listed[]): Promise<{ batch: Listed; view: BatchView | null }[]> {
  const out: { batch: Listed; view: BatchView | null }[] = [];
  for (let i = 0; i < batches.length; i += 8) {
    const slice = batches.slice(i, i + 8);
    // A batch deleted between the list and its status read is listed without counts.
    const views = await Promise.all(slice.map((b) => api.status(b.id).catch(() => null)));
    for (const [j, batch] of slice.entries()) out.push({ batch, view: views[j] ?? null });
  }
  return out;
}

/** Your batches, newest first, with their counts: one page (a hint on stderr when more), or every page with `--all`. */
export async function listCommand(api: TrawlApi, flags: ListFlags): Promise<ExitCode> {
  let cursor: string | null = flags.cursor ?? null;
  let header = !flags.json;
  const label = flags.label.length ? `&label=${encodeURIComponent(flags.label.join(","))}` : "";
  do {
    const query: string = `?limit=${encodeURIComponent(flags.limit)}${label}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
    const page: BatchList = await api.json<BatchList>(`/v1/batches${query}`);
    if (header) process.stdout.write("id\tcreated\tstatus\ttotal\tsucceeded\tfailed\tskipped\tpending\tname\tlabels\n");
    header = false;
    for (const { batch, view } of await withCounts(api, page.batches)) {
      const c = view?.counts;
      const fields = [
        batch.id,
        batch.createdAt,
        view?.status ?? batch.status,
        batch.total,
        c?.succeeded ?? "-",
        c?.failed ?? "-",
        c?.skipped ?? "-",
        c?.pending ?? "-",
        batch.name ?? "",
        batch.labels.join(","),
      ];
      await writeOut(
        flags.json
          ? `${JSON.stringify({ ...batch, status: view?.status ?? batch.status, counts: c ?? null })}\n`
          : `${fields.map((v) => String(v).replace(/[\t\n]/g, " ")).join("\t")}\n`,
      );
    }
    if (!flags.all && page.nextCursor) {
      process.stderr.write(
        `more batches: trawl list --all, or the next page: trawl list --cursor ${page.nextCursor}\n`,
      );
    }
    cursor = flags.all ? page.nextCursor : null;
  } while (cursor);
  return ExitCode.ok;
}
