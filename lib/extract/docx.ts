// DOCX to HTML through mammoth (the document's structure: headings, lists, tables,
// links), after zip-guard.ts has inflated and checked every XML part within the caps.
// The HTML then takes the same path to Markdown as a fetched page (lib/extract/index.ts).
import mammoth from "mammoth";
import type { ErrorCode } from "../error-codes";
import { type Failure, fail, ok, type Result } from "../result";
import { beforeDeadline, type DocumentLimits, DocumentTimeout } from "./document-limits";
import { inflateXmlParts } from "./zip-guard";

/** A DOCX as HTML, with what its core properties say about it. */
export interface DocxReading {
  html: string;
  title: string | null;
  description: string | null;
  language: string | null;
  byline: string | null;
  publishedTime: string | null;
}

/** Parts a Word document holds are a few dozen; thousands are a crafted archive. */
const MAX_ENTRIES = 2_000;

/** Reads a DOCX into HTML within `limits`; never throws. */
export async function docxToHtml(
  bytes: Uint8Array,
  limits: DocumentLimits,
): Promise<Result<DocxReading, Failure<ErrorCode>>> {
  const deadline = Date.now() + limits.timeBudgetMs;
  try {
    const parts = await beforeDeadline(
      inflateXmlParts(bytes, { maxInflatedBytes: limits.maxInflatedBytes, maxEntries: MAX_ENTRIES }),
      deadline,
    );
    if (!parts.ok) return parts;
    if (!parts.value.has("word/document.xml"))
      return fail("document_malformed", "a zip without word/document.xml is not a DOCX");
    // An own copy of exactly the file's bytes: mammoth reads an ArrayBuffer whole. Its
    // browser build (the one bundled for workerd) reads `arrayBuffer`, its Node build `buffer`.
    const arrayBuffer = bytes.slice().buffer;
    const input = { arrayBuffer, buffer: arrayBuffer } as { arrayBuffer: ArrayBuffer };
    const converted = await beforeDeadline(
      mammoth.convertToHtml(input, {
        externalFileAccess: false,
        // Images keep their alt text and are never read: no data: URIs in the Markdown.
        convertImage: mammoth.images.imgElement(async () => ({ src: "" })),
      }),
      deadline,
    );
    const core = parts.value.get("docProps/core.xml") ?? "";
    return ok({
      html: `<html><body>${converted.value}</body></html>`,
      title: element(core, "dc:title"),
      description: element(core, "dc:description") ?? element(core, "dc:subject"),
      language: element(core, "dc:language"),
      byline: element(core, "dc:creator"),
      publishedTime: isoDate(element(core, "dcterms:created")),
    });
  } catch (error) {
    if (error instanceof DocumentTimeout)
      return fail("document_timeout", `over the ${limits.timeBudgetMs} ms document budget`);
    const message = error instanceof Error ? error.message : String(error);
    return fail("document_malformed", `not a readable DOCX: ${message}`.slice(0, 300));
  }
}

/** The text of the first `<name ...>text</name>` in a core-properties part, entities decoded. */
function element(xml: string, name: string): string | null {
  const m = new RegExp(`<${name}(?:\\s[^>]*)?>([^<]*)</${name}>`).exec(xml);
  const text = m?.[1]
    ?.replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, "&")
    .replace(/\s+/g, " ")
    .trim();
  return text ? text.slice(0, 1000) : null;
}

function isoDate(value: string | null): string | null {
  return value && !Number.isNaN(Date.parse(value)) ? new Date(value).toISOString() : null;
}
