// extractionQuality: how far to trust one page's extraction, 0..1, from what the
// extractor saw on the way (no second pass over the page). Calibrated on the Readability
// and wcxb-dev corpora (bench/quality.ts prints the table the README shows): pages scored
// higher have a higher median word F1 against the hand-made truth.

/** How the content root was chosen, best first. */
export type ContentMethod =
  | "main" // Readability-style scoring found a container
  | "revealed" // the text was hidden in the first parse (noscript, hydration payload)
  | "article-body" // the JSON-LD articleBody
  | "paragraphs" // every long paragraph of the page: the last fallback
  | "selectors" // the caller's includeSelectors
  | "whole-page" // onlyMainContent: false
  | "text"; // a plain-text or Markdown body: nothing to choose

/** What the extractor knows about one page's content when it finishes. */
export interface QualitySignals {
  method: ContentMethod;
  /** Characters of text in the chosen content. */
  contentChars: number;
  /** Characters of visible text on the whole page (0 when unknown). */
  pageChars: number;
  /** Characters of link text in the Markdown, and of all text. */
  linkChars: number;
  textChars: number;
  wordCount: number;
  /** Markdown lines that are list items or table rows, and all non-blank lines. */
  listLines: number;
  lines: number;
  truncated: boolean;
  needsRendering: boolean;
}

const METHOD_WEIGHT: Record<ContentMethod, number> = {
  main: 1,
  revealed: 0.85,
  "article-body": 0.85,
  paragraphs: 0.6,
  selectors: 0.9,
  "whole-page": 0.75,
  text: 0.9,
};

/**
 * The score in 0..1 (three decimals) for a page's signals; higher is a more trustworthy
 * extraction. Three signals, weighted by a fit of rank correlation with word F1 on both
 * corpora (bench/quality.ts): the average line length of the Markdown (prose runs in
 * long lines; menus, listings and card grids in short ones), the share of the page's text
 * kept (a sliver of a large page means the content was missed) and the link density
 * (navigation is link text). The method that chose the content, a page that needs
 * rendering and a truncated page scale it down.
 */
export function extractionQuality(s: QualitySignals): number {
  const perLine = s.lines > 0 ? s.textChars / s.lines : 0;
  const density = clamp(Math.log(1 + perLine) / Math.log(1 + FULL_LINE_CHARS));
  const kept = s.pageChars > 0 ? clamp(s.contentChars / s.pageChars) : 1;
  const links = s.textChars > 0 ? clamp(s.linkChars / s.textChars) : 0;
  let score = 0.25 * (1 - links) + 0.25 * kept + 0.5 * density;
  score *= METHOD_WEIGHT[s.method];
  if (s.wordCount < FEW_WORDS) score *= 0.5 + (0.5 * s.wordCount) / FEW_WORDS;
  if (s.needsRendering) score *= 0.5;
  if (s.truncated) score *= 0.9;
  return Math.round(clamp(score) * 1000) / 1000;
}

/** Average characters per Markdown line at which a page reads as prose. */
const FULL_LINE_CHARS = 150;
/** Fewer words than this is rarely a page's whole content. */
const FEW_WORDS = 20;

function clamp(x: number): number {
  return Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0;
}

/** The Markdown's link text, all text, list lines and lines, counted in one pass over it. */
export function markdownShape(
  markdown: string,
): Pick<QualitySignals, "linkChars" | "textChars" | "listLines" | "lines"> {
  let linkChars = 0;
  for (const m of markdown.matchAll(/\[([^\]\n]*)\]\(/g)) linkChars += (m[1] as string).length;
  let lines = 0;
  let listLines = 0;
  let textChars = 0;
  // Line by line, each trimmed, without cutting lines out (a page's worth of garbage otherwise).
  for (let from = 0; from <= markdown.length; ) {
    let to = markdown.indexOf("\n", from);
    if (to === -1) to = markdown.length;
    let start = from;
    let end = to;
    while (start < end && isSpace(markdown.charCodeAt(start))) start++;
    while (end > start && isSpace(markdown.charCodeAt(end - 1))) end--;
    if (end > start) {
      lines++;
      if (isListLine(markdown, start, end)) listLines++;
      textChars += end - start;
    }
    from = to + 1;
  }
  // Link targets are not text: take them out of the total.
  for (const m of markdown.matchAll(/\]\(([^)\n]*)\)/g)) textChars -= (m[1] as string).length + 2;
  return { linkChars, textChars: Math.max(textChars, linkChars), listLines, lines };
}

/** Whether a code unit is whitespace as `trim` and `\s` see it. */
function isSpace(c: number): boolean {
  if (c < 0x80) return c === 32 || (c >= 9 && c <= 13);
  return (
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

/** Whether the trimmed line `markdown.slice(start, end)` is a list item or a table row: `- `, `* `, `+ `, `1. ` or `|`. */
function isListLine(markdown: string, start: number, end: number): boolean {
  const c = markdown.charCodeAt(start);
  if (c === 0x7c) return true;
  let i = start;
  if (c === 0x2d || c === 0x2a || c === 0x2b) i++;
  else {
    while (i < end && markdown.charCodeAt(i) >= 48 && markdown.charCodeAt(i) <= 57) i++;
    if (i === start || markdown.charCodeAt(i) !== 0x2e) return false;
    i++;
  }
  return i < end && isSpace(markdown.charCodeAt(i));
}
