// Reading a batch's failed and skipped URLs, page by page, in input order.
import type { ErrorsPage, TrawlApi } from "./api-client";
import type { CodeTally } from "./format";

export type ErrorEntry = ErrorsPage["errors"][number];

const PAGE_SIZE = 200;

/** Every failed and skipped URL of a batch, fetched a page at a time (flat memory). */
export async function* errorEntries(
  api: TrawlApi,
  id: string,
  max = Number.POSITIVE_INFINITY,
): AsyncGenerator<ErrorEntry> {
  let cursor: string | null = null;
  let seen = 0;
  do {
    const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : "";
    const page: ErrorsPage = await api.json<ErrorsPage>(
      `/v1/batches/${encodeURIComponent(id)}/errors?limit=${PAGE_SIZE}${query}`,
    );
    for (const entry of page.errors) {
      if (seen++ >= max) return;
      yield entry;
    }
    cursor = page.nextCursor;
  } while (cursor);
}

/**
 * Errors per code, read from the errors list up to `max` entries: no route counts them
 * by code, and a batch with a million failures should not cost a million-row read.
 */
export async function tallyErrors(api: TrawlApi, id: string, max: number): Promise<CodeTally> {
  const counts = new Map<string, number>();
  let read = 0;
  for await (const entry of errorEntries(api, id, max + 1)) {
    if (++read > max) return { counts, sampled: true };
    const code = entry.code ?? entry.status;
    counts.set(code, (counts.get(code) ?? 0) + 1);
  }
  return { counts, sampled: false };
}
