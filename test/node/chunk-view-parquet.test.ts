// The chunk view of a 10,000-page result set, written as Parquet by our writer and read
// back by an independent reader (hyparquet): as many rows as the records have chunks, in
// input order, and the same rows as the NDJSON view (gzip: test/integration/chunk-view.test.ts). Records carry
// real chunks (the chunker over generated Markdown); near-duplicate pages are dropped
// on request. Node, not workerd: ten thousand pages through the local queue would take
// minutes; the same transform and writer serve the signed download (api/results.ts).
import { describe, expect, it } from "vitest";
import { type ChunkRow, ChunkRow as ChunkRowSchema, chunkLines, chunkMarkdown } from "../../lib/chunk";
import { ndjsonToParquet } from "../../lib/parquet-export";
import { simhash64 } from "../../lib/simhash";
import { readParquet } from "../support/parquet-rows";

const PAGES = 10_000;
const chunking = { maxTokens: 64, overlapTokens: 0, tokenizer: "cl100k_base" as const };

function markdownOf(n: number): string {
  const sections = 1 + (n % 3);
  return Array.from(
    { length: sections },
    (_, s) =>
      `## Part ${s} of page ${n}\n\n${`Page ${n} part ${s} says a sentence or two about its topic. `.repeat(1 + ((n + s) % 5))}`,
  ).join("\n\n");
}

/** A page's record as the consumer writes it, in part-sized NDJSON blocks. */
async function* recordBlocks(): AsyncGenerator<string> {
  let block = "";
  for (let n = 0; n < PAGES; n++) {
    const markdown = markdownOf(n);
    const failed = n % 97 === 0;
    const record = {
      index: n,
      id: n % 2 ? `id-${n}` : null,
      url: `https://example.com/${n}`,
      status: failed ? "failed" : "succeeded",
      finalUrl: null,
      title: `Page ${n}`,
      language: "en",
      markdown,
      ...(n % 50 === 7 && { nearDuplicateOf: n - 1 }),
      // As the consumer makes them with analysis on: each chunk with its text's simhash.
      ...(!failed && {
        chunks: chunkMarkdown(markdown, chunking).map((chunk) => ({ ...chunk, simhash: simhash64(chunk.text) })),
      }),
    };
    block += `${JSON.stringify(record)}\n`;
    if (n % 500 === 499) {
      yield block;
      block = "";
    }
  }
  if (block) yield block;
}

async function collect(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

const textOf = async (blocks: AsyncGenerator<string>) => {
  let out = "";
  for await (const b of blocks) out += b;
  return out;
};

describe("chunk view of a 10,000-page batch", () => {
  it("reads back from Parquet with as many rows as the records have chunks, agreeing with NDJSON", async () => {
    let expected = 0;
    let dropped = 0;
    for (let n = 0; n < PAGES; n++) {
      if (n % 97 === 0) continue;
      const count = chunkMarkdown(markdownOf(n), chunking).length;
      expected += count;
      if (n % 50 === 7) dropped += count;
    }
    const ndjson = await textOf(chunkLines(recordBlocks(), { dropNearDuplicates: false }));
    const rows = ndjson
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l) as ChunkRow);
    expect(rows).toHaveLength(expected);
    expect(
      rows.every(
        (r, i) =>
          i === 0 ||
          r.index > (rows[i - 1] as ChunkRow).index ||
          r.chunkIndex === (rows[i - 1] as ChunkRow).chunkIndex + 1,
      ),
    ).toBe(true);

    const parquet = await collect(
      ndjsonToParquet(chunkLines(recordBlocks(), { dropNearDuplicates: false }), ChunkRowSchema),
    );
    const read = await readParquet(parquet.buffer as ArrayBuffer);
    expect(read).toHaveLength(expected);
    // Every row, column by column, as the NDJSON view has it.
    expect(read).toEqual(
      rows.map((row) => ({
        index: row.index,
        id: row.id,
        url: row.url,
        final_url: row.finalUrl,
        title: row.title,
        language: row.language,
        chunk_index: row.chunkIndex,
        heading_path: row.headingPath,
        text: row.text,
        tokens: row.tokens,
        start: row.start,
        end: row.end,
        simhash: row.simhash,
      })),
    );
    expect(read.reduce((sum, r) => sum + Number(r.tokens), 0)).toBe(rows.reduce((sum, r) => sum + r.tokens, 0));

    const kept = await textOf(chunkLines(recordBlocks(), { dropNearDuplicates: true }));
    expect(kept.trimEnd().split("\n")).toHaveLength(expected - dropped);
    expect(dropped).toBeGreaterThan(0);
  }, 120_000);
});
