import { describe, expect, it } from "vitest";
import { extract } from "../../lib/extract";
import { extractionQuality, markdownShape, type QualitySignals } from "../../lib/extract/quality";

const ARTICLE: QualitySignals = {
  method: "main",
  contentChars: 6000,
  pageChars: 7000,
  linkChars: 100,
  textChars: 6000,
  wordCount: 1000,
  listLines: 2,
  lines: 30,
  truncated: false,
  needsRendering: false,
};

describe("extractionQuality", () => {
  it("is in 0..1 and falls as each signal worsens, the others held", () => {
    const base = extractionQuality(ARTICLE);
    expect(base).toBeGreaterThan(0.9);
    expect(base).toBeLessThanOrEqual(1);
    const worse: Partial<QualitySignals>[] = [
      { linkChars: 3000 }, // half the text is links
      { pageChars: 60_000 }, // a sliver of the page kept
      { lines: 300, listLines: 280 }, // short lines: a listing
      { method: "paragraphs" },
      { wordCount: 5 },
      { needsRendering: true },
      { truncated: true },
    ];
    for (const change of worse)
      expect(extractionQuality({ ...ARTICLE, ...change }), JSON.stringify(change)).toBeLessThan(base);
    // Monotonic along one signal: more link text never scores higher.
    let last = 2;
    for (const linkChars of [0, 600, 1200, 2400, 4800, 6000]) {
      const score = extractionQuality({ ...ARTICLE, linkChars });
      expect(score).toBeLessThanOrEqual(last);
      last = score;
    }
    expect(
      extractionQuality({ ...ARTICLE, wordCount: 0, textChars: 0, lines: 0, contentChars: 0 }),
    ).toBeGreaterThanOrEqual(0);
  });

  it("measures link text, text and list lines of Markdown", () => {
    const shape = markdownShape(
      "# Title\n\nSome prose with [a link](https://x.test/long/target) in it.\n\n- one\n- two\n",
    );
    expect(shape).toEqual({ linkChars: 6, textChars: expect.any(Number), listLines: 2, lines: 4 });
    expect(shape.textChars).toBeLessThan(60);
  });

  it("scores an article above a link farm and a near-empty page", async () => {
    const encode = (s: string) => new TextEncoder().encode(s);
    const prose =
      "<p>The council met on Tuesday and discussed at length the budget for the public library, its hours and its staff.</p>".repeat(
        12,
      );
    const links = Array.from({ length: 60 }, (_, i) => `<li><a href="/c/${i}">Category ${i}</a></li>`).join("");
    const score = async (html: string) => {
      const r = await extract({ body: encode(html), contentType: "text/html", url: "https://example.com/" });
      return r.ok ? (r.value.extractionQuality ?? -1) : -1;
    };
    const article = await score(
      `<html><body><nav><a href="/">Home</a></nav><main><article><h1>Budget</h1>${prose}</article></main></body></html>`,
    );
    const farm = await score(`<html><body><main><ul>${links}</ul></main></body></html>`);
    const thin = await score(`<html><body><main><p>Coming soon.</p></main></body></html>`);
    expect(article).toBeGreaterThan(0.85);
    expect(farm).toBeLessThan(article);
    expect(thin).toBeLessThan(article);
  });
});
