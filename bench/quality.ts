// Calibration of extractionQuality, language accuracy, and what the analysis costs.
// Prints, per score band, the share of pages and their median word F1 over both
// development corpora (Readability test pages, wcxb-dev: WCXB by Murrough Foley,
// CC-BY-4.0), the Spearman correlation of score and F1, the detected language against
// the declared one, and the time of simhash + language detection as a ratio of the
// extractor's own time on the Readability corpus, in the same run.
// Run: npm run bench:quality   (BENCH_ROUNDS sets the timing rounds, default 5)
import { extract } from "../lib/extract";
import { detectLanguage, loadLanguageDetector } from "../lib/language";
import { simhash64 } from "../lib/simhash";
import { loadReadability, readabilityDir } from "../test/support/corpora";
import { bandTable, formatTable, type ScoredPage, scoreCorpora, spearman } from "../test/support/quality-calibration";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

const pages = await scoreCorpora();
if (pages.length === 0) {
  console.log("no corpus found (../shared/corpus or TRAWL_CORPUS / TRAWL_WCXB): skipped");
  process.exit(0);
}
for (const corpus of ["readability", "wcxb", null] as const) {
  const set = corpus ? pages.filter((p) => p.corpus === corpus) : pages;
  if (set.length === 0) continue;
  const rho = spearman(
    set.map((p) => p.score),
    set.map((p) => p.f1),
  );
  console.log(`\n${corpus ?? "both corpora"}: ${set.length} pages, Spearman(score, word F1) = ${rho.toFixed(3)}`);
  console.log(formatTable(bandTable(set)));
}
languageAccuracy(pages);
await timing();

/** Detected against declared (the page's lang attribute, primary subtag), where a page declares one. */
function languageAccuracy(all: ScoredPage[]): void {
  const declared = all.filter((p) => p.declared);
  const primary = (tag: string) => tag.toLowerCase().split(/[-_]/)[0];
  const agree = declared.filter((p) => p.detected && primary(p.declared as string) === p.detected).length;
  const none = declared.filter((p) => !p.detected).length;
  const wrong = declared.filter((p) => p.detected && primary(p.declared as string) !== p.detected);
  console.log(
    `\nlanguage: ${declared.length} pages declare one; detected agrees on ${agree} (${((100 * agree) / declared.length).toFixed(1)} %), ` +
      `none detected on ${none}, differs on ${wrong.length}` +
      ` (accuracy where detected ${((100 * agree) / Math.max(1, declared.length - none)).toFixed(1)} %)`,
  );
  for (const p of wrong.slice(0, 12))
    console.log(`  ${p.corpus}/${p.name}: declared ${p.declared}, detected ${p.detected}`);
}

/**
 * What the analysis adds to the extractor: the Readability corpus extracted with it off
 * and on, alternating per round (so load drift hits both alike), and simhash + language
 * alone over the same Markdown.
 */
async function timing(): Promise<void> {
  const dir = readabilityDir();
  if (!dir || ROUNDS <= 0) return;
  const corpus = loadReadability(dir);
  const url = "http://fakehost/test/page.html";
  const run = async (analyze: boolean) => {
    const t = performance.now();
    for (const p of corpus) await extract({ body: p.bytes, contentType: "text/html", url, options: { analyze } });
    return performance.now() - t;
  };
  const markdowns: string[] = [];
  for (const p of corpus) {
    const r = await extract({ body: p.bytes, contentType: "text/html", url, options: { analyze: false } });
    if (r.ok) markdowns.push(r.value.markdown);
  }
  await loadLanguageDetector();
  await run(true); // warm-up: the detector's tables and the JIT
  const alone: number[] = [];
  const added: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const off = await run(false);
    const on = await run(true);
    const t = performance.now();
    for (const md of markdowns) {
      simhash64(md);
      detectLanguage(md);
    }
    const analysisMs = performance.now() - t;
    alone.push(analysisMs / off);
    added.push((on - off) / off);
    console.log(
      `round ${round + 1}: extractor ${off.toFixed(0)} ms off, ${on.toFixed(0)} ms on; simhash + language alone ${analysisMs.toFixed(1)} ms`,
    );
  }
  const show = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return `median ${(100 * (s[s.length >> 1] as number)).toFixed(2)} % (min ${(100 * (s[0] as number)).toFixed(2)} %, max ${(100 * (s[s.length - 1] as number)).toFixed(2)} %)`;
  };
  console.log(`Readability corpus, ${corpus.length} pages, ${ROUNDS} rounds:`);
  console.log(`  simhash + language alone / extractor (analysis off): ${show(alone)}`);
  console.log(`  extractor with analysis on / off - 1 (adds the quality score): ${show(added)}`);
}
