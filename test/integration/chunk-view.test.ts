// The chunk view of a real batch made with `chunking`: one row per chunk of each
// succeeded page, in input order, the same rows in NDJSON, ndjson.gz and Parquet (read
// back by an independent reader), and records and manifest saying what made them.
import { describe, expect, it } from "vitest";
import type { ChunkRow } from "../../lib/chunk";
import type { ResultRecord } from "../../lib/schemas";
import { simhash64 } from "../../lib/simhash";
import { readParquet } from "../support/parquet-rows";
import { api, download, json, ORIGIN, submit, unique, waitForPublished } from "./helpers";

async function chunkLink(id: string, query: string): Promise<{ status: number; url?: URL; body: unknown }> {
  const response = await api(`/v1/batches/${id}/download?${query}`);
  const body = await response.json();
  return { status: response.status, body, ...(response.ok && { url: new URL((body as { url: string }).url) }) };
}

async function fetchLink(url: URL): Promise<Response> {
  const response = await api(`${url.pathname}${url.search}`, { key: null, headers: { "accept-encoding": "identity" } });
  expect(response.status).toBe(200);
  return response;
}

const ndjson = (text: string) =>
  text
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l));

describe("chunk view", () => {
  it("streams one row per chunk in input order, alike in NDJSON, gzip and Parquet", async () => {
    const run = unique("chunks");
    const urls: unknown[] = Array.from({ length: 6 }, (_, n) =>
      n % 3 === 0
        ? { url: `${ORIGIN}/pages/${n}.html?run=${run}`, id: `p-${n}` }
        : `${ORIGIN}/pages/${n}.html?run=${run}`,
    );
    urls.push(`${ORIGIN}/status/404?run=${run}`);
    const created = await submit(urls, { chunking: { maxTokens: 32, overlapTokens: 4 } });
    const manifest = await waitForPublished(created.id, undefined, 90_000);
    const records = (await download(created.id)) as unknown as ResultRecord[];
    const expected = records.flatMap((r) =>
      r.status === "succeeded"
        ? (r.chunks ?? []).map((c) => ({ index: r.index, id: r.id, url: r.url, chunkIndex: c.index, text: c.text }))
        : [],
    );
    expect(records.filter((r) => r.status === "succeeded")).toHaveLength(6);
    for (const r of records.filter((r) => r.status === "succeeded")) {
      expect(r.chunks?.length).toBeGreaterThan(1);
      for (const c of r.chunks ?? []) {
        expect(r.markdown?.slice(c.start, c.end)).toBe(c.text);
        // Analysis is on by default: each chunk carries the simhash of its own text.
        expect(c.simhash).toBe(simhash64(c.text));
      }
      expect(r.extractor?.optionsHash).toMatch(/^[0-9a-f]{16}$/);
    }
    const published = await json<Record<string, { optionsHash: string; options: unknown; version: string }>>(
      await api(`/v1/batches/${created.id}/manifest`),
    );
    expect(published.extractor?.optionsHash).toBe(records[0]?.extractor?.optionsHash);
    expect(published.extractor?.options).toMatchObject({ chunking: { maxTokens: 32, overlapTokens: 4 } });
    expect(manifest).toBeTruthy();

    const plain = await chunkLink(created.id, "view=chunks");
    expect(plain.status).toBe(200);
    const rows = ndjson(await (await fetchLink(plain.url as URL)).text()) as ChunkRow[];
    expect(rows.map((r) => ({ index: r.index, id: r.id, url: r.url, chunkIndex: r.chunkIndex, text: r.text }))).toEqual(
      expected,
    );
    expect(rows[0]?.title).toBe("Article 0");

    const gz = await chunkLink(created.id, "view=chunks&format=ndjson.gz");
    const bytes = await (await fetchLink(gz.url as URL)).arrayBuffer();
    const unzipped = await new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"))).text();
    expect(ndjson(unzipped)).toEqual(rows);

    const parquet = await chunkLink(created.id, "view=chunks&format=parquet");
    const read = await readParquet(await (await fetchLink(parquet.url as URL)).arrayBuffer());
    expect(read.map((r) => [r.index, r.chunk_index, r.text, r.heading_path, r.tokens, r.simhash])).toEqual(
      rows.map((r) => [r.index, r.chunkIndex, r.text, r.headingPath, r.tokens, r.simhash]),
    );
    expect(rows.every((r) => typeof r.simhash === "string")).toBe(true);

    // A link signed for records cannot be turned into the chunk view.
    const records404 = new URL((plain.url as URL).href);
    records404.searchParams.delete("view");
    const tampered = await api(`${records404.pathname}${records404.search}`, { key: null });
    expect(tampered.status).toBe(403);
  }, 120_000);

  it("refuses dropNearDuplicates without view=chunks, and the chunk view of a batch made without chunking", async () => {
    const run = unique("nochunks");
    const created = await submit([`${ORIGIN}/pages/1.html?run=${run}`]);
    await waitForPublished(created.id);
    const drop = await chunkLink(created.id, "dropNearDuplicates=true");
    expect(drop.status).toBe(400);
    expect(JSON.stringify(drop.body)).toContain("dropNearDuplicates");
    const view = await chunkLink(created.id, "view=chunks");
    expect(view.status).toBe(400);
    expect(JSON.stringify(view.body)).toContain("chunking");
    const bad = await chunkLink(created.id, "view=sentences");
    expect(bad.status).toBe(400);
  });
});
