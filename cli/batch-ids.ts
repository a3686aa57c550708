// Batch ids as people type them: the full 64 characters, or an unambiguous prefix (the
// status page and `trawl list` show 12), found among the caller's own batches.
import type { BatchList, TrawlApi } from "./api-client";
import { CliError, ExitCode } from "./exit-codes";

const FULL_ID = /^[0-9a-f]{64}$/;
const PREFIX = /^[0-9a-f]{4,63}$/;

/** The full id `given` names: itself when whole, else the one batch of yours it begins. */
export async function resolveBatchId(api: TrawlApi, given: string): Promise<string> {
  const wanted = given.trim().toLowerCase();
  if (FULL_ID.test(wanted)) return wanted;
  // Anything else the API itself refuses, naming the field: its message is the clearest.
  if (!PREFIX.test(wanted)) return given;
  const matches: string[] = [];
  let cursor: string | null = null;
  do {
    const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : "";
    const page: BatchList = await api.json<BatchList>(`/v1/batches?limit=100${query}`);
    for (const batch of page.batches) if (batch.id.startsWith(wanted)) matches.push(batch.id);
    cursor = matches.length > 1 ? null : page.nextCursor;
  } while (cursor);
  if (matches.length === 1) return matches[0] as string;
  if (matches.length === 0) throw new CliError(ExitCode.notFound, `no batch of yours begins with ${wanted}`);
  throw new CliError(
    ExitCode.usage,
    `${wanted} is ambiguous: ${matches.slice(0, 5).join(", ")}${matches.length > 5 ? ", ..." : ""}; give more characters`,
  );
}
