import { describe, expect, it } from "vitest";
import { extract } from "../../../lib/extract";

// Pairs test/fixtures/extract/name.html -> name.md; Vite inlines them at transform time.
const html = import.meta.glob<string>("../../fixtures/extract/*.html", {
  query: "?raw",
  import: "default",
  eager: true,
});
const md = import.meta.glob<string>("../../fixtures/extract/*.md", { query: "?raw", import: "default", eager: true });

const cases = Object.entries(html).map(([path, source]) => ({
  name: path.replace(/^.*\//, "").replace(/\.html$/, ""),
  source,
  expected: md[path.replace(/\.html$/, ".md")],
}));

describe("Markdown fixtures", () => {
  it("has an expected .md beside every .html fixture", () => {
    expect(cases.length).toBeGreaterThanOrEqual(5);
    for (const c of cases) expect(c.expected, c.name).toBeTypeOf("string");
  });

  for (const c of cases) {
    it(`renders ${c.name}.html as ${c.name}.md`, async () => {
      const r = await extract({
        body: new TextEncoder().encode(c.source),
        contentType: "text/html",
        url: "https://example.com/news/page.html",
      });
      expect(r.ok).toBe(true);
      if (r.ok) expect(`${r.value.markdown}\n`).toBe(c.expected);
    });
  }
});
