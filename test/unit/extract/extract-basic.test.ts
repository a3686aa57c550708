import { describe, expect, it } from "vitest";
import { extract } from "../../../lib/extract";

const enc = new TextEncoder();
const page = (html: string) => ({
  body: enc.encode(html),
  contentType: "text/html; charset=utf-8",
  url: "https://example.com/a/page.html",
});

describe("extract", () => {
  it("turns an article into Markdown with absolute links and its title", async () => {
    const r = await extract(
      page(`<html lang="en"><head><title>Hello</title></head><body><nav><a href="/">Home</a></nav>
      <article><h1>Hello world</h1><p>Some <a href="../b.html">text</a> here that is long enough to count as an article paragraph.</p></article>
      <footer>Copyright</footer></body></html>`),
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.title).toBe("Hello");
    expect(r.value.language).toBe("en");
    expect(r.value.markdown).toContain("# Hello world");
    expect(r.value.markdown).toContain("[text](https://example.com/b.html)");
    expect(r.value.markdown).not.toContain("Home");
    expect(r.value.markdown).not.toContain("Copyright");
    expect(r.value.contentHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("reads content that a page left in an unclosed <head>, as a browser does", async () => {
    const para = (n: string) =>
      `<p>The ${n} paragraph sits where a browser would have started the body, with commas, clauses, and words enough.</p>`;
    const unclosed = await extract(
      page(`<html><head><title>No body tag</title><meta name="author" content="Ann Lee">
      Loose text, then <div class="content">${para("first")}${para("second")}</div></html>`),
    );
    if (!unclosed.ok) throw new Error(unclosed.error.message);
    expect(unclosed.value).toMatchObject({ title: "No body tag", byline: "Ann Lee" });
    expect(unclosed.value.markdown).toContain("The first paragraph");
    expect(unclosed.value.markdown).toContain("The second paragraph");
    // A </head> after such content closes nothing that was built; the body that follows is read.
    const late = await extract(
      page(
        `<html><head><title>T</title><div>Banner</div></head><body><article>${para("first")}${para("second")}</article></body></html>`,
      ),
    );
    expect(late.ok && late.value.markdown).toContain("The second paragraph");
  });

  it("ends a body that is only a PDF header document_malformed", async () => {
    const r = await extract({
      body: new Uint8Array([37, 80, 68, 70]),
      contentType: "application/pdf",
      url: "https://example.com/x.pdf",
    });
    expect(r).toMatchObject({ ok: false, error: { code: "document_malformed" } });
  });
});
