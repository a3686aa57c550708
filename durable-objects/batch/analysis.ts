// The manifest's `analysis`: the near-duplicate marks written to R2 in sorted parts, their
// counts, and the distribution of extractionQuality with the worst pages. Run at
// publication, when every URL is terminal and the marks are final.
import type { Batch } from "../../lib/batch";
import { r2Keys } from "../../lib/r2-keys";
import { storePart } from "../../lib/result-parts";
import type { ManifestAnalysis, ManifestPart } from "../../lib/schemas";
import { duplicateCounts, marksPart } from "../near-duplicates";
import type { BatchContext } from "./context";

/** Score bands of the manifest's distribution, as the README's calibration table has them. */
const QUALITY_BANDS: [number, number][] = [
  [0, 0.6],
  [0.6, 0.7],
  [0.7, 0.8],
  [0.8, 0.9],
  [0.9, 1],
];
/** Lowest-scored pages the manifest names. */
const WORST_PAGES = 20;

/** Writes the marks' parts (the same keys again after a crash) and answers the manifest's `analysis`; null when off. */
export async function publishAnalysis(cx: BatchContext, batch: Batch): Promise<ManifestAnalysis | null> {
  if (batch.options.analysis === false) return null;
  const sql = cx.ctx.storage.sql;
  const duplicateParts: ManifestPart[] = [];
  for (let part = await marksPart(sql, -1); part; part = await marksPart(sql, part.last)) {
    duplicateParts.push(await storePart(cx.env.RESULTS, r2Keys.duplicatesPart(batch.batch_id, part.first), part));
  }
  const counts = duplicateCounts(sql);
  return {
    nearDuplicates: counts.near,
    exactDuplicates: counts.exact,
    duplicateParts,
    quality: qualityOf(sql),
  };
}

function qualityOf(sql: SqlStorage): ManifestAnalysis["quality"] {
  // Every band counted in one pass over the rows (ten million at most), not one pass each.
  const columns = QUALITY_BANDS.map(([from, to], i) => {
    const last = i === QUALITY_BANDS.length - 1;
    return `COALESCE(SUM(quality >= ${from} AND quality ${last ? "<=" : "<"} ${to}), 0) AS b${i}`;
  });
  const counted = sql
    .exec<Record<string, number>>(`SELECT ${columns.join(", ")} FROM urls WHERE quality IS NOT NULL`)
    .one();
  const bands = QUALITY_BANDS.map(([from, to], i) => ({ from, to, pages: counted[`b${i}`] ?? 0 }));
  const worst = sql
    .exec<{ idx: number; url: string; quality: number }>(
      "SELECT idx, url, quality FROM urls WHERE quality IS NOT NULL ORDER BY quality, idx LIMIT ?",
      WORST_PAGES,
    )
    .toArray()
    .map((row) => ({ index: row.idx, url: row.url, score: row.quality }));
  return { pages: bands.reduce((sum, band) => sum + band.pages, 0), bands, worst };
}
