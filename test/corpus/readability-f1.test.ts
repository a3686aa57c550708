import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { extract } from "../../lib/extract";
import { markdownToText } from "../../lib/extract/text";
import { htmlText, tokenF1 } from "../support/token-f1";

// Corpus-wide quality check, in Node (workerd cannot read files). Runs only where the
// corpus exists: ../shared/corpus/readability, or the folder named by TRAWL_CORPUS.
// Text only (images: false): the reference has no alt text.
const dir = resolve(process.env.TRAWL_CORPUS ?? join(import.meta.dirname, "../../../shared/corpus/readability"));
const present = existsSync(dir);

/** Pages allowed below 0.5, each with the reason; empty today, and it should stay short. */
const KNOWN_LOW: Record<string, string> = {};

describe.skipIf(!present)("Readability corpus quality", () => {
  it("reaches mean token F1 >= 0.989, text only, with no unexplained page below 0.5", async () => {
    const names = readdirSync(dir).filter(
      (d) => existsSync(join(dir, d, "source.html")) && existsSync(join(dir, d, "expected.html")),
    );
    expect(names.length).toBeGreaterThan(100);
    const low: string[] = [];
    let sum = 0;
    for (const name of names) {
      const r = await extract({
        body: new Uint8Array(readFileSync(join(dir, name, "source.html"))),
        contentType: "text/html",
        url: "http://fakehost/test/page.html",
        options: { images: false },
      });
      const f1 = tokenF1(
        r.ok ? markdownToText(r.value.markdown) : "",
        htmlText(readFileSync(join(dir, name, "expected.html"), "utf8")),
      ).f1;
      sum += f1;
      if (f1 < 0.5 && !(name in KNOWN_LOW)) low.push(`${name}: ${f1.toFixed(3)}`);
    }
    expect(low).toEqual([]);
    expect(sum / names.length).toBeGreaterThanOrEqual(0.989);
  }, 120_000);
});
