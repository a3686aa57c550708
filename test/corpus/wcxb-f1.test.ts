import { describe, expect, it } from "vitest";
import { extract } from "../../lib/extract";
import { markdownToText } from "../../lib/extract/text";
import { loadWcxb, scoreWcxb, wcxbDir } from "../support/corpora";

// Word F1 on wcxb-dev (WCXB by Murrough Foley, CC-BY-4.0), scored by the corpus's own
// score.mjs, in Node. Runs only where the corpus exists: ../shared/corpus/wcxb-dev, or the
// folder named by TRAWL_WCXB. Floors sit just under today's figures: a drop is a regression.
const dir = wcxbDir();

/** The scorer's word F1 for one row ("all", "article", ...) of its printout. */
function wordF1(printout: string, row: string): number {
  const m = new RegExp(`^${row}\\s+\\d+\\s+word F1 ([0-9.]+)`, "m").exec(printout);
  return m ? Number(m[1]) : Number.NaN;
}

/** Floors per row of the scorer's printout, each just under what the extractor reaches today. */
const FLOORS: Record<string, number> = {
  all: 0.866,
  article: 0.95,
  documentation: 0.924,
  service: 0.803,
  forum: 0.768,
  product: 0.686,
  collection: 0.705,
  listing: 0.737,
};

describe.skipIf(!dir)("wcxb-dev quality", () => {
  it("keeps word F1 at its floor overall and on every page type, text only", async () => {
    const predictions: Record<string, string> = {};
    const pages = loadWcxb(dir as string);
    expect(pages.length).toBeGreaterThan(1000);
    for (const p of pages) {
      const r = await extract({ body: p.bytes, contentType: "text/html", url: p.url, options: { images: false } });
      predictions[p.id] = r.ok ? markdownToText(r.value.markdown) : "";
    }
    const printout = scoreWcxb(dir as string, predictions);
    for (const [row, floor] of Object.entries(FLOORS)) expect(wordF1(printout, row), row).toBeGreaterThanOrEqual(floor);
  }, 600_000);
});
