import { latin1 } from "./decode";

/** How the extractor treats a body, decided from its Content-Type and, when absent, its bytes. */
export type BodyKind = "html" | "xhtml" | "text" | "markdown" | "unsupported";

/** Classifies a Content-Type header; a missing or generic one is sniffed from the body. */
export function classifyContentType(contentType: string | null, bytes: Uint8Array): BodyKind {
  const mime = (contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  if (mime === "text/html" || mime === "application/html") return "html";
  if (mime === "application/xhtml+xml") return "xhtml";
  if (mime === "text/plain") return "text";
  if (mime === "text/markdown" || mime === "text/x-markdown") return "markdown";
  if (mime === "" || mime === "application/octet-stream" || mime === "unknown/unknown") return sniff(bytes);
  return "unsupported";
}

function sniff(bytes: Uint8Array): BodyKind {
  // ASCII view of the start is enough: the markers we look for are all ASCII.
  const s = latin1(bytes.subarray(0, 512))
    .replace(/^\uFEFF|^\xEF\xBB\xBF/, "")
    .trimStart()
    .toLowerCase();
  if (/^<(!doctype html|html|head|body|!--|title|meta|div|p\b|script)/.test(s)) return "html";
  if (s.startsWith("<?xml") && s.includes("<html")) return "xhtml";
  return "unsupported";
}
