import { describe, expect, it } from "vitest";
import { extract } from "../../../lib/extract";
import type { ExtractOptions } from "../../../lib/extract/types";

const para =
  "This paragraph makes the article long enough, with commas, clauses, and sentences, to be chosen as main content.";
const PAGE = `<html lang="fr"><head><title>Le titre</title>
<meta property="og:title" content="Le vrai titre"><meta property="og:site_name" content="Le Site">
<script type="application/ld+json">{"@context":"https://schema.org","@type":"NewsArticle","headline":"JSON-LD headline","author":{"@type":"Person","name":"Jeanne Martin"},"datePublished":"2024-02-03"}</script>
<link rel="canonical" href="https://example.com/canon"></head>
<body><div id="promo-box"><p>Subscribe to our newsletter, it is great, really great, you will love it.</p></div>
<article><h1>Titre</h1><p>${para}</p><p class="ad">Advertisement text that should go when excluded.</p><p>${para} <a href="/more">More</a></p></article>
<footer class="site-footer"><p>Contact us at the office.</p></footer></body></html>`;

const run = (options: ExtractOptions = {}, contentType = "text/html", body = PAGE) =>
  extract({ body: new TextEncoder().encode(body), contentType, url: "https://example.com/dir/page", options });

describe("options and metadata", () => {
  it("reads metadata from JSON-LD first, then Open Graph and the html element", async () => {
    const r = await run();
    expect(r.ok && r.value).toMatchObject({
      title: "JSON-LD headline",
      byline: "Jeanne Martin",
      publishedTime: "2024-02-03",
      siteName: "Le Site",
      language: "fr",
      canonicalUrl: "https://example.com/canon",
    });
  });

  it("reads metadata inside hidden subtrees but leaves their text out of the Markdown", async () => {
    const body = `<html><head><title>Head title</title></head><body style="display:none">
<svg><title>An icon's title</title></svg>
<div hidden><meta itemprop="datePublished" content="2021-05-06"><a rel="author" href="/u">Ann Lee</a><p>Hidden teaser.</p></div>
<article><p>${para}</p><p style="display: none">Invisible note.</p><p aria-hidden="true">Screen-reader-free note.</p><p>${para}</p></article></body></html>`;
    const r = await run({}, "text/html", body);
    if (!r.ok) throw new Error(r.error.message);
    // The body's display:none is a pre-script state pages put there, not a hidden page.
    expect(r.value.markdown).toContain(para);
    expect(r.value).toMatchObject({ title: "Head title", publishedTime: "2021-05-06", byline: "Ann Lee" });
    for (const hidden of ["Hidden teaser", "Invisible note", "Screen-reader-free", "icon's title"])
      expect(r.value.markdown).not.toContain(hidden);
  });

  it("counts the words a reader sees: text, code and alt text, not syntax or link targets", async () => {
    const body = `<body><h1>Two words</h1><p>one <a href="https://example.com/a-b-c">two</a>three<br>four</p>
<ol><li>alpha</li><li>beta</li></ol><pre><code>x = y</code></pre><p><img src="/c.png" alt="a cat"></p><table>
<tr><th>h1</th><th>h2</th></tr><tr><td>c1</td><td>c2</td></tr></table></body>`;
    const r = await run({ onlyMainContent: false, includeText: true }, "text/html", body);
    if (!r.ok) throw new Error(r.error.message);
    // Two words | one | twothree | four | alpha beta | x y | a cat | h1 h2 c1 c2
    expect(r.value.wordCount).toBe(2 + 1 + 1 + 1 + 2 + 2 + 2 + 4);
    const plain = await run({}, "text/plain", "Plain text, five words here.");
    expect(plain.ok && plain.value.wordCount).toBe(5);
  });

  it("removes elements matching excludeSelectors", async () => {
    const r = await run({ excludeSelectors: [".ad"] });
    expect(r.ok && r.value.markdown).not.toContain("Advertisement");
  });

  it("keeps elements matching includeSelectors outside the main content", async () => {
    const r = await run({ includeSelectors: ["footer.site-footer"] });
    expect(r.ok && r.value.markdown).toContain("Contact us");
    expect(r.ok && r.value.markdown).toContain(para);
  });

  it("keeps the whole body when onlyMainContent is false", async () => {
    const r = await run({ onlyMainContent: false });
    expect(r.ok && r.value.markdown).toContain("Contact us");
  });

  it("returns text, links and cleaned HTML only when asked", async () => {
    const plain = await run();
    expect(plain.ok && plain.value.text).toBeUndefined();
    const r = await run({ includeText: true, includeLinks: true, includeHtml: true });
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.text).toContain(para);
    expect(r.value.text).not.toContain("](");
    expect(r.value.links).toContain("https://example.com/more");
    expect(r.value.html).toContain('<a href="https://example.com/more">More</a>');
    expect(r.value.html).not.toContain("Subscribe");
    expect(r.value.wordCount).toBeGreaterThan(30);
  });

  it("passes text/plain and text/markdown through", async () => {
    const md = await run({}, "text/markdown; charset=utf-8", "# Notes\n\nSome *markdown*.\n");
    expect(md.ok && md.value).toMatchObject({ title: "Notes", markdown: "# Notes\n\nSome *markdown*." });
    const txt = await run({}, "text/plain", "just text\r\n");
    expect(txt.ok && txt.value.markdown).toBe("just text");
  });

  it("refuses JSON and images as unsupported_content_type", async () => {
    expect(await run({}, "application/json", "{}")).toMatchObject({
      ok: false,
      error: { code: "unsupported_content_type" },
    });
    expect(await run({}, "image/png", "x")).toMatchObject({ ok: false, error: { code: "unsupported_content_type" } });
  });

  it("parses XHTML with self-closing tags", async () => {
    const x = `<?xml version="1.0" encoding="utf-8"?><html xmlns="http://www.w3.org/1999/xhtml"><body><article><p>${para}<br/>after</p><div/><p>${para}</p></article></body></html>`;
    const r = await run({}, "application/xhtml+xml", x);
    expect(r.ok && r.value.markdown).toContain("after");
  });

  it("gives the same content hash for the same Markdown", async () => {
    const [a, b] = await Promise.all([run(), run()]);
    expect(a.ok && b.ok && a.value.contentHash === b.value.contentHash).toBe(true);
  });

  it("keeps images by default and drops them, alt text included, with images: false", async () => {
    const body = `<article><p>${para}</p><figure><img src="/tide.jpg" alt="A tide gauge at dawn"><figcaption>The gauge at Brest.</figcaption></figure><p>${para}</p></article>`;
    const withImages = await run({}, "text/html", body);
    const textOnly = await run({ images: false }, "text/html", body);
    if (!withImages.ok || !textOnly.ok) throw new Error("extraction failed");
    expect(withImages.value.markdown).toContain("![A tide gauge at dawn](https://example.com/tide.jpg)");
    expect(textOnly.value.markdown).not.toContain("tide gauge");
    expect(textOnly.value.markdown).toContain("The gauge at Brest.");
  });

  it("keeps a byline and dateline dropped from the Markdown as the page's byline and date", async () => {
    const body = `<html><head><title>T</title></head><body><article><p>By Ana Reyes</p><p>Updated 3 May 2024</p><p>${para}</p><p>${para}</p></article></body></html>`;
    const r = await run({}, "text/html", body);
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.markdown).not.toContain("Ana Reyes");
    expect(r.value).toMatchObject({ byline: "Ana Reyes", publishedTime: "3 May 2024" });
  });

  it("keeps the text of a long form (a thread's posts, an ASP.NET page) and drops a short one", async () => {
    const body = `<html><body><form action="/search"><label>Search the site</label><input name="q"></form><form action="/moderate"><div class="post"><p>${para}</p></div><div class="post"><p>${para} Second post.</p></div></form></body></html>`;
    const whole = await run({ onlyMainContent: false }, "text/html", body);
    const main = await run({}, "text/html", body);
    if (!whole.ok || !main.ok) throw new Error("extraction failed");
    expect(whole.value.markdown).toContain("Second post.");
    expect(main.value.markdown).toContain("Second post.");
    expect(main.value.markdown).not.toContain("Search the site");
  });
});

describe("keepTitleHeading", () => {
  const article = `<html><head><title>Spring in the Alps</title></head><body><main><article>
<h1>Spring in the Alps</h1><p>${para}</p><h2>Getting there</h2><p>${para}</p></article></main></body></html>`;

  it("drops a first heading that repeats the title by default (the title is metadata), keeps it when asked", async () => {
    const plain = await run({}, "text/html", article);
    const kept = await run({ keepTitleHeading: true }, "text/html", article);
    if (!plain.ok || !kept.ok) throw new Error("not extracted");
    expect(plain.value.markdown).not.toContain("# Spring in the Alps");
    expect(plain.value.markdown).toContain("## Getting there");
    expect(kept.value.markdown).toMatch(/^# Spring in the Alps\n/);
    expect(kept.value.markdown).toContain("## Getting there");
    expect(kept.value.markdown.replace(/^# Spring in the Alps\n+/, "")).toBe(plain.value.markdown);
  });
});
