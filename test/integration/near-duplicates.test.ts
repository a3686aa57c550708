// Near-duplicates across a real batch (API → queue → consumer → coordinator → R2):
// pages that differ only in site chrome, dateline or link parameters are marked as
// near-duplicates of the earliest such page in input order, and every view of the
// published batch (download, Parquet, /results, manifest) says the same. The Firecrawl
// surface keeps its own document shape and carries none of them.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { ResultRecord } from "../../lib/schemas";
import { Manifest } from "../../lib/schemas";
import { readParquet } from "../support/parquet-rows";
import { api, download, expectViewsAgree, json, ORIGIN, submit, unique, waitForPublished } from "./helpers";

type Marks = [number, number | null, number | null];
const marksOf = (r: Partial<ResultRecord> & { index: number }): Marks => [
  r.index,
  r.nearDuplicateOf ?? null,
  r.duplicateOf ?? null,
];

describe("near-duplicates in a batch", () => {
  it("marks later copies with the earliest page in input order, the same in every view", async () => {
    const run = unique("near");
    const page = (topic: number, variant: string) => `${ORIGIN}/near/${topic}.html?variant=${variant}&run=${run}`;
    const urls = [
      page(1, "chrome"), // 0: first of topic 1
      page(2, "base"), // 1: first of topic 2
      page(1, "base"), // 2: topic 1 again, other chrome
      page(3, "base"), // 3: another text in the same template
      page(2, "tracking"), // 4: topic 2, other link parameters (same text, other Markdown)
      page(1, "date"), // 5: topic 1, other dateline
      `${page(2, "base")}&copy=1`, // 6: topic 2, byte for byte
      `${ORIGIN}/status/404?run=${run}`, // 7: failed: no simhash
    ];
    const created = await submit(urls, { nearDuplicates: true });
    await waitForPublished(created.id);
    await expectViewsAgree(created.id);

    const records = (await download(created.id)) as unknown as ResultRecord[];
    expect(records.map(marksOf)).toEqual([
      [0, null, null],
      [1, null, null],
      [2, 0, 0], // the extractor drops the chrome: the same Markdown
      [3, null, null],
      [4, 1, null],
      [5, 0, 0], // and the dateline
      [6, 1, 1],
      [7, null, null],
    ]);
    for (const r of records.slice(0, 7)) {
      expect(r.simhash).toMatch(/^[0-9a-f]{16}$/);
      expect(r.detectedLanguage).toBeDefined();
      expect(r.extractionQuality).toBeGreaterThan(0);
    }
    expect(records[2]?.nearDuplicateDistance).toBeLessThanOrEqual(3);

    // /results carries the same marks once published (its records come from the coordinator's locate).
    const results = await json<{ records: ResultRecord[] }>(await api(`/v1/batches/${created.id}/results?limit=50`));
    expect(results.records.map(marksOf)).toEqual(records.map(marksOf));

    // Parquet has the columns, read back by an independent reader.
    const link = await json<{ url: string }>(await api(`/v1/batches/${created.id}/download?format=parquet`));
    const url = new URL(link.url);
    const rows = await readParquet(await (await api(`${url.pathname}${url.search}`, { key: null })).arrayBuffer());
    expect(rows.map((r) => [r.index, r.near_duplicate_of, r.duplicate_of])).toEqual(records.map(marksOf));

    // The manifest counts them and lists the parts the marks are in; the record parts are untouched.
    const manifest = Manifest.parse(await json(await api(`/v1/batches/${created.id}/manifest`)));
    expect(manifest.analysis).toMatchObject({ nearDuplicates: 4, exactDuplicates: 3 });
    const parts = manifest.analysis?.duplicateParts ?? [];
    expect(parts.reduce((n, p) => n + p.records, 0)).toBe(4);
    for (const part of manifest.parts) {
      const text = (await (await env.RESULTS.get(part.key))?.text()) ?? "";
      expect(text).not.toContain("nearDuplicateOf");
    }
    expect(manifest.analysis?.quality.pages).toBe(7);
    expect(manifest.analysis?.quality.bands.reduce((n, b) => n + b.pages, 0)).toBe(7);
    const worst = manifest.analysis?.quality.worst ?? [];
    expect(worst).toHaveLength(7);
    expect(worst.map((w) => w.score)).toEqual([...worst.map((w) => w.score)].sort((a, b) => a - b));
    expect(worst[0]?.url).toBe(urls[worst[0]?.index ?? -1]);
  });

  it("adds no analysis with analysis: false", async () => {
    const run = unique("near-off");
    const urls = [1, 1].map((t, i) => `${ORIGIN}/near/${t}.html?run=${run}&n=${i}`);
    const created = await submit(urls, { analysis: false });
    await waitForPublished(created.id);
    const records = (await download(created.id)) as unknown as ResultRecord[];
    expect(records.map((r) => [r.simhash, r.extractionQuality, r.nearDuplicateOf])).toEqual([
      [undefined, undefined, undefined],
      [undefined, undefined, undefined],
    ]);
    const manifest = Manifest.parse(await json(await api(`/v1/batches/${created.id}/manifest`)));
    expect(manifest.analysis).toBeUndefined();
  });
});
