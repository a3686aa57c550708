// From a PDF's positioned text runs to Markdown: lines by baseline, paragraphs by the
// spacing between lines, hyphenation at line ends undone, headings where the font is
// larger than the body's. Pure: lib/extract/pdf.ts feeds it what PDF.js reads.

/** One run of text as PDF.js places it: baseline origin, advance width and font size, in page units. */
export interface TextRun {
  str: string;
  x: number;
  y: number;
  width: number;
  size: number;
  /** PDF.js saw a line end after this run. */
  eol: boolean;
}

/** One paragraph of a page: its text (lines joined) and the font size of most of it. */
export interface Paragraph {
  text: string;
  size: number;
  lines: number;
  bullet: boolean;
}

interface Line {
  text: string;
  x: number;
  y: number;
  size: number;
  end: number;
}

/** Marks the start of each page in the Markdown (README, "Documents"). */
export function pageMarker(page: number): string {
  return `<!-- page ${page} -->`;
}

/** Every page marker line of a Markdown text (global: for `replace`). */
export const PAGE_MARKER_LINE = /^<!-- page \d+ -->\n*/gm;

/** A page's runs, in content-stream order (PDF.js's), as paragraphs in reading order. */
export function pageParagraphs(runs: TextRun[]): Paragraph[] {
  return paragraphsOf(linesOf(runs));
}

function linesOf(runs: TextRun[]): Line[] {
  const lines: Line[] = [];
  let line: Line | null = null;
  let breakNext = false;
  for (const run of runs) {
    const size = run.size > 0 ? run.size : 10;
    if (run.str.trim() === "") {
      // PDF.js sends word gaps as space runs; keep one, never at a line start.
      if (line && !breakNext && !line.text.endsWith(" ")) line.text += " ";
      breakNext ||= run.eol;
      continue;
    }
    const sameLine = line !== null && !breakNext && Math.abs(run.y - line.y) <= 0.5 * Math.max(size, line.size);
    if (line && sameLine) {
      const gap = run.x - line.end;
      if (gap > 0.15 * size && !line.text.endsWith(" ") && !run.str.startsWith(" ")) line.text += " ";
      line.text += run.str;
      line.end = Math.max(line.end, run.x + run.width);
      // The line's size is that of its largest text: a drop cap or heading run decides.
      if (run.str.trim().length > 1) line.size = Math.max(line.size, size);
    } else {
      if (line) lines.push(line);
      line = { text: run.str, x: run.x, y: run.y, size, end: run.x + run.width };
    }
    breakNext = run.eol;
  }
  if (line) lines.push(line);
  for (const l of lines) l.text = l.text.replace(/\s+/g, " ").trim();
  return lines.filter((l) => l.text !== "");
}

const BULLET = /^[•◦▪▫‣∙·●○■□–-]\s+/;

function paragraphsOf(lines: Line[]): Paragraph[] {
  const spacing = typicalSpacing(lines);
  const out: Paragraph[] = [];
  let current: Paragraph | null = null;
  let prev: Line | null = null;
  for (const line of lines) {
    const bullet = BULLET.test(line.text);
    const text = bullet ? line.text.replace(BULLET, "") : line.text;
    let breaks = current === null || prev === null || bullet;
    if (!breaks && prev && current) {
      const gap = prev.y - line.y;
      const sizeChange = Math.abs(line.size - prev.size) > 0.15 * Math.max(line.size, prev.size);
      // Upwards (a new column), far below (a blank line), or in another font size.
      breaks = gap <= 0 || gap > 1.45 * (spacing ?? line.size * 1.2) || sizeChange;
    }
    if (breaks || current === null) {
      if (current) out.push(current);
      current = { text, size: line.size, lines: 1, bullet };
    } else {
      current.text = joinLines(current.text, text);
      current.lines++;
    }
    prev = line;
  }
  if (current) out.push(current);
  return out;
}

/** The usual distance between consecutive baselines of the page: the median of the downward steps. */
function typicalSpacing(lines: Line[]): number | null {
  const gaps: number[] = [];
  for (let i = 1; i < lines.length; i++) {
    const a = lines[i - 1] as Line;
    const b = lines[i] as Line;
    const gap = a.y - b.y;
    if (gap > 0 && gap < 3 * b.size) gaps.push(gap);
  }
  if (gaps.length === 0) return null;
  gaps.sort((p, q) => p - q);
  return gaps[Math.floor(gaps.length / 2)] as number;
}

/** Joins two lines of a paragraph, undoing a hyphenation at the line end ("extrac-" + "tion"). */
export function joinLines(a: string, b: string): string {
  if (/\p{Ll}[-\u00AD]$/u.test(a) && /^\p{Ll}/u.test(b)) return a.slice(0, -1) + b;
  if (a.endsWith("\u00AD")) return a.slice(0, -1) + b;
  return `${a} ${b}`;
}

/** The body font size: the size most of the document's text is set in. */
export function bodySize(pages: Paragraph[][]): number {
  const weight = new Map<number, number>();
  for (const page of pages)
    for (const p of page) {
      const key = Math.round(p.size * 2) / 2;
      weight.set(key, (weight.get(key) ?? 0) + p.text.length);
    }
  let best = 0;
  let bestWeight = -1;
  for (const [size, w] of weight)
    if (w > bestWeight) {
      best = size;
      bestWeight = w;
    }
  return best;
}

/** Heading levels by font size: the largest size above the body's is `#`, the next `##`, down to `####`. */
export function headingLevels(pages: Paragraph[][], body: number): Map<number, number> {
  const sizes = new Set<number>();
  for (const page of pages) for (const p of page) if (isHeading(p, body)) sizes.add(Math.round(p.size * 2) / 2);
  const levels = new Map<number, number>();
  for (const [i, size] of [...sizes].sort((a, b) => b - a).entries()) levels.set(size, Math.min(i + 1, 4));
  return levels;
}

function isHeading(p: Paragraph, body: number): boolean {
  return body > 0 && p.size >= 1.15 * body && p.lines <= 3 && p.text.length <= 200 && /\p{L}/u.test(p.text);
}

/** One page's Markdown: its marker, then its paragraphs, headings marked by level. */
export function pageMarkdown(page: number, paragraphs: Paragraph[], body: number, levels: Map<number, number>): string {
  const blocks = [pageMarker(page)];
  for (const p of paragraphs) {
    const level = isHeading(p, body) ? levels.get(Math.round(p.size * 2) / 2) : undefined;
    const text = escapeLeading(p.text);
    blocks.push(level ? `${"#".repeat(level)} ${p.text}` : p.bullet ? `- ${text}` : text);
  }
  return blocks.join("\n\n");
}

/** Text that would read as Markdown syntax at a line start (a list, heading or quote) is escaped. */
function escapeLeading(text: string): string {
  return text.replace(/^(#{1,6}\s|[-+*]\s|>)/, "\\$1").replace(/^(\d+)\.(\s)/, "$1\\.$2");
}
