// Calibration of extractionQuality on the two development corpora: every page extracted
// (text only, as the F1 benches score it), its score next to its word F1 against the
// corpus's truth; bands of the score with their share of pages and median F1, and the
// Spearman rank correlation of score and F1. Shared by bench/quality.ts and the corpus test.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { extract } from "../../lib/extract";
import type { QualitySignals } from "../../lib/extract/quality";
import { markdownToText } from "../../lib/extract/text";
import { loadReadability, loadWcxb, readabilityDir, wcxbDir } from "./corpora";
import { htmlText, tokenF1 } from "./token-f1";

export interface ScoredPage {
  corpus: "readability" | "wcxb";
  name: string;
  score: number;
  f1: number;
  declared: string | null;
  detected: string | null;
  signals: QualitySignals | null;
}

/** Every page of both corpora (those present) with its quality score and word F1. */
export async function scoreCorpora(): Promise<ScoredPage[]> {
  const out: ScoredPage[] = [];
  const rdir = readabilityDir();
  for (const p of rdir ? loadReadability(rdir) : []) {
    const r = await extract({
      body: p.bytes,
      contentType: "text/html",
      url: "http://fakehost/test/page.html",
      options: { images: false },
    });
    const text = r.ok ? markdownToText(r.value.markdown) : "";
    out.push(row("readability", p.name, r, tokenF1(text, htmlText(p.expected)).f1));
  }
  const wdir = wcxbDir();
  for (const p of wdir ? loadWcxb(wdir) : []) {
    const r = await extract({ body: p.bytes, contentType: "text/html", url: p.url, options: { images: false } });
    const text = r.ok ? markdownToText(r.value.markdown) : "";
    const truth = readFileSync(join(wdir as string, p.id, "expected.txt"), "utf8");
    out.push(row("wcxb", p.id, r, tokenF1(text, truth).f1));
  }
  return out;
}

function row(
  corpus: ScoredPage["corpus"],
  name: string,
  r: Awaited<ReturnType<typeof extract>>,
  f1: number,
): ScoredPage {
  return {
    corpus,
    name,
    // A failed extraction has no content: the lowest score.
    score: r.ok ? (r.value.extractionQuality ?? 0) : 0,
    f1,
    declared: r.ok ? r.value.language : null,
    detected: r.ok ? (r.value.detectedLanguage ?? null) : null,
    signals: r.ok ? (r.value.qualitySignals ?? null) : null,
  };
}

/** The score bands of the table: [low, high), the last one closed. */
export const BANDS: [number, number][] = [
  [0, 0.6],
  [0.6, 0.7],
  [0.7, 0.8],
  [0.8, 0.9],
  [0.9, 1],
];

export interface BandRow {
  band: string;
  pages: number;
  share: number;
  medianF1: number;
  meanF1: number;
}

/** Pages per score band, with their share and median word F1. */
export function bandTable(pages: ScoredPage[]): BandRow[] {
  return BANDS.map(([lo, hi], i) => {
    const inBand = pages.filter((p) => p.score >= lo && (p.score < hi || (i === BANDS.length - 1 && p.score <= hi)));
    const f1s = inBand.map((p) => p.f1).sort((a, b) => a - b);
    return {
      band: `${lo.toFixed(1)}–${hi.toFixed(1)}`,
      pages: inBand.length,
      share: pages.length > 0 ? inBand.length / pages.length : 0,
      medianF1: median(f1s),
      meanF1: f1s.length > 0 ? f1s.reduce((a, b) => a + b, 0) / f1s.length : Number.NaN,
    };
  });
}

function median(sorted: number[]): number {
  if (sorted.length === 0) return Number.NaN;
  const m = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[m] as number) : ((sorted[m - 1] as number) + (sorted[m] as number)) / 2;
}

/** Spearman's rank correlation (average ranks for ties). */
export function spearman(xs: number[], ys: number[]): number {
  const rx = ranks(xs);
  const ry = ranks(ys);
  const n = xs.length;
  const mx = rx.reduce((a, b) => a + b, 0) / n;
  const my = ry.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let dx = 0;
  let dy = 0;
  for (let i = 0; i < n; i++) {
    const a = (rx[i] as number) - mx;
    const b = (ry[i] as number) - my;
    num += a * b;
    dx += a * a;
    dy += b * b;
  }
  return num / Math.sqrt(dx * dy);
}

function ranks(xs: number[]): number[] {
  const order = xs.map((x, i) => [x, i] as const).sort((a, b) => a[0] - b[0]);
  const out = new Array<number>(xs.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (
      j + 1 < order.length &&
      (order[j + 1] as readonly [number, number])[0] === (order[i] as readonly [number, number])[0]
    )
      j++;
    for (let k = i; k <= j; k++) out[(order[k] as readonly [number, number])[1]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return out;
}

/** The table as Markdown rows (the README's calibration table). */
export function formatTable(rows: BandRow[]): string {
  const lines = [
    "| extractionQuality | pages | share | median word F1 | mean word F1 |",
    "| --- | ---: | ---: | ---: | ---: |",
  ];
  for (const r of rows)
    lines.push(
      `| ${r.band} | ${r.pages} | ${(r.share * 100).toFixed(1)} % | ${Number.isNaN(r.medianF1) ? "–" : r.medianF1.toFixed(3)} | ${Number.isNaN(r.meanF1) ? "–" : r.meanF1.toFixed(3)} |`,
    );
  return lines.join("\n");
}
