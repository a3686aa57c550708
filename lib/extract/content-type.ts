import { latin1 } from "./decode";

/** How the extractor treats a body, decided from its Content-Type and, when absent, its bytes. */
export type BodyKind = "html" | "xhtml" | "text" | "markdown" | "pdf" | "docx" | "unsupported";

/** Documents: read by their own readers (lib/extract/pdf.ts, docx.ts), under the document caps. */
export type DocumentKind = "pdf" | "docx";

const DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

/**
 * Classifies a body by its Content-Type header, with a sniff of its first bytes where
 * servers lie: a body that starts as a PDF is one whatever it is labelled (a PDF sent as
 * `text/plain` or `application/octet-stream`), a body labelled PDF that starts as HTML is
 * the HTML error page it is, and a generic or missing label is decided by the bytes alone.
 */
export function classifyContentType(contentType: string | null, bytes: Uint8Array): BodyKind {
  const mime = mimeOf(contentType);
  const pdfAt = latin1(bytes.subarray(0, 1024)).indexOf("%PDF-");
  // Junk before the header is allowed (PDF readers look within the first KiB), but a text
  // or HTML page that merely mentions "%PDF-" is not a PDF: those must start with it.
  if (pdfAt === 0 || (pdfAt > 0 && (PDF_TYPES.has(mime) || GENERIC.has(mime)))) return "pdf";
  if (PDF_TYPES.has(mime) || mime === DOCX_MIME) {
    const markup = sniffMarkup(bytes);
    if (markup !== "unsupported") return markup;
    return PDF_TYPES.has(mime) ? "pdf" : "docx";
  }
  if (mime === "text/html" || mime === "application/html") return "html";
  if (mime === "application/xhtml+xml") return "xhtml";
  if (mime === "text/plain") return "text";
  if (mime === "text/markdown" || mime === "text/x-markdown") return "markdown";
  if (GENERIC.has(mime)) return isDocx(bytes) ? "docx" : sniffMarkup(bytes);
  return "unsupported";
}

/** Labels that say nothing about the body: its bytes decide. */
const GENERIC = new Set(["", "application/octet-stream", "unknown/unknown", "binary/octet-stream"]);
const PDF_TYPES = new Set(["application/pdf", "application/x-pdf"]);

/** Content types a fetch reads under the document byte cap (lib/settings.ts MAX_DOCUMENT_BYTES). */
export function isDocumentType(contentType: string | null): boolean {
  const mime = mimeOf(contentType);
  return PDF_TYPES.has(mime) || mime === DOCX_MIME || GENERIC.has(mime);
}

function mimeOf(contentType: string | null): string {
  return (contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
}

function isZip(bytes: Uint8Array): boolean {
  return bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

/** A zip whose first entries name Word parts (`[Content_Types].xml`, `word/`): what Word and LibreOffice write first. */
function isDocx(bytes: Uint8Array): boolean {
  if (!isZip(bytes)) return false;
  const head = latin1(bytes.subarray(0, 64 * 1024));
  return head.includes("word/") && head.includes("[Content_Types].xml");
}

function sniffMarkup(bytes: Uint8Array): BodyKind {
  // ASCII view of the start is enough: the markers we look for are all ASCII.
  const s = latin1(bytes.subarray(0, 512))
    .replace(/^\uFEFF|^\xEF\xBB\xBF/, "")
    .trimStart()
    .toLowerCase();
  if (/^<(!doctype html|html|head|body|!--|title|meta|div|p\b|script)/.test(s)) return "html";
  if (s.startsWith("<?xml") && s.includes("<html")) return "xhtml";
  return "unsupported";
}
