import { selectAll } from "css-select";
import type { Document, Element, ParentNode } from "domhandler";
import { uniqueSort } from "domutils";
import { loadLanguageDetector } from "../language";
import { fail } from "../result";
import { analyseContent } from "./analysis";
import { dropBoilerplate } from "./boilerplate";
import { removeExcluded } from "./clean";
import { ElementMarks } from "./content-stats";
import { classifyContentType, type DocumentKind } from "./content-type";
import { decodeBody } from "./decode";
import { DEFAULT_DOCUMENT_LIMITS } from "./document-limits";
import { docxToHtml } from "./docx";
import { articleBodyContent, pageTextLength, paragraphBaseline } from "./fallback";
import { htmlToMarkdown, tidyMarkdown } from "./html-to-markdown";
import { LIMITS } from "./limits";
import { findMainContent, type MainContent } from "./main-content";
import { countContentWords, MdNode, toMarkdownDom } from "./markdown-dom";
import type { PageMetadata } from "./metadata";
import { parseHtml } from "./parse";
import { loadPdfReader, pdfToMarkdown } from "./pdf";
import { PAGE_MARKER_LINE } from "./pdf-layout";
import { anchorProductDescription } from "./product-anchor";
import type { ContentMethod, QualitySignals } from "./quality";
import { dropRecommendations } from "./recommendations";
import { serializeHtml } from "./serialize-html";
import { countWords, markdownToText, sha256Hex } from "./text";
import { gatherThread } from "./thread";
import type { ExtractInput, Extraction, ExtractOptions, ExtractResult, PageFields } from "./types";
import { baseUrlFor } from "./urls";

export type { ExtractInput, Extraction, ExtractOptions, ExtractResult } from "./types";

/** Loads the reader of a document kind ahead of its first document, so its load is no document's time. */
export async function loadReader(kind: DocumentKind): Promise<void> {
  if (kind === "pdf") await loadPdfReader();
}

/** Extracts clean Markdown and metadata from one fetched page; never throws. */
export async function extract(input: ExtractInput): Promise<ExtractResult> {
  try {
    return await run(input);
  } catch (err) {
    // Includes RangeError from a blown stack: one bad page must not take the consumer down.
    return fail(
      "extraction_failed",
      `extractor failed: ${err instanceof Error ? err.message : String(err)}`.slice(0, 500),
    );
  }
}

async function run(input: ExtractInput): Promise<ExtractResult> {
  const kind = classifyContentType(input.contentType, input.body);
  if (kind === "unsupported")
    return fail("unsupported_content_type", `cannot extract from ${input.contentType ?? "an unlabelled body"}`);
  if (kind === "pdf" || kind === "docx") return extractDocument(kind, input);
  const isHtml = kind === "html" || kind === "xhtml";
  const cap = isHtml ? LIMITS.maxHtmlBytes : LIMITS.maxTextBytes;
  const truncated = input.body.length > cap;
  const decoded = decodeBody(truncated ? input.body.subarray(0, cap) : input.body, input.contentType, isHtml);
  if (!decoded.ok) return decoded;
  if (!isHtml) return finishText(decoded.value.text, kind === "markdown", input, truncated);
  return extractHtml(decoded.value.text, kind === "xhtml", input, truncated);
}

async function finishText(
  text: string,
  isMarkdown: boolean,
  input: ExtractInput,
  truncated: boolean,
): Promise<ExtractResult> {
  const markdown = tidyMarkdown(text);
  if (!markdown) return fail("extraction_empty", "the body is empty");
  const heading = isMarkdown ? (/^#\s+(.+)$/m.exec(markdown)?.[1]?.trim() ?? null) : null;
  const page: PageFields = {
    title: heading,
    description: null,
    language: null,
    canonicalUrl: null,
    siteName: null,
    byline: null,
    publishedTime: null,
  };
  const wordCount = countWords(markdownToText(markdown));
  const signals = { method: "text" as const, contentChars: markdown.length, pageChars: 0 };
  return finish(markdown, null, page, input, truncated, [], wordCount, { ...signals, needsRendering: false });
}

async function extractHtml(
  html: string,
  xhtml: boolean,
  input: ExtractInput,
  truncatedBytes: boolean,
): Promise<ExtractResult> {
  const opts = input.options ?? {};
  const keepAll = (opts.includeSelectors?.length ?? 0) + (opts.excludeSelectors?.length ?? 0) > 0;
  const parsed = parseHtml(html, xhtml, keepAll);
  // Read during the parse: metadata sees the whole page, exclusions included.
  const meta = parsed.metadata(input.url);
  const base = baseUrlFor(input.url, meta.baseHref);
  let content = selectContent(parsed.document, opts, meta);
  // How the content was chosen, for the quality score (see quality.ts).
  let method: ContentMethod = opts.onlyMainContent === false ? "whole-page" : "main";
  if (opts.includeSelectors?.length) method = "selectors";
  let pageChars = content.pageText ?? 0;
  let { posts } = parsed;
  let doc = parsed.document;
  if (content.textLength < THIN_CONTENT && opts.onlyMainContent !== false) {
    // Some pages ship their text hidden (a hydration payload, a crawler view in <noscript>)
    // and show it only by script: look there too, and keep whichever holds more.
    const second = parseHtml(html, xhtml, keepAll, true);
    const revealed = selectContent(second.document, opts, meta);
    if (revealed.textLength > 2 * content.textLength) {
      content = revealed;
      method = "revealed";
      // The thread's posts are those of the tree the content now comes from.
      posts = second.posts;
      doc = second.document;
    }
  }
  if (content.textLength < SMALL_CONTENT && opts.onlyMainContent !== false && !opts.includeSelectors?.length) {
    // Little found next to the page's text: a second method may do better. The JSON-LD
    // article text, then every paragraph of the page; each kept only when it holds far more.
    const pageText = pageTextLength(parsed.document);
    pageChars = Math.max(pageChars, pageText);
    if (content.textLength < SMALL_SHARE * pageText) {
      const second = [
        meta.articleBody ? articleBodyContent(meta.articleBody) : null,
        paragraphBaseline(parsed.document),
      ];
      for (const [i, alt] of second.entries())
        if (alt && alt.textLength >= THIN_CONTENT && alt.textLength > 2 * content.textLength) {
          content = alt;
          method = i === 0 ? "article-body" : "paragraphs";
          break;
        }
    }
  }
  if (opts.onlyMainContent !== false && !opts.includeSelectors?.length) content = gatherThread(content, posts);
  if (meta.productDescription && opts.onlyMainContent !== false && !opts.includeSelectors?.length)
    content = anchorProductDescription(doc, content, meta.productDescription);
  // Next to nothing found on a page that runs scripts: its text (a forum's posts, a shop's
  // grid) is built in the browser from data the HTML does not show. Say so, whatever we return.
  const needsRendering = content.textLength < THIN_CONTENT && parsed.scripts > 0 && opts.onlyMainContent !== false;
  const { roots, removed } = content;
  let page: PageFields = meta;
  if (opts.onlyMainContent !== false) {
    // A byline or dateline left out of the Markdown still tells who wrote it and when.
    dropRecommendations(roots, removed);
    const lines = dropBoilerplate(roots, removed, opts.keepTitleHeading ? null : meta.title, meta.isProduct);
    page = { ...meta, byline: meta.byline ?? lines.byline, publishedTime: meta.publishedTime ?? lines.dateline };
  }
  const mdRoot = new MdNode(1, "DIV", "", {});
  const links = new Set<string>();
  for (const r of roots) {
    const sub = toMarkdownDom(r, base, removed, opts.images !== false);
    if (opts.includeLinks) {
      for (const a of sub.getElementsByTagName("a")) {
        const href = a.getAttribute("href");
        if (href) links.add(href);
      }
    }
    mdRoot.appendChild(sub);
  }
  // Unwrapping block DIVs leaves the Markdown as it was but not the HTML, so keep them when it is returned.
  let markdown = htmlToMarkdown(mdRoot, !opts.includeHtml);
  let wordCount = countContentWords(mdRoot);
  if (markdown.length > LIMITS.maxMarkdownChars) {
    markdown = markdown.slice(0, LIMITS.maxMarkdownChars);
    // The truncated Markdown holds fewer words than the tree: count those of its text.
    wordCount = countWords(markdownToText(markdown));
  }
  if (!markdown)
    return needsRendering
      ? {
          ok: false,
          error: {
            code: "extraction_empty",
            message: "no content in the HTML: the page builds it with scripts",
            needsRendering: true,
          },
        }
      : fail("extraction_empty", "no main content found on the page");
  // turndown has only collapsed whitespace in the tree, so it still reads as the cleaned HTML.
  const cleanedHtml = opts.includeHtml ? serializeHtml(mdRoot) : null;
  const contentChars = Number.isFinite(content.textLength) ? content.textLength : markdown.length;
  const result = await finish(
    markdown,
    cleanedHtml,
    page,
    input,
    truncatedBytes || parsed.truncated,
    [...links],
    wordCount,
    { method, contentChars, pageChars, needsRendering },
  );
  if (result.ok && meta.structured) result.value.structured = meta.structured;
  if (result.ok && needsRendering) result.value.needsRendering = true;
  return result;
}

/** A PDF or DOCX, read by its own reader within the document limits, into the same record as a page. */
async function extractDocument(kind: DocumentKind, input: ExtractInput): Promise<ExtractResult> {
  const limits = input.options?.documents ?? DEFAULT_DOCUMENT_LIMITS;
  if (kind === "docx") {
    const read = await docxToHtml(input.body, limits);
    if (!read.ok) return read;
    // A document has no navigation or footer to leave out: all of it is content.
    const options = { ...input.options, onlyMainContent: false };
    const result = await extractHtml(read.value.html, false, { ...input, options }, false);
    if (!result.ok) return result;
    const { html: _, ...fields } = read.value;
    return { ok: true, value: { ...result.value, ...fields, title: fields.title ?? result.value.title } };
  }
  const read = await pdfToMarkdown(input.body, limits);
  if (!read.ok) return read;
  const pdf = read.value;
  let markdown = pdf.markdown;
  const truncated = pdf.truncated || markdown.length > LIMITS.maxMarkdownChars;
  if (markdown.length > LIMITS.maxMarkdownChars) markdown = markdown.slice(0, LIMITS.maxMarkdownChars);
  const page: PageFields = { ...pdf, canonicalUrl: null, siteName: null };
  const words = countWords(markdownToText(markdown.replace(PAGE_MARKER_LINE, "")));
  // A PDF's text layer is all content: nothing was chosen, as with a plain-text body.
  const signals = { method: "text" as const, contentChars: markdown.length, pageChars: 0, needsRendering: false };
  const result = await finish(markdown, null, page, input, truncated, pdf.links, words, signals);
  if (!result.ok) return result;
  if (result.value.text !== undefined) result.value.text = result.value.text.replace(PAGE_MARKER_LINE, "").trim();
  result.value.pageCount = pdf.pageCount ?? undefined;
  return result;
}

/** Below this many characters of content, a page may hide its text from the first parse. */
const THIN_CONTENT = 200;
/** Content under this many characters and this share of the page's text gets a second method. */
const SMALL_CONTENT = 1000;
const SMALL_SHARE = 0.1;

/** The roots to render and the elements to leave out, as the options ask. */
function selectContent(doc: Document, opts: ExtractOptions, page: PageMetadata): MainContent {
  if (opts.excludeSelectors?.length) removeExcluded(doc, opts.excludeSelectors);
  const included = (opts.includeSelectors ?? []).flatMap((sel) => selectElements(sel, doc));
  if (opts.onlyMainContent === false) {
    const body = selectElements("body", doc)[0];
    const roots = body ? [body] : (doc.children.filter((c) => c.type === "tag") as Element[]);
    return { roots, removed: new ElementMarks(), textLength: Number.POSITIVE_INFINITY };
  }
  const main = findMainContent(doc, page.isArticle, page.isProduct);
  const roots = mergeIncluded(main ? main.roots : [], included);
  return {
    roots,
    removed: main ? main.removed : new ElementMarks(),
    textLength: main?.textLength ?? 0,
    pageText: main?.pageText,
  };
}

function selectElements(selector: string, root: ParentNode): Element[] {
  return selectAll(selector, root).filter((n): n is Element => n.type === "tag");
}

/** Keeps include-selected elements that are not already inside a chosen root, in document order. */
function mergeIncluded(roots: Element[], included: Element[]): Element[] {
  const out = [...roots];
  for (const el of included) {
    if (out.some((r) => contains(r, el))) continue;
    for (let i = out.length - 1; i >= 0; i--) if (contains(el, out[i] as Element)) out.splice(i, 1);
    out.push(el);
  }
  return out.length > 1 ? uniqueSort(out) : out;
}

function contains(ancestor: Element, node: Element): boolean {
  for (let n: Element | null = node; n; n = n.parent && n.parent.type === "tag" ? n.parent : null)
    if (n === ancestor) return true;
  return false;
}

async function finish(
  markdown: string,
  html: string | null,
  meta: PageFields,
  input: ExtractInput,
  truncated: boolean,
  links: string[],
  wordCount: number,
  signals: Pick<QualitySignals, "method" | "contentChars" | "pageChars" | "needsRendering">,
): Promise<ExtractResult> {
  const opts = input.options ?? {};
  const value: Extraction = {
    title: meta.title,
    description: meta.description,
    language: meta.language,
    canonicalUrl: meta.canonicalUrl,
    siteName: meta.siteName,
    byline: meta.byline,
    publishedTime: meta.publishedTime,
    markdown,
    wordCount,
    contentHash: await sha256Hex(markdown),
  };
  if (opts.includeHtml && html !== null) value.html = html;
  // Built only when asked for: the word count does not need it.
  if (opts.includeText) value.text = markdownToText(markdown);
  if (opts.includeLinks) value.links = links;
  if (truncated) value.truncated = true;
  if (opts.analyze !== false) {
    await loadLanguageDetector();
    const { signals: all, ...analysis } = analyseContent(markdown, { ...signals, wordCount, truncated });
    Object.assign(value, analysis);
    value.qualitySignals = all;
  }
  return { ok: true, value };
}
