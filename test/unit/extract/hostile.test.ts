import { describe, expect, it } from "vitest";
import { extract } from "../../../lib/extract";
import { LIMITS } from "../../../lib/extract/limits";
import type { ExtractResult } from "../../../lib/extract/types";

// "Bounded" means each call returns a result or a coded failure; speed belongs to bench/.
const run = (body: Uint8Array | string, contentType = "text/html"): Promise<ExtractResult> =>
  extract({
    body: typeof body === "string" ? new TextEncoder().encode(body) : body,
    contentType,
    url: "https://example.com/",
  });

function expectResultOrCode(r: ExtractResult): void {
  if (r.ok) expect(typeof r.value.markdown).toBe("string");
  else expect(["extraction_empty", "extraction_failed", "decoding_failed", "too_large"]).toContain(r.error.code);
}

describe("hostile pages", () => {
  it("answers 100,000 nested divs without overflowing the stack", async () => {
    const r = await run(`<html><body>${"<div>".repeat(100_000)}deep text${"</div>".repeat(100_000)}</body></html>`);
    expectResultOrCode(r);
  });

  it("keeps the text at the bottom of 100,000 nested divs by flattening beyond the parse depth cap", async () => {
    const r = await run(
      `<html><body>${"<div>".repeat(100_000)}deep text at the bottom${"</div>".repeat(100_000)}<p>after</p></body></html>`,
    );
    expect(r.ok && r.value.markdown).toContain("deep text at the bottom");
  });

  it("keeps the text of a page nested 1,000 deep by flattening what turndown cannot recurse into", async () => {
    const text = "The text at the bottom of a deep page is still the article, and it is long enough to count.";
    const r = await run(`<html><body>${"<div>".repeat(1_000)}<p>${text}</p>${"</div>".repeat(1_000)}</body></html>`);
    expect(r.ok && r.value.markdown).toContain(text);
  });

  // A record says `truncated` whenever a parse bound changed what was read: past the
  // depth cap, elements are flattened into the one at the cap, so the page's structure
  // is not all there even though its text is.
  it.each([LIMITS.maxParseDepth + 1, 1_600, 100_000])(
    "says truncated for %i nested divs, keeping their text",
    async (n) => {
      const text = "The text at the bottom of a deep page is still the article, and it is long enough to count.";
      const r = await run(`<html><body>${"<div>".repeat(n)}<p>${text}</p>${"</div>".repeat(n)}</body></html>`);
      expect(r.ok && r.value.markdown).toContain(text);
      expect(r.ok && r.value.truncated).toBe(true);
    },
  );

  it("says truncated past the element cap, and not for a page within every bound", async () => {
    const many = await run(
      `<html><body>${"<p>a paragraph of words</p>".repeat(LIMITS.maxElements + 10)}</body></html>`,
    );
    expect(many.ok && many.value.truncated).toBe(true);
    const text = "A page nested deep, yet within the cap, is read whole and says nothing of truncation.";
    const deep = await run(`<html><body>${"<div>".repeat(1_000)}<p>${text}</p>${"</div>".repeat(1_000)}</body></html>`);
    expect(deep.ok && deep.value.truncated).toBeUndefined();
  });

  it("answers 100,000 unclosed inline tags followed by stray closing tags", async () => {
    expectResultOrCode(await run(`<body><p>start ${"<span><b>".repeat(100_000)}${"</i>".repeat(100_000)}`));
  });

  it("truncates 50 MB of text in an HTML page instead of parsing it all", async () => {
    const body = new Uint8Array(50 * 1024 * 1024).fill(0x61);
    body.set(new TextEncoder().encode("<html><body><p>"), 0);
    const r = await run(body);
    expectResultOrCode(r);
    if (r.ok) {
      expect(r.value.truncated).toBe(true);
      expect(r.value.markdown.length).toBeLessThanOrEqual(2 * 1024 * 1024);
    }
  });

  it("truncates 50 MB of plain text", async () => {
    const r = await run(new Uint8Array(50 * 1024 * 1024).fill(0x62), "text/plain");
    expect(r.ok && r.value.truncated).toBe(true);
  });

  it("reports binary garbage labelled text/html as decoding_failed", async () => {
    const bytes = new Uint8Array(64 * 1024);
    let x = 12345;
    for (let i = 0; i < bytes.length; i++) {
      x = (x * 1103515245 + 12345) >>> 0;
      bytes[i] = x >>> 24;
    }
    expect(await run(bytes)).toMatchObject({ ok: false, error: { code: "decoding_failed" } });
  });

  it("reports a page that is only scripts as extraction_empty", async () => {
    const r = await run(
      `<html><head><script>var a = 1;</script></head><body>${"<script>document.write('x')</script>".repeat(1000)}</body></html>`,
    );
    expect(r).toMatchObject({ ok: false, error: { code: "extraction_empty" } });
  });

  it("reports an empty body as extraction_empty", async () => {
    expect(await run("")).toMatchObject({ ok: false, error: { code: "extraction_empty" } });
  });

  it("never throws, even for a URL it cannot parse", async () => {
    const r = await extract({
      body: new TextEncoder().encode("<p>hi</p>"),
      contentType: "text/html",
      url: "not a url",
    });
    expectResultOrCode(r);
  });
});
