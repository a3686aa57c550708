// A page's Markdown as sections of blocks, with character offsets: what the chunker
// packs. Only the structure our own Markdown has (lib/extract/html-to-markdown.ts:
// ATX headings, fenced code, pipe tables, `-` and numbered lists) is recognised; any
// other line is paragraph text, which is always safe to split at a sentence.

/** What a block is decides where it may be cut when it is too long to keep whole. */
export type BlockKind = "heading" | "code" | "table" | "list" | "paragraph";

/** A run of lines between blank lines (a fenced code block may hold blank lines). */
export interface Block {
  kind: BlockKind;
  start: number;
  /** Exclusive, without the line break that ends the block. */
  end: number;
}

/** A heading with the blocks up to the next heading (or the page's text before its first heading). */
export interface Section {
  /** The headings in force here, outermost first: this section's own heading last. */
  path: string[];
  blocks: Block[];
  start: number;
  end: number;
}

const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const HEADING = /^ {0,3}(#{1,6})(?:[ \t]+|$)/;
const LIST_ITEM = /^ {0,3}(?:[-*+]|\d{1,9}[.)])(?:[ \t]|$)/;
const TABLE_ROW = /^ {0,3}\|/;

interface Line {
  start: number;
  end: number;
  text: string;
}

function linesOf(markdown: string): Line[] {
  const lines: Line[] = [];
  let start = 0;
  while (start <= markdown.length) {
    let end = markdown.indexOf("\n", start);
    if (end === -1) end = markdown.length;
    const stop = end > start && markdown.charCodeAt(end - 1) === 13 ? end - 1 : end;
    lines.push({ start, end: stop, text: markdown.slice(start, stop) });
    start = end + 1;
  }
  return lines;
}

function kindOf(text: string): BlockKind {
  if (HEADING.test(text)) return "heading";
  if (FENCE.test(text)) return "code";
  if (TABLE_ROW.test(text)) return "table";
  if (LIST_ITEM.test(text)) return "list";
  return "paragraph";
}

const isBlank = (text: string) => text.trim() === "";

/** The blocks of `markdown` in order, each a range of whole lines. */
export function markdownBlocks(markdown: string): Block[] {
  const lines = linesOf(markdown);
  const blocks: Block[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i] as Line;
    if (isBlank(line.text)) {
      i++;
      continue;
    }
    const kind = kindOf(line.text);
    let last = i;
    if (kind === "code") {
      const fence = FENCE.exec(line.text)?.[1] ?? "```";
      const close = new RegExp(`^ {0,3}${fence[0] === "`" ? "`" : "~"}{${fence.length},}\\s*$`);
      last = lines.length - 1;
      for (let j = i + 1; j < lines.length; j++) {
        if (close.test((lines[j] as Line).text)) {
          last = j;
          break;
        }
      }
    } else if (kind !== "heading") {
      // A block runs to the next blank line or the next line of another kind; a list also
      // takes indented lines after a blank one (a loose item's further paragraphs).
      for (let j = i + 1; j < lines.length; j++) {
        const text = (lines[j] as Line).text;
        if (isBlank(text)) {
          const next = lines[j + 1]?.text;
          if (kind === "list" && next !== undefined && (/^ {2,}\S/.test(next) || LIST_ITEM.test(next))) continue;
          break;
        }
        const other = kindOf(text);
        if (other === "heading" || other === "code") break;
        if (kind === "table" && other !== "table") break;
        if (kind === "paragraph" && (other === "table" || other === "list")) break;
        last = j;
      }
    }
    while (last > i && isBlank((lines[last] as Line).text)) last--;
    blocks.push({ kind, start: line.start, end: (lines[last] as Line).end });
    i = last + 1;
  }
  return blocks;
}

/** A heading line's words, without its `#` marks, links, emphasis and escapes. */
export function headingText(line: string): string {
  return line
    .replace(/^ {0,3}#{1,6}[ \t]*/, "")
    .replace(/[ \t]+#+[ \t]*$/, "")
    .replace(/!?\[((?:[^\]\\]|\\.)*)\]\((?:[^()\\]|\\.|\([^)]*\))*\)/g, "$1")
    .replace(/(\*\*|__|~~|`+)/g, "")
    .replace(/\\([\\`*_{}[\]()#+\-.!|~<>])/g, "$1")
    .trim();
}

/** The heading's level (1-6) for a heading block's line. */
export function headingLevel(line: string): number {
  return HEADING.exec(line)?.[1]?.length ?? 0;
}

/**
 * `markdown` as its sections, in order: the text before the first heading (path []),
 * then one section per heading, holding the blocks up to the next heading of any level.
 */
export function markdownSections(markdown: string): Section[] {
  const sections: Section[] = [];
  const stack: { level: number; text: string }[] = [];
  let current: Section | null = null;
  for (const block of markdownBlocks(markdown)) {
    if (block.kind === "heading") {
      const line = markdown.slice(block.start, block.end);
      const level = headingLevel(line);
      while (stack.length > 0 && (stack[stack.length - 1] as { level: number }).level >= level) stack.pop();
      stack.push({ level, text: headingText(line) });
      current = { path: stack.map((h) => h.text), blocks: [block], start: block.start, end: block.end };
      sections.push(current);
      continue;
    }
    if (current === null) {
      current = { path: [], blocks: [], start: block.start, end: block.end };
      sections.push(current);
    }
    current.blocks.push(block);
    current.end = block.end;
  }
  return sections;
}

/**
 * Where an over-long block may be cut, coarsest first: a table between rows (its header
 * and delimiter rows stay together), a list between top-level items, code between lines.
 * Paragraphs go straight to sentences. Each range is a span of `markdown`.
 */
export function blockUnits(markdown: string, block: Block): { start: number; end: number }[] {
  if (block.kind === "paragraph" || block.kind === "heading") return [];
  const lines = linesOf(markdown.slice(block.start, block.end)).map((l) => ({
    start: l.start + block.start,
    end: l.end + block.start,
    text: l.text,
  }));
  const starts: number[] = [];
  lines.forEach((line, i) => {
    if (block.kind === "code" || (block.kind === "table" && i !== 1)) starts.push(i);
    else if (block.kind === "list" && LIST_ITEM.test(line.text)) starts.push(i);
  });
  if (starts[0] !== 0) starts.unshift(0);
  return starts.map((first, k) => {
    const next = starts[k + 1] ?? lines.length;
    let last = next - 1;
    while (last > first && isBlank((lines[last] as Line).text)) last--;
    return { start: (lines[first] as Line).start, end: (lines[last] as Line).end };
  });
}
