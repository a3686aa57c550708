// Extraction benchmark: our engine vs htmlparser2's parseDocument alone vs turndown on the
// raw page, over the Readability corpus, in one Node process; then quality on both
// development corpora: the Readability test pages (token F1 against Readability's own
// output) and wcxb-dev (word F1 per page type, WCXB by Murrough Foley, CC-BY-4.0).
// Quality is scored on text-only extraction (images: false): alt text is not body text.
// Run: npx tsx bench/extract.ts   (BENCH_ROUNDS=0 skips the timing; TRAWL_CORPUS and
// TRAWL_WCXB point at other copies of the corpora; a missing corpus is skipped and said so.)
import { parseDocument } from "htmlparser2";
import TurndownService from "turndown";
import { extract } from "../lib/extract";
import { markdownToText } from "../lib/extract/text";
import { loadReadability, loadWcxb, readabilityDir, scoreWcxb, wcxbDir } from "../test/support/corpora";
import { htmlText, tokenF1 } from "../test/support/token-f1";

const PAGE_URL = "http://fakehost/test/page.html";
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

const rdir = readabilityDir();
const pages = rdir ? loadReadability(rdir) : [];
if (!rdir) console.log("Readability corpus not found (../shared/corpus/readability or TRAWL_CORPUS): skipped");

let peakRss = 0;
let peakHeap = 0;
function sampleMemory(): void {
  const m = process.memoryUsage();
  peakRss = Math.max(peakRss, m.rss);
  peakHeap = Math.max(peakHeap, m.heapUsed);
}

/** What the timing needs of a page, from either corpus. */
interface TimedPage {
  name: string;
  bytes: Uint8Array;
  html: string;
  url: string;
}

interface Timing {
  label: string;
  fn: (p: TimedPage) => unknown;
  seconds: number;
  rounds: number[];
  slowest: { name: string; ms: number };
}
function contender(label: string, fn: (p: TimedPage) => unknown): Timing {
  return { label, fn, seconds: 0, rounds: [], slowest: { name: "", ms: 0 } };
}

async function timeContenders(label: string, pages: TimedPage[], rounds: number): Promise<void> {
  const totalBytes = pages.reduce((s, p) => s + p.bytes.length, 0);
  const turndown = new TurndownService();
  const ours = contender("trawl extract", (p) => extract({ body: p.bytes, contentType: "text/html", url: p.url }));
  const parse = contender("parseDocument", (p) => parseDocument(p.html));
  const td = contender("turndown (raw page)", (p) => turndown.turndown(p.html));
  const all = [ours, parse, td];
  for (const c of all) for (const p of pages) await c.fn(p); // warm-up: JIT and caches
  // Rounds alternate between contenders, so load drift on a shared machine hits all three
  // alike; each round is a whole pass, so one contender's garbage is not collected on another's clock.
  for (let r = 0; r < rounds; r++) {
    for (const c of all) {
      let round = 0;
      for (const p of pages) {
        const t0 = performance.now();
        await c.fn(p);
        const ms = performance.now() - t0;
        round += ms / 1000;
        if (ms > c.slowest.ms) Object.assign(c.slowest, { name: p.name, ms });
        sampleMemory();
      }
      c.seconds += round;
      c.rounds.push(round);
    }
  }
  const mb = (totalBytes * rounds) / 1e6;
  console.log(
    `speed, ${label}: ${pages.length} pages, ${(totalBytes / 1e6).toFixed(1)} MB, ${rounds} rounds after warm-up`,
  );
  for (const t of all) {
    console.log(
      `${t.label.padEnd(22)} ${(mb / t.seconds).toFixed(1).padStart(7)} MB/s ${((pages.length * rounds) / t.seconds).toFixed(1).padStart(8)} pages/s   slowest ${t.slowest.name} ${t.slowest.ms.toFixed(1)} ms`,
    );
  }
  const spread = (other: Timing): string => {
    const r = ours.rounds.map((s, i) => (other.rounds[i] ?? 0) / s).sort((a, b) => a - b);
    return `per round ${(r[0] ?? 0).toFixed(2)}..${(r[r.length - 1] ?? 0).toFixed(2)}`;
  };
  console.log(
    `ratio vs parseDocument: ${(parse.seconds / ours.seconds).toFixed(2)}x (target >= 0.5x; ${spread(parse)})`,
  );
  console.log(`ratio vs turndown:      ${(td.seconds / ours.seconds).toFixed(2)}x (target >= 4x; ${spread(td)})`);
  console.log(`peak memory: rss ${(peakRss / 1e6).toFixed(0)} MB, heap ${(peakHeap / 1e6).toFixed(0)} MB`);
}

async function readabilityQuality(): Promise<void> {
  const scores: { name: string; f1: number; p: number; r: number; err?: string }[] = [];
  for (const p of pages) {
    const res = await extract({ body: p.bytes, contentType: "text/html", url: PAGE_URL, options: { images: false } });
    const text = res.ok ? markdownToText(res.value.markdown) : "";
    const s = tokenF1(text, htmlText(p.expected));
    scores.push({ name: p.name, f1: s.f1, p: s.precision, r: s.recall, err: res.ok ? undefined : res.error.code });
  }
  const mean = scores.reduce((s, x) => s + x.f1, 0) / scores.length;
  const sorted = [...scores].sort((a, b) => a.f1 - b.f1);
  const median = sorted[Math.floor(sorted.length / 2)]?.f1 ?? 0;
  console.log(`readability: mean token F1 ${mean.toFixed(3)} (target >= 0.985), median ${median.toFixed(3)}`);
  console.log(`pages below 0.5: ${sorted.filter((s) => s.f1 < 0.5).length}`);
  for (const s of sorted.slice(0, Number(process.env.BENCH_WORST ?? 8))) {
    console.log(
      `  ${s.name.padEnd(40)} F1 ${s.f1.toFixed(3)}  P ${s.p.toFixed(3)}  R ${s.r.toFixed(3)}${s.err ? `  (${s.err})` : ""}`,
    );
  }
}

async function wcxbQuality(): Promise<void> {
  const dir = wcxbDir();
  if (!dir) {
    console.log("wcxb-dev not found (../shared/corpus/wcxb-dev or TRAWL_WCXB): skipped");
    return;
  }
  const predictions: Record<string, string> = {};
  const wpages = loadWcxb(dir);
  if (ROUNDS > 0) {
    // Every eighth page, decoded once: turndown alone would take minutes over all 400 MB.
    const sample = wpages
      .filter((_, i) => i % 8 === 0)
      .map((p) => ({ name: p.id, bytes: p.bytes, html: new TextDecoder().decode(p.bytes), url: p.url }));
    await timeContenders("wcxb-dev, every 8th page", sample, Math.max(1, Math.floor(ROUNDS / 2)));
  }
  for (const p of wpages) {
    const r = await extract({ body: p.bytes, contentType: "text/html", url: p.url, options: { images: false } });
    predictions[p.id] = r.ok ? markdownToText(r.value.markdown) : "";
  }
  console.log(
    `wcxb-dev quality (WCXB by Murrough Foley, CC-BY-4.0), word F1 by its score.mjs, ${wpages.length} pages:`,
  );
  process.stdout.write(scoreWcxb(dir, predictions));
}

if (pages.length && ROUNDS > 0)
  await timeContenders(
    "Readability corpus",
    pages.map((p) => ({ ...p, url: PAGE_URL })),
    ROUNDS,
  );
if (pages.length) await readabilityQuality();
await wcxbQuality();
