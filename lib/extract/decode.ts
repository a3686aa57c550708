/** Turns response bytes into a string, following the HTML spec's encoding-sniffing order. */

import { type Failure, fail, ok, type Result } from "../result";
import { LIMITS } from "./limits";

const UTF8 = "utf-8";
const FALLBACK = "windows-1252";

/** The text and the encoding it was read in, or why the body is not text. */
export type Decoded = Result<{ text: string; encoding: string }, Failure<"decoding_failed">>;

/** Reads the charset parameter of a Content-Type header, or null. */
export function charsetFromContentType(contentType: string | null): string | null {
  if (!contentType) return null;
  const m = /;\s*charset\s*=\s*("?)([^";\s]+)\1/i.exec(contentType);
  return m?.[2] ?? null;
}

/** Returns a canonical TextDecoder encoding name for a label, or null if unsupported. */
export function normaliseEncoding(label: string | null): string | null {
  if (!label) return null;
  try {
    const enc = new TextDecoder(label.trim()).encoding;
    // The HTML spec maps a declared UTF-16 in a meta tag to UTF-8: the prescan read ASCII.
    return enc;
  } catch {
    return null;
  }
}

function bomEncoding(bytes: Uint8Array): { encoding: string; skip: number } | null {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return { encoding: UTF8, skip: 3 };
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return { encoding: "utf-16be", skip: 2 };
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return { encoding: "utf-16le", skip: 2 };
  return null;
}

/** Finds a <meta charset> / http-equiv Content-Type / XML declaration in the first bytes. */
export function prescanCharset(bytes: Uint8Array, limit: number): string | null {
  const head = latin1(bytes.subarray(0, limit));
  const xml = /^\s*<\?xml[^>]*encoding\s*=\s*["']([^"']+)["']/i.exec(head);
  if (xml?.[1]) return xml[1];
  const metaRe = /<meta\b([^>]*)>/gi;
  for (let m = metaRe.exec(head); m; m = metaRe.exec(head)) {
    const attrs = m[1] ?? "";
    const direct = /\bcharset\s*=\s*["']?\s*([\w.:-]+)/i.exec(attrs);
    if (direct?.[1] && !/\bcontent\s*=/i.test(attrs)) return direct[1];
    if (/http-equiv\s*=\s*["']?content-type/i.test(attrs)) {
      const content = /\bcontent\s*=\s*("([^"]*)"|'([^']*)'|([^\s>]+))/i.exec(attrs);
      const value = content?.[2] ?? content?.[3] ?? content?.[4] ?? "";
      const cs = /charset\s*=\s*["']?([\w.:-]+)/i.exec(value);
      if (cs?.[1]) return cs[1];
    }
    if (direct?.[1]) return direct[1];
  }
  return null;
}

const asciiView = new TextDecoder("windows-1252");

/** Byte-per-character view, enough to find the ASCII markers of a charset declaration. */
export function latin1(bytes: Uint8Array): string {
  return asciiView.decode(bytes);
}

function hasHighBytes(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if ((bytes[i] ?? 0) >= 0x80) return true;
  return false;
}

/** Share of control bytes (other than whitespace) in a sample: high means binary, not text. */
export function looksBinary(bytes: Uint8Array): boolean {
  const n = Math.min(bytes.length, 8192);
  if (n === 0) return false;
  let control = 0;
  for (let i = 0; i < n; i++) control += CONTROL[bytes[i] as number] as number;
  return control / n > 0.05;
}

/** 1 for the control bytes looksBinary counts: below TAB, 0x0E-0x1F but ESC, and DEL. */
const CONTROL = new Uint8Array(256);
for (let b = 0; b < 256; b++) CONTROL[b] = b < 0x09 || (b > 0x0d && b < 0x20 && b !== 0x1b) || b === 0x7f ? 1 : 0;

/** Decodes a body: BOM, then Content-Type charset, then (for HTML) a prescan, then UTF-8 or windows-1252. */
export function decodeBody(bytes: Uint8Array, contentType: string | null, isHtml: boolean): Decoded {
  const bom = bomEncoding(bytes);
  let encoding: string | null = bom?.encoding ?? null;
  const body = bom ? bytes.subarray(bom.skip) : bytes;
  if (!encoding) encoding = normaliseEncoding(charsetFromContentType(contentType));
  if (!encoding && isHtml) {
    encoding = normaliseEncoding(prescanCharset(body, LIMITS.charsetPrescanBytes));
    if (encoding === "utf-16le" || encoding === "utf-16be") encoding = UTF8;
    // Pages re-saved as UTF-8 often keep their old <meta charset>; multi-byte text that is
    // valid UTF-8 is almost never a legacy encoding, so trust the bytes over the tag.
    if (encoding && encoding !== UTF8 && hasHighBytes(body)) {
      try {
        return ok({ text: new TextDecoder(UTF8, { fatal: true, ignoreBOM: false }).decode(body), encoding: UTF8 });
      } catch {
        // Not UTF-8: the declaration stands.
      }
    }
  }
  if (!bom && encoding?.startsWith("utf-16") !== true && looksBinary(body)) {
    return fail("decoding_failed", "body looks binary, not text");
  }
  if (!encoding) {
    // No declaration: valid UTF-8 is far likelier than anything else on today's web.
    try {
      return ok({ text: new TextDecoder(UTF8, { fatal: true, ignoreBOM: false }).decode(body), encoding: UTF8 });
    } catch {
      encoding = FALLBACK;
    }
  }
  try {
    return ok({ text: new TextDecoder(encoding).decode(body), encoding });
  } catch (err) {
    return fail("decoding_failed", `cannot decode as ${encoding}: ${String(err)}`);
  }
}
