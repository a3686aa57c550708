// The local origin's documents (test/support/documents.ts), under /docs/: each answered
// with the Content-Type `?type=` names (default: the file's own), so a test can play a
// server that labels a PDF text/plain or application/octet-stream.
import type { IncomingMessage, ServerResponse } from "node:http";
import {
  brokenPdf,
  docx,
  longPdf,
  realPdf,
  realPdfNames,
  scannedPdf,
  textPdf,
  truncatedDocx,
  xmlBombDocx,
  zipBombDocx,
} from "./documents";

const PDF = "application/pdf";
const DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
/** Over the workerd tests' document cap (MAX_DOCUMENT_BYTES, 10 MiB by default). */
const OVER_DOCUMENT_CAP = 11 * 1024 * 1024;

const built = new Map<string, Promise<{ body: Uint8Array; type: string }>>();

const makers: Record<string, () => Promise<Uint8Array> | Uint8Array> = {
  "text.pdf": textPdf,
  "long.pdf": () => longPdf(12),
  "scanned.pdf": scannedPdf,
  "broken.pdf": brokenPdf,
  "truncated.pdf": async () => (await textPdf()).subarray(0, 400),
  "huge.pdf": () => Buffer.concat([Buffer.from("%PDF-1.7\n"), Buffer.alloc(OVER_DOCUMENT_CAP, "0")]),
  "notes.docx": docx,
  "zip-bomb.docx": () => zipBombDocx(60 * 1024 * 1024),
  "lying-zip-bomb.docx": () => zipBombDocx(8 * 1024 * 1024, true),
  "xml-bomb.docx": xmlBombDocx,
  "truncated.docx": truncatedDocx,
  // A .pdf link answered with a web page (a login wall): text/html unless ?type= says otherwise.
  "wall.pdf": () =>
    Buffer.from(
      "<!doctype html><html><head><title>Sign in</title></head><body><main><h1>Sign in</h1><p>Sign in to read the report you asked for; this page stands where the PDF would be, as many sites do.</p></main></body></html>",
    ),
};

function document(name: string): Promise<{ body: Uint8Array; type: string }> | null {
  const make = makers[name] ?? (realPdfNames().includes(name) ? () => realPdf(name) : null);
  if (!make) return null;
  let doc = built.get(name);
  if (!doc) {
    doc = Promise.resolve(make()).then((body) => ({
      body,
      type: name.endsWith(".docx") ? DOCX : name === "wall.pdf" ? "text/html" : PDF,
    }));
    built.set(name, doc);
  }
  return doc;
}

/**
 * Builds the generated documents before any test asks: built on a first request, the
 * bombs (a 60 MB deflate) would hold the origin's event loop while other fetches time out.
 */
export async function buildDocuments(): Promise<void> {
  await Promise.all(Object.keys(makers).map((name) => document(name)));
}

/** Serves /docs/<name>[?type=<content-type>]; false for any other path. */
export async function documentRoutes(_req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
  if (!url.pathname.startsWith("/docs/")) return false;
  const found = document(decodeURIComponent(url.pathname.slice("/docs/".length)));
  if (!found) return false;
  const { body, type } = await found;
  const declared = url.searchParams.get("type");
  const headers: Record<string, string> = { "content-length": String(body.length) };
  if (declared !== "none") headers["content-type"] = declared ?? type;
  res.writeHead(200, headers);
  res.end(body);
  return true;
}
