// PDF to Markdown through unpdf, the serverless build of Mozilla's PDF.js: pure
// JavaScript (no WebAssembly), Apache-2.0, and it runs in workerd as it is.
import { getDocumentProxy, getResolvedPDFJS } from "unpdf";
import type { ErrorCode } from "../error-codes";
import { type Failure, fail, ok, type Result } from "../result";
import { beforeDeadline, type DocumentLimits, DocumentTimeout, yieldToEvents } from "./document-limits";
import { LIMITS } from "./limits";
import { bodySize, headingLevels, type Paragraph, pageMarkdown, pageParagraphs, type TextRun } from "./pdf-layout";

/** What a document reader hands the record: Markdown, the fields it fills, and its links. */
export interface DocumentReading {
  markdown: string;
  title: string | null;
  description: string | null;
  language: string | null;
  byline: string | null;
  publishedTime: string | null;
  links: string[];
  /** Pages in the document (null when the format has none, as DOCX). */
  pageCount: number | null;
  /** Stopped at `maxPages`. */
  truncated: boolean;
}

export type DocumentResult = Result<DocumentReading, Failure<ErrorCode>>;

interface PdfTextItem {
  str?: string;
  transform?: number[];
  width?: number;
  height?: number;
  hasEOL?: boolean;
}

/** Loads PDF.js (once per isolate, on first use): not any one document's time. */
export async function loadPdfReader(): Promise<void> {
  await getResolvedPDFJS();
}

/** Reads a PDF into Markdown, page by page, within `limits`; never throws. */
export async function pdfToMarkdown(bytes: Uint8Array, limits: DocumentLimits): Promise<DocumentResult> {
  await loadPdfReader();
  const started = Date.now();
  const deadline = started + limits.timeBudgetMs;
  let pdf: Awaited<ReturnType<typeof getDocumentProxy>> | null = null;
  try {
    pdf = await beforeDeadline(
      // A copy: PDF.js takes its input's buffer over (detaches it), and the caller may
      // still need the body; a plain Uint8Array too, as PDF.js refuses a Node Buffer.
      getDocumentProxy(new Uint8Array(bytes), {
        disableFontFace: true,
        useSystemFonts: false,
        verbosity: 0,
        stopAtErrors: false,
        disableAutoFetch: true,
        disableStream: true,
      }),
      deadline,
    );
    const pageCount = pdf.numPages;
    if (pageCount === 0) return fail("document_malformed", "the PDF has no pages");
    const reading = Math.min(pageCount, limits.maxPages);
    const pages: Paragraph[][] = [];
    const links = new Set<string>();
    // Past the Markdown cap nothing more is returned, so nothing more is read (or held).
    let chars = 0;
    for (let n = 1; n <= reading && chars <= LIMITS.maxMarkdownChars; n++) {
      if (Date.now() - started >= limits.timeBudgetMs) throw new DocumentTimeout(`read ${n - 1} of ${reading} pages`);
      const page = await beforeDeadline(pdf.getPage(n), deadline);
      const content = await beforeDeadline(page.getTextContent(), deadline);
      const paragraphs = pageParagraphs(runsOf(content.items as PdfTextItem[]));
      for (const p of paragraphs) chars += p.text.length + 2;
      pages.push(paragraphs);
      const annotations = (await beforeDeadline(page.getAnnotations(), deadline)) as {
        subtype?: string;
        url?: string;
      }[];
      for (const a of annotations)
        if (a.subtype === "Link" && a.url && /^(https?|mailto):/i.test(a.url)) links.add(a.url);
      page.cleanup();
      await yieldToEvents();
    }
    if (pages.every((page) => page.length === 0))
      return fail(
        "document_no_text",
        `no text layer on ${reading} page${reading === 1 ? "" : "s"} (scanned images?); OCR is not offered`,
      );
    const body = bodySize(pages);
    const levels = headingLevels(pages, body);
    const markdown = pages.map((page, i) => pageMarkdown(i + 1, page, body, levels)).join("\n\n");
    const meta = await beforeDeadline(pdf.getMetadata(), deadline).catch(() => null);
    const info = (meta?.info ?? {}) as Record<string, unknown>;
    const xmp = meta?.metadata ?? null;
    const firstHeading = pages.flat().find((p) => levels.has(Math.round(p.size * 2) / 2))?.text ?? null;
    return ok({
      markdown,
      title: text(info.Title) ?? text(xmp?.get("dc:title")) ?? firstHeading,
      description: text(info.Subject) ?? text(xmp?.get("dc:description")),
      language: text(info.Language) ?? text(xmp?.get("dc:language")),
      byline: text(info.Author) ?? text(xmp?.get("dc:creator")),
      publishedTime: pdfDate(text(info.CreationDate)) ?? text(xmp?.get("xmp:createdate")),
      links: [...links],
      pageCount,
      truncated: pages.length < pageCount,
    });
  } catch (error) {
    return failureOf(error, limits);
  } finally {
    await pdf?.loadingTask.destroy().catch(() => {});
  }
}

function failureOf(error: unknown, limits: DocumentLimits): { ok: false; error: Failure<ErrorCode> } {
  const name = error instanceof Error ? error.name : "";
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof DocumentTimeout)
    return fail("document_timeout", `over the ${limits.timeBudgetMs} ms document budget (${message})`);
  if (name === "PasswordException")
    return fail("document_encrypted", "the PDF needs a password to open; encrypted documents are not read");
  return fail("document_malformed", `not a readable PDF: ${message}`.slice(0, 300));
}

/** PDF.js text items as runs in page units; marked-content items carry no text and drop out. */
function runsOf(items: PdfTextItem[]): TextRun[] {
  const runs: TextRun[] = [];
  for (const item of items) {
    if (typeof item.str !== "string" || !item.transform) continue;
    const [a = 0, b = 0, c = 0, d = 0, x = 0, y = 0] = item.transform;
    const size = Math.hypot(c, d) || Math.hypot(a, b) || item.height || 0;
    runs.push({ str: item.str, x, y, width: item.width ?? 0, size, eol: item.hasEOL === true });
  }
  return runs;
}

function text(value: unknown): string | null {
  if (typeof value !== "string") return null;
  const trimmed = value.replace(/\s+/g, " ").trim();
  return trimmed === "" ? null : trimmed.slice(0, 1000);
}

/** A PDF date (`D:YYYYMMDDHHmmSSOHH'mm'`) as ISO 8601; null when it is not one. */
export function pdfDate(value: string | null): string | null {
  const m = value
    ? /^(?:D:)?(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?([Zz+-])?(\d{2})?'?(\d{2})?/.exec(value)
    : null;
  if (!m) return null;
  const [, y, mo = "01", d = "01", h = "00", mi = "00", s = "00", sign, oh = "00", om = "00"] = m;
  const zone = !sign || sign === "Z" || sign === "z" ? "Z" : `${sign}${oh}:${om}`;
  const iso = `${y}-${mo}-${d}T${h}:${mi}:${s}${zone}`;
  return Number.isNaN(Date.parse(iso)) ? null : new Date(iso).toISOString();
}
