import { describe, expect, it } from "vitest";
import { extract } from "../../../lib/extract";
import { markdownToText } from "../../../lib/extract/text";
import { htmlText, tokenF1 } from "../../support/token-f1";

// A few real pages kept in the repo so quality is checked on a fresh clone, in workerd.
const sources = import.meta.glob<string>("../../fixtures/corpus/*/source.html", {
  query: "?raw",
  import: "default",
  eager: true,
});
const expected = import.meta.glob<string>("../../fixtures/corpus/*/expected.html", {
  query: "?raw",
  import: "default",
  eager: true,
});
const metadata = import.meta.glob<{ title?: string; lang?: string }>("../../fixtures/corpus/*/expected-metadata.json", {
  import: "default",
  eager: true,
});

describe("real pages from the Readability corpus", () => {
  for (const [path, source] of Object.entries(sources)) {
    const name = path.split("/").at(-2) ?? path;
    it(`keeps the article of ${name} (token F1 >= 0.9) and its language`, async () => {
      const r = await extract({
        body: new TextEncoder().encode(source),
        contentType: "text/html",
        url: "http://fakehost/test/page.html",
      });
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      const ref = htmlText(expected[path.replace("source.html", "expected.html")] ?? "");
      expect(tokenF1(markdownToText(r.value.markdown), ref).f1).toBeGreaterThanOrEqual(0.9);
      const meta = metadata[path.replace("source.html", "expected-metadata.json")];
      if (meta?.lang) expect(r.value.language?.toLowerCase()).toBe(meta.lang.toLowerCase());
      expect(r.value.title).toBeTruthy();
    });
  }
});
