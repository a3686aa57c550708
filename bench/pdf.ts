// PDF benchmark: Trawl's PDF reader (lib/extract/pdf.ts, unpdf / PDF.js) against poppler's
// pdftotext, in the same run, over the real PDFs of test/fixtures/documents/pdfjs. Prints
// per file the word F1 of our text against pdftotext's (the reference) and the time of
// each; then pages/s of both and their ratio (medians of BENCH_ROUNDS runs, with spread),
// the slowest file against the document time budget, and the peak memory of reading a
// generated document near the caps. Hostile files (encrypted, broken, scanned) must end
// with their code, never a crash or a hang.
// Run: npm run bench:pdf   (BENCH_ROUNDS=3 by default; without pdftotext it says so and
// exits 0 after the checks that need no reference.)
import { execFileSync, spawnSync } from "node:child_process";
import { join } from "node:path";
import { extract } from "../lib/extract";
import { DEFAULT_DOCUMENT_LIMITS } from "../lib/extract/document-limits";
import { LIMITS } from "../lib/extract/limits";
import { PAGE_MARKER_LINE } from "../lib/extract/pdf-layout";
import { markdownToText } from "../lib/extract/text";
import { longPdf, REAL_PDF_DIR, realPdf, realPdfNames } from "../test/support/documents";
import { tokenF1 } from "../test/support/token-f1";

const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));
const TARGET_F1 = 0.95;
const havePdftotext = spawnSync("pdftotext", ["-v"]).error === undefined;
if (!havePdftotext)
  console.log("pdftotext (Debian poppler-utils) not found: no reference, so no F1 and no speed ratio; checks only.");

interface Row {
  name: string;
  pages: number;
  code: string | null;
  f1: number | null;
  oursMs: number[];
  popplerMs: number[];
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
};
const spread = (xs: number[]): string => `${Math.min(...xs).toFixed(0)}-${Math.max(...xs).toFixed(0)}`;

async function ours(bytes: Uint8Array) {
  const started = performance.now();
  const result = await extract({
    body: bytes,
    contentType: "application/pdf",
    url: "https://bench.test/doc.pdf",
    options: { documents: DEFAULT_DOCUMENT_LIMITS },
  });
  return { result, ms: performance.now() - started };
}

function poppler(path: string): { text: string; ms: number } {
  const started = performance.now();
  const text = execFileSync("pdftotext", ["-q", "-enc", "UTF-8", path, "-"], { maxBuffer: 64 << 20 }).toString();
  return { text, ms: performance.now() - started };
}

const rows: Row[] = [];
for (const name of realPdfNames()) {
  const bytes = realPdf(name);
  const path = join(REAL_PDF_DIR, name);
  const row: Row = { name, pages: 0, code: null, f1: null, oursMs: [], popplerMs: [] };
  let reference: string | null = null;
  for (let round = 0; round < ROUNDS; round++) {
    const { result, ms } = await ours(bytes);
    row.oursMs.push(ms);
    if (result.ok) {
      row.pages = result.value.pageCount ?? 0;
      if (havePdftotext) {
        try {
          const ref = poppler(path);
          row.popplerMs.push(ref.ms);
          reference = ref.text;
        } catch {
          reference = null; // poppler refuses it too (a password, a broken file)
        }
      }
      if (reference !== null && round === 0)
        row.f1 = tokenF1(markdownToText(result.value.markdown.replace(PAGE_MARKER_LINE, "")), reference).f1;
    } else row.code = result.error.code;
  }
  rows.push(row);
}

const pad = (s: string, n: number) => s.padEnd(n).slice(0, n);
console.log(`\n${pad("file", 34)} pages  ${pad("outcome", 20)}    F1   ours ms (spread)   pdftotext ms`);
for (const r of rows)
  console.log(
    `${pad(r.name, 34)} ${String(r.pages).padStart(5)}  ${pad(r.code ?? "succeeded", 20)} ${r.f1 === null ? "     -" : r.f1.toFixed(3).padStart(6)}   ${median(r.oursMs).toFixed(0).padStart(6)} (${spread(r.oursMs)})   ${r.popplerMs.length ? median(r.popplerMs).toFixed(0).padStart(6) : "     -"}`,
  );

// Text PDFs: those both readers read, with words enough to score.
const text = rows.filter((r) => r.f1 !== null && r.popplerMs.length > 0);
let failed = false;
if (havePdftotext && text.length > 0) {
  const meanF1 = text.reduce((s, r) => s + (r.f1 ?? 0), 0) / text.length;
  const below = text.filter((r) => (r.f1 ?? 0) < TARGET_F1);
  const pages = text.reduce((s, r) => s + r.pages, 0);
  const oursRuns: number[] = [];
  const popplerRuns: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    oursRuns.push(text.reduce((s, r) => s + (r.oursMs[round] ?? 0), 0));
    popplerRuns.push(text.reduce((s, r) => s + (r.popplerMs[round] ?? 0), 0));
  }
  const oursRate = (pages / median(oursRuns)) * 1000;
  const popplerRate = (pages / median(popplerRuns)) * 1000;
  console.log(`\ntext PDFs: ${text.length}, ${pages} pages`);
  console.log(
    `word F1 against pdftotext: mean ${meanF1.toFixed(3)}, min ${Math.min(...text.map((r) => r.f1 ?? 0)).toFixed(3)} (target >= ${TARGET_F1} each); below: ${below.map((r) => r.name).join(", ") || "none"}`,
  );
  console.log(
    `pages/s: ours ${oursRate.toFixed(1)} (runs ${oursRuns.map((x) => ((pages / x) * 1000).toFixed(1)).join(", ")}), pdftotext ${popplerRate.toFixed(1)} (runs ${popplerRuns.map((x) => ((pages / x) * 1000).toFixed(1)).join(", ")}; each a process spawn)`,
  );
  console.log(`ratio ours/pdftotext pages/s: ${(oursRate / popplerRate).toFixed(2)}`);
  if (meanF1 < TARGET_F1) failed = true;
}

const slowest = rows.reduce((a, b) => (median(b.oursMs) > median(a.oursMs) ? b : a));
console.log(
  `slowest file: ${slowest.name}, ${median(slowest.oursMs).toFixed(0)} ms (budget ${DEFAULT_DOCUMENT_LIMITS.timeBudgetMs} ms${median(slowest.oursMs) > DEFAULT_DOCUMENT_LIMITS.timeBudgetMs ? ": OVER" : ""})`,
);
console.log(
  `hostile files ended with: ${rows
    .filter((r) => r.code)
    .map((r) => `${r.name} ${r.code}`)
    .join("; ")}`,
);

// Peak memory of one document near the caps: DOCUMENT_MAX_PAGES pages of dense text.
const big = await longPdf(DEFAULT_DOCUMENT_LIMITS.maxPages, 60);
const bigBytes = big.length;
globalThis.gc?.();
const before = process.memoryUsage();
let peakHeap = before.heapUsed;
let peakRss = before.rss;
const sampler = setInterval(() => {
  const m = process.memoryUsage();
  peakHeap = Math.max(peakHeap, m.heapUsed);
  peakRss = Math.max(peakRss, m.rss);
}, 5);
const near = await ours(big);
clearInterval(sampler);
const mb = (n: number) => (n / 1024 / 1024).toFixed(1);
console.log(
  `near the caps: ${mb(bigBytes)} MB, ${DEFAULT_DOCUMENT_LIMITS.maxPages} pages -> ${near.result.ok ? `${near.result.value.wordCount} words${near.result.value.truncated ? " (Markdown cut at LIMITS.maxMarkdownChars)" : ""}` : near.result.error.code}, ${near.ms.toFixed(0)} ms; heap +${mb(peakHeap - before.heapUsed)} MB (peak ${mb(peakHeap)} MB), rss +${mb(peakRss - before.rss)} MB; the isolate has 128 MB; Markdown cap ${mb(LIMITS.maxMarkdownChars)} M chars`,
);
process.exit(failed ? 1 : 0);
