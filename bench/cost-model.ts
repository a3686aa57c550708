// docs/scaling.md's per-page cost model, next to what a batch's cost ledger counted: the
// comparison bench/pipeline.ts prints (`npm run bench:pipeline 10000`), with the margin
// each figure is held to. Where the two differ by design, `note` says why.
import type { CostCounts } from "../lib/cost-ledger";

interface ModelRow {
  label: string;
  /** docs/scaling.md's figure per page ("What one page costs", single-site catalog crawl, chunks of 25). */
  perPage: number;
  counted: (c: CostCounts) => number;
  /** The ledger may differ from the model by this fraction of the model's figure. */
  margin: number;
  note: string;
}

const MODEL: ModelRow[] = [
  {
    label: "DO requests (coordinator + gate)",
    perPage: 0.16,
    counted: (c) => c.doRequests,
    margin: 0.35,
    note: "the model counts claim, report, acquire and release per chunk; the ledger adds ingestion, alarms and status reads",
  },
  {
    label: "queue operations (3 per message)",
    perPage: 0.12,
    counted: (c) => c.queueMessages * 3,
    margin: 0.25,
    note: "one message per chunk; a retry or redelivery adds one",
  },
  {
    label: "R2 Class A",
    perPage: 0.04,
    counted: (c) => c.r2ClassA,
    margin: 0.25,
    note: "one part per chunk attempt, plus the manifest",
  },
  {
    label: "coordinator SQLite rows written",
    perPage: 4.2,
    counted: (c) => c.sqliteRowsWritten,
    margin: 0.25,
    note: "the model counts the URL rows; the ledger adds chunk, part and batch-row writes",
  },
];

/** Lines comparing `counts` of a batch of `pages` with the model, each marked ok or OUT when past its margin. */
export function compareWithModel(counts: CostCounts, pages: number): { lines: string[]; within: boolean } {
  let within = true;
  const lines = MODEL.map((row) => {
    const perPage = row.counted(counts) / pages;
    const off = (perPage - row.perPage) / row.perPage;
    const ok = Math.abs(off) <= row.margin;
    within &&= ok;
    const sign = off >= 0 ? "+" : "";
    return `    ${row.label.padEnd(34)} model ${String(row.perPage).padStart(5)}  counted ${perPage.toFixed(3).padStart(7)}  ${sign}${(off * 100).toFixed(0)}% (margin ${(row.margin * 100).toFixed(0)}%) ${ok ? "ok" : "OUT"}: ${row.note}`;
  });
  const storedKb = counts.r2BytesStored / pages / 1000;
  lines.push(
    `    R2 stored per page               model ~10 KB  counted ${storedKb.toFixed(1)} KB: the record size is the page's, not the model's`,
  );
  return { lines, within };
}
