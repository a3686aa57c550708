// The chunk view of a result set: one row per chunk, each carrying the page's identity,
// what vector-store loaders read. A transform of the record stream (NDJSON blocks in
// input order, as the download merges them), so it is as flat in memory as the records
// view and every format (NDJSON, gzip, Parquet) and selection (merge, changes) applies.
import { z } from "zod";
import { Chunk } from "./options";

/** One row of `download?view=chunks`: a chunk with its page's index, id, URL, title and language. */
export const ChunkRow = z.object({
  /** The page's input index: rows come in input order, then chunk order. */
  index: z.number().int().nonnegative(),
  id: z.string().nullable(),
  url: z.string(),
  finalUrl: z.string().nullable(),
  title: z.string().nullable(),
  language: z.string().nullable(),
  chunkIndex: z.number().int().nonnegative(),
  headingPath: z.array(z.string()),
  text: z.string(),
  tokens: z.number().int().nonnegative(),
  start: z.number().int().nonnegative(),
  end: z.number().int().nonnegative(),
  /** The chunk's simhash (with `analysis` on), for near-duplicate chunks across pages. */
  simhash: z.string().nullable(),
});
export type ChunkRow = z.infer<typeof ChunkRow>;

/** The fields of a record the view reads (records come from R2, a trust boundary). */
const ChunkSource = z.object({
  index: z.number().int().nonnegative(),
  id: z.string().nullable(),
  url: z.string(),
  finalUrl: z.string().nullable(),
  title: z.string().nullable(),
  language: z.string().nullable(),
  status: z.string(),
  chunks: z.array(Chunk).optional(),
  nearDuplicateOf: z.number().int().nullable().optional(),
});

export interface ChunkViewOptions {
  /** Leave out pages whose record has `nearDuplicateOf` set (a near-duplicate of an earlier page). */
  dropNearDuplicates: boolean;
}

/** A record's chunk rows: none unless it succeeded (quarantined and failed pages are not indexed). */
export function chunkRows(record: unknown, options: ChunkViewOptions): ChunkRow[] {
  const page = ChunkSource.parse(record);
  if (page.status !== "succeeded" || !page.chunks) return [];
  if (options.dropNearDuplicates && page.nearDuplicateOf !== undefined && page.nearDuplicateOf !== null) return [];
  const { index, id, url, finalUrl, title, language } = page;
  return page.chunks.map((chunk) => ({
    index,
    id,
    url,
    finalUrl,
    title,
    language,
    chunkIndex: chunk.index,
    headingPath: chunk.headingPath,
    text: chunk.text,
    tokens: chunk.tokens,
    start: chunk.start,
    end: chunk.end,
    simhash: chunk.simhash ?? null,
  }));
}

/** Record NDJSON blocks as chunk-row NDJSON blocks, in the same order; blocks with no chunks are skipped. */
export async function* chunkLines(blocks: AsyncIterator<string>, options: ChunkViewOptions): AsyncGenerator<string> {
  while (true) {
    const { done, value } = await blocks.next();
    if (done) return;
    let out = "";
    for (const line of value.split("\n")) {
      if (line === "") continue;
      for (const row of chunkRows(JSON.parse(line), options)) out += `${JSON.stringify(row)}\n`;
    }
    if (out !== "") yield out;
  }
}
