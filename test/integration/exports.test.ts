// The other download formats of a real batch: Parquet read back by an independent
// reader equals the NDJSON record by record; ndjson.gz is gzip bytes whatever the
// client accepts; a link signed for one format cannot be used for another.
import { describe, expect, it } from "vitest";
import type { ResultRecord } from "../../lib/schemas";
import { expectedRow, readParquet } from "../support/parquet-rows";
import { api, download, json, ORIGIN, submit, unique, waitForPublished } from "./helpers";

async function signedLink(id: string, format?: string): Promise<URL> {
  const response = await api(`/v1/batches/${id}/download${format ? `?format=${format}` : ""}`);
  expect(response.status).toBe(200);
  const link = await json<{ url: string; format: string }>(response);
  expect(link.format).toBe(format ?? "ndjson");
  return new URL(link.url);
}

async function fetchLink(url: URL, headers: Record<string, string> = {}): Promise<Response> {
  return api(`${url.pathname}${url.search}`, { key: null, headers });
}

describe("download formats", () => {
  it("exports Parquet whose rows, read back independently, equal the NDJSON records", async () => {
    const run = unique("parquet");
    const urls: unknown[] = Array.from({ length: 30 }, (_, n) =>
      n % 4 === 0
        ? { url: `${ORIGIN}/pages/${n}.html?run=${run}`, id: `row-${n}` }
        : `${ORIGIN}/pages/${n}.html?run=${run}`,
    );
    urls.push(`${ORIGIN}/status/404?run=${run}`, `${ORIGIN}/pages/3.html?run=${run}#dup`, "mailto:x@example.com");
    const created = await submit(urls, { formats: ["markdown", "html", "text", "links"] });
    await waitForPublished(created.id);
    const records = (await download(created.id)) as unknown as ResultRecord[];

    const response = await fetchLink(await signedLink(created.id, "parquet"));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/vnd.apache.parquet");
    expect(response.headers.get("content-encoding")).toBeNull();
    const rows = await readParquet(await response.arrayBuffer());
    expect(rows).toHaveLength(records.length);
    for (const [i, record] of records.entries()) expect(rows[i]).toEqual(expectedRow(record));
    // The columns are typed, not text: numbers, timestamps and lists come back as such.
    const page = rows.find((r) => r.status === "succeeded") as Record<string, unknown>;
    expect(typeof page.word_count).toBe("number");
    expect(page.fetched_at).toBeInstanceOf(Date);
    expect(Array.isArray(page.links)).toBe(true);
  });

  it("serves ndjson.gz as gzip bytes even to a client that accepts no encoding", async () => {
    const run = unique("gz");
    const created = await submit(Array.from({ length: 8 }, (_, n) => `${ORIGIN}/pages/${n}.html?run=${run}`));
    await waitForPublished(created.id);
    const plain = await (await fetchLink(await signedLink(created.id), { "accept-encoding": "identity" })).text();

    const response = await fetchLink(await signedLink(created.id, "ndjson.gz"), { "accept-encoding": "identity" });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/gzip");
    expect(response.headers.get("content-encoding")).toBeNull();
    const bytes = new Uint8Array(await response.arrayBuffer());
    expect([bytes[0], bytes[1]]).toEqual([0x1f, 0x8b]);
    const unzipped = await new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"))).text();
    expect(unzipped).toBe(plain);
    expect(unzipped.trim().split("\n")).toHaveLength(8);
  });

  it("refuses a link signed for one format when used for another", async () => {
    const run = unique("format-swap");
    const created = await submit([`${ORIGIN}/pages/1.html?run=${run}`]);
    await waitForPublished(created.id);
    const link = await signedLink(created.id);
    link.searchParams.set("format", "parquet");
    expect((await fetchLink(link)).status).toBe(403);
    const bad = await api(`/v1/batches/${created.id}/download?format=csv`);
    expect(bad.status).toBe(400);
    expect((await json<{ error: { details: { field: string }[] } }>(bad)).error.details[0]?.field).toBe("format");
  });
});
