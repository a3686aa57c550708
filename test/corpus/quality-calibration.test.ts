import { describe, expect, it } from "vitest";
import { readabilityDir, wcxbDir } from "../support/corpora";
import { bandTable, formatTable, scoreCorpora, spearman } from "../support/quality-calibration";

// extractionQuality against word F1 on both development corpora (Readability test pages;
// wcxb-dev: WCXB by Murrough Foley, CC-BY-4.0): the score must separate good extractions
// from bad ones. Runs only where a corpus exists (../shared/corpus, or TRAWL_CORPUS /
// TRAWL_WCXB); floors sit under today's figures.
const present = readabilityDir() !== null || wcxbDir() !== null;
if (!present) console.log("quality calibration skipped: no corpus at ../shared/corpus (or TRAWL_CORPUS / TRAWL_WCXB)");

describe.skipIf(!present)("extractionQuality calibration", () => {
  it("rises with word F1: median F1 climbs band by band, and the rank correlation is positive", async () => {
    const pages = await scoreCorpora();
    const rows = bandTable(pages);
    const rho = spearman(
      pages.map((p) => p.score),
      pages.map((p) => p.f1),
    );
    console.log(`${pages.length} pages, Spearman ${rho.toFixed(3)}\n${formatTable(rows)}`);
    expect(rho).toBeGreaterThan(0.5);
    const filled = rows.filter((r) => r.pages >= 10);
    expect(filled.length).toBeGreaterThanOrEqual(4);
    for (let i = 1; i < filled.length; i++)
      expect((filled[i] as { medianF1: number }).medianF1).toBeGreaterThan(
        (filled[i - 1] as { medianF1: number }).medianF1,
      );
    // Language: where a page declares one and the detector answers, they agree.
    const declared = pages.filter((p) => p.declared && p.detected);
    const agree = declared.filter((p) => p.declared?.toLowerCase().split(/[-_]/)[0] === p.detected).length;
    expect(agree / declared.length).toBeGreaterThan(0.97);
  }, 600_000);
});
