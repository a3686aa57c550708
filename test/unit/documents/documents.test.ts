import { describe, expect, inject, it } from "vitest";
import { extract } from "../../../lib/extract";
import { classifyContentType } from "../../../lib/extract/content-type";
import { DEFAULT_DOCUMENT_LIMITS, type DocumentLimits } from "../../../lib/extract/document-limits";
import { pdfDate } from "../../../lib/extract/pdf";
import { DOCX, TEXT_PDF } from "../../support/documents";

// The documents come from the local origin (test/support/document-routes.ts), built in Node.
const origin = inject("originUrl");
async function bytesOf(name: string): Promise<Uint8Array> {
  const res = await fetch(`${origin}/docs/${name}`);
  expect(res.status).toBe(200);
  return new Uint8Array(await res.arrayBuffer());
}

async function read(name: string, contentType: string | null, documents: Partial<DocumentLimits> = {}, links = true) {
  return extract({
    body: await bytesOf(name),
    contentType,
    url: `${origin}/docs/${name}`,
    options: { includeLinks: links, includeText: true, documents: { ...DEFAULT_DOCUMENT_LIMITS, ...documents } },
  });
}

const PDF = "application/pdf";
const DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

describe("PDF to Markdown", () => {
  it("keeps pages, headings, joined paragraphs, undone hyphenation, metadata and links", async () => {
    const r = await read("text.pdf", PDF);
    if (!r.ok) throw new Error(r.error.message);
    const md = r.value.markdown;
    expect(md.startsWith("<!-- page 1 -->\n\n# Reading PDFs\n\n")).toBe(true);
    expect(md).toContain(`\n\n${TEXT_PDF.joined}\n\n${TEXT_PDF.second}\n\n`);
    expect(md).toContain("<!-- page 2 -->\n\n## Second section\n\n");
    expect(md.indexOf("<!-- page 2 -->")).toBeLessThan(md.indexOf("<!-- page 3 -->"));
    expect(md.trimEnd().endsWith(`<!-- page 3 -->\n\n${TEXT_PDF.page3}`)).toBe(true);
    expect(r.value).toMatchObject({
      title: TEXT_PDF.title,
      byline: TEXT_PDF.author,
      description: TEXT_PDF.subject,
      language: TEXT_PDF.language,
      publishedTime: TEXT_PDF.created.toISOString(),
      pageCount: 3,
      links: [TEXT_PDF.link],
    });
    expect(r.value.truncated).toBeUndefined();
    // The text format and the word count leave the page markers out.
    expect(r.value.text).not.toContain("<!--");
    expect(r.value.wordCount).toBe(r.value.text?.split(/\s+/).length);
  });

  it("stops at maxPages and says truncated, with the whole page count", async () => {
    const r = await read("long.pdf", PDF, { maxPages: 5 });
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.truncated).toBe(true);
    expect(r.value.pageCount).toBe(12);
    expect(r.value.markdown).toContain("This is page 5 of the long fixture.");
    expect(r.value.markdown).not.toContain("page 6 of");
    expect(r.value.markdown.match(/<!-- page \d+ -->/g)).toHaveLength(5);
  });

  it("reads a PDF whose server calls it text/plain or application/octet-stream, or nothing", async () => {
    for (const type of ["text/plain", "application/octet-stream", null]) {
      const r = await read("text.pdf", type);
      expect(r.ok && r.value.title).toBe(TEXT_PDF.title);
    }
  });

  it("ends a PDF needing a password document_encrypted, and reads one locked by an owner password only", async () => {
    const locked = await read("issue3371.pdf", PDF);
    expect(!locked.ok && locked.error.code).toBe("document_encrypted");
    const ownerOnly = await read("issue9972-1.pdf", PDF);
    expect(ownerOnly.ok && ownerOnly.value.wordCount).toBeGreaterThan(100);
  });

  it("ends a scan without a text layer document_no_text, saying OCR is not offered", async () => {
    for (const name of ["scanned.pdf", "ccitt_EndOfBlock_false.pdf"]) {
      const r = await read(name, PDF);
      expect(!r.ok && r.error.code).toBe("document_no_text");
      expect(!r.ok && r.error.message).toContain("OCR is not offered");
    }
  });

  it("ends broken, truncated and fuzzed PDFs document_malformed", async () => {
    for (const name of ["broken.pdf", "truncated.pdf", "poppler-937-0-fuzzed.pdf"]) {
      const r = await read(name, PDF);
      expect(!r.ok && r.error.code, name).toBe("document_malformed");
    }
  });

  it("ends a PDF over its time budget document_timeout", async () => {
    const r = await read("long.pdf", PDF, { timeBudgetMs: 0 });
    expect(!r.ok && r.error.code).toBe("document_timeout");
  });

  it("reads a real two-column paper", async () => {
    const r = await read("tracemonkey_a11y.pdf", PDF);
    expect(r.ok && r.value.markdown).toContain("Trace-based Just-in-Time Type Specialization");
  });
});

describe("DOCX to Markdown", () => {
  it("takes the HTML path: headings, links, tables, and every paragraph (onlyMainContent is a no-op)", async () => {
    const r = await read("notes.docx", DOCX_TYPE);
    if (!r.ok) throw new Error(r.error.message);
    const md = r.value.markdown;
    expect(md).toContain(`# ${DOCX.heading}\n\n${DOCX.paragraph}`);
    expect(md).toContain(`[${DOCX.linkText}](${DOCX.link})`);
    expect(md).toContain("| Q3 | 42 |");
    // A footer-styled line is a page's boilerplate, but a document's content.
    expect(md).toContain(DOCX.footer);
    expect(r.value).toMatchObject({
      title: DOCX.title,
      byline: DOCX.creator,
      language: DOCX.language,
      publishedTime: new Date(DOCX.created).toISOString(),
      links: [DOCX.link],
    });
  });

  it("applies the batch's selectors", async () => {
    const r = await extract({
      body: await bytesOf("notes.docx"),
      contentType: DOCX_TYPE,
      url: `${origin}/docs/notes.docx`,
      options: { excludeSelectors: ["table"] },
    });
    expect(r.ok && r.value.markdown).not.toContain("Q3");
    expect(r.ok && r.value.markdown).toContain(DOCX.paragraph);
  });

  it("sniffs a DOCX sent as application/octet-stream", async () => {
    const r = await read("notes.docx", "application/octet-stream");
    expect(r.ok && r.value.title).toBe(DOCX.title);
  });

  it("ends a zip bomb document_too_complex without inflating it", async () => {
    const r = await read("zip-bomb.docx", DOCX_TYPE);
    expect(!r.ok && r.error.code).toBe("document_too_complex");
    expect(!r.ok && r.error.message).toContain("zip bomb");
  });

  it("ends a zip bomb that understates its sizes document_too_complex, counting the bytes that come out", async () => {
    const r = await read("lying-zip-bomb.docx", DOCX_TYPE, { maxInflatedBytes: 1024 * 1024 });
    expect(!r.ok && r.error.code).toBe("document_too_complex");
    expect(!r.ok && r.error.message).toContain("inflate past 1048576 bytes");
  });

  it("ends an XML entity bomb document_too_complex", async () => {
    const r = await read("xml-bomb.docx", DOCX_TYPE);
    expect(!r.ok && r.error.code).toBe("document_too_complex");
    expect(!r.ok && r.error.message).toContain("DTD");
  });

  it("ends a truncated DOCX document_malformed", async () => {
    const r = await read("truncated.docx", DOCX_TYPE);
    expect(!r.ok && r.error.code).toBe("document_malformed");
  });

  it("ends a DOCX over its time budget document_timeout", async () => {
    const r = await read("notes.docx", DOCX_TYPE, { timeBudgetMs: 0 });
    expect(!r.ok && r.error.code).toBe("document_timeout");
  });
});

describe("what the content type and the first bytes say", () => {
  const pdf = new TextEncoder().encode("%PDF-1.7\n1 0 obj");
  const html = new TextEncoder().encode("<!doctype html><title>Not found</title>");
  const zipOfWord = new Uint8Array([
    0x50,
    0x4b,
    0x03,
    0x04,
    ...new TextEncoder().encode("[Content_Types].xml word/document.xml"),
  ]);
  const prose = new TextEncoder().encode("A note on the %PDF- header format.");

  it.each([
    ["application/pdf", pdf, "pdf"],
    ["text/plain", pdf, "pdf"],
    ["text/html", pdf, "pdf"],
    ["application/octet-stream", pdf, "pdf"],
    [null, pdf, "pdf"],
    // A .pdf link answered with an HTML page (a login wall, a 200 "not found").
    ["application/pdf", html, "html"],
    [DOCX_TYPE, html, "html"],
    [DOCX_TYPE, zipOfWord, "docx"],
    ["application/octet-stream", zipOfWord, "docx"],
    ["application/zip", zipOfWord, "unsupported"],
    // Text that mentions the header is still text.
    ["text/plain", prose, "text"],
    ["image/png", pdf, "pdf"],
    ["image/png", html, "unsupported"],
  ] as const)("%s with %s bytes is %s", (type, bytes, kind) => {
    expect(classifyContentType(type, bytes)).toBe(kind);
  });
});

describe("pdfDate", () => {
  it("reads PDF dates with and without a zone", () => {
    expect(pdfDate("D:20240305102030Z")).toBe("2024-03-05T10:20:30.000Z");
    expect(pdfDate("D:20240305102030+02'00'")).toBe("2024-03-05T08:20:30.000Z");
    expect(pdfDate("D:2024")).toBe("2024-01-01T00:00:00.000Z");
    expect(pdfDate("yesterday")).toBeNull();
  });
});
