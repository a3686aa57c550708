// Reading a batch's failed and skipped URLs, page by page, in input order.
import type { ErrorsPage, TrawlApi } from "./api-client";

export type ErrorEntry = ErrorsPage["errors"][number];

const PAGE_SIZE = 200;

/** Every failed and skipped URL of a batch, fetched a page at a time (flat memory). */
export async function* errorEntries(
  api: TrawlApi,
  id: string,
  max = Number.POSITIVE_INFINITY,
  code?: string,
): AsyncGenerator<ErrorEntry> {
  let cursor: string | null = null;
  let seen = 0;
  do {
    const query: string = `${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}${code ? `&code=${encodeURIComponent(code)}` : ""}`;
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
