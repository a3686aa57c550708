// Splitting a page's Markdown into chunks for embedding, along its structure.
//
// The rules, in order:
// 1. A section is a heading with the blocks up to the next heading of any level (the text
//    before the first heading is a section with the path []). A section that fits in
//    `maxTokens` is kept whole.
// 2. A chunk crosses a heading boundary only where a section is too small to stand
//    alone: under a quarter of `maxTokens`. Such a section joins the chunk before it, or
//    a chunk made only of such small sections takes the next section in, as long as the
//    result fits; a section with subsections does not join the chunk before it (it
//    starts one, which its small subsections join). The chunk's `headingPath` is then
//    the path its sections have in common: for sibling sections, their parent's path.
// 3. An over-long section is cut between its blocks (paragraphs, lists, tables, code
//    blocks), which are packed greedily; a block is cut only when it alone is over the
//    limit: a table between rows (header rows kept together), a list between top-level
//    items, code between lines, then any text at sentence ends, then between words, and
//    a single "word" longer than the limit (a data URI) at a UTF-8 byte budget.
// 4. `overlapTokens`: a chunk that continues a section cut in rule 3 starts with the
//    last words of the chunk before it, at most that many tokens of them. Overlap never
//    crosses a heading boundary.
// 5. Every chunk's `text` is exactly `markdown.slice(start, end)` (so an overlapping
//    chunk starts before its predecessor ends), its `headingPath` is not in the text,
//    and its `tokens` is the tokenizer's count of that text, never over `maxTokens`.
//
// Pure: a function of (markdown, options) only, so every path that builds a record
// (a fetch, a re-extraction, a document) chunks alike.
import { type Block, blockUnits, markdownSections } from "./markdown-blocks";
import type { Chunk, ChunkingOptions } from "./options";
import { type RangeCounter, rangeCounter } from "./tokenizer";

interface Range {
  start: number;
  end: number;
}

/** A span the packer places whole: a section that fits, or a piece of one that does not. */
interface Piece extends Range {
  /**
   * Tokens of its text and the whitespace after it, up to the next piece: where that next
   * piece starts a line, counts add up across the join (see `addsUp`), so a chunk's count
   * is the sum of its pieces' spans and its last piece's own count. Null elsewhere.
   */
  span: number | null;
  /** Tokens of its own text, counted when first asked for. */
  own: () => number;
  path: string[];
  section: number;
  /** The whole of its section (rule 1), or a piece cut from one (rule 3). */
  whole: boolean;
  /** Its section's tokens: what "too small to stand alone" is measured on. */
  sectionTokens: number;
  /** Its section is followed by its own subsections. */
  parent: boolean;
}

/** Chunks being gathered: contiguous pieces, maybe with overlap before the first. */
interface Group {
  start: number;
  pieces: Piece[];
  /** Estimated: the pieces' spans (or own counts plus one). */
  tokens: number;
  scope: string[];
}

const estimate = (piece: Piece) => piece.span ?? piece.own() + 1;

/** Splits `markdown` into chunks by the rules above; [] for a page with no text. */
export function chunkMarkdown(markdown: string, options: ChunkingOptions): Chunk[] {
  const count = rangeCounter(markdown, options.tokenizer);
  const max = options.maxTokens;
  const small = Math.floor(max / 4);
  const chunks: Chunk[] = [];
  // BPE never merges across the tokenizer's pre-token boundaries, and a line start is one
  // when the text before it ends in a line break: the whitespace-run patterns end at the
  // last line break, punctuation takes only line breaks after it (o200k_base also takes
  // "/", so a line starting with "/" is not such a boundary). Counts then add up.
  const addsUp = (at: number) =>
    at === 0 || (markdown.charCodeAt(at - 1) === 10 && !(options.tokenizer === "o200k_base" && markdown[at] === "/"));
  const once = (start: number, end: number) => {
    let n: number | null = null;
    return () => {
      n ??= count(start, end);
      return n;
    };
  };

  const pieces: Piece[] = [];
  const sections = markdownSections(markdown);
  sections.forEach((section, index) => {
    const following = sections[index + 1]?.start ?? null;
    const blocks = section.blocks.map((block, k) => {
      const next = section.blocks[k + 1]?.start ?? following;
      const own = once(block.start, block.end);
      // The page's last block has nothing after it: its span is its own count.
      if (next === null) return { block, span: own(), own };
      return { block, span: addsUp(next) ? count(block.start, next) : null, own };
    });
    const last = blocks[blocks.length - 1];
    if (!last) return;
    const spans = blocks.reduce<number | null>((sum, b) => (sum === null || b.span === null ? null : sum + b.span), 0);
    // A section's own count: its blocks' spans but the last's, and the last's own text.
    const own = once(section.start, section.end);
    const sectionOwn = spans !== null && last.span !== null ? () => spans - (last.span as number) + last.own() : own;
    const sectionTokens = spans ?? own() + 1;
    const next = sections[index + 1]?.path.length ?? 0;
    const base = { path: section.path, section: index, sectionTokens, parent: next > section.path.length };
    if (sectionTokens <= max) {
      pieces.push({ ...base, start: section.start, end: section.end, span: spans, own: sectionOwn, whole: true });
      return;
    }
    blocks.forEach(({ block, span, own: blockOwn }, k) => {
      if ((span ?? blockOwn()) <= max) {
        pieces.push({ ...base, start: block.start, end: block.end, span, own: blockOwn, whole: false });
        return;
      }
      const next = section.blocks[k + 1]?.start ?? following;
      for (const cut of cutBlock(markdown, block, next, count, max, addsUp)) {
        pieces.push({ ...base, start: cut.start, end: cut.end, span: cut.span, own: () => cut.tokens, whole: false });
      }
    });
  });

  const emit = (group: Group): void => {
    const first = group.pieces[0];
    const last = group.pieces[group.pieces.length - 1];
    if (!first || !last) return;
    const text = markdown.slice(group.start, last.end);
    const inner = group.pieces.slice(0, -1);
    const exact =
      group.start === first.start && inner.every((p) => p.span !== null)
        ? inner.reduce((sum, p) => sum + (p.span as number), 0) + last.own()
        : count(group.start, last.end);
    if (exact <= max) {
      chunks.push({
        index: chunks.length,
        headingPath: group.scope,
        text,
        tokens: exact,
        start: group.start,
        end: last.end,
      });
      return;
    }
    // The estimate was short (tokens merge differently across a join): drop the overlap,
    // then place the pieces one fewer at a time, and cut a piece that alone is over.
    if (group.start !== first.start) {
      emit({ ...group, start: first.start });
      return;
    }
    if (inner.length === 0) {
      for (const range of fitText(markdown, last, count, max, 0)) {
        const piece = { ...last, ...range, span: null, own: () => range.tokens };
        emit({ start: range.start, pieces: [piece], tokens: 0, scope: last.path });
      }
      return;
    }
    emit({ start: first.start, pieces: inner, tokens: 0, scope: commonScope(inner) });
    emit({ start: last.start, pieces: [last], tokens: 0, scope: last.path });
  };

  let group: Group | null = null;
  for (const piece of pieces) {
    if (group && joins(group, piece, max, small)) {
      group.pieces.push(piece);
      group.tokens += estimate(piece);
      group.scope = commonPrefix(group.scope, piece.path);
      continue;
    }
    const previous: Group | null = group;
    if (previous) emit(previous);
    let start = piece.start;
    let tokens = estimate(piece);
    const before = previous?.pieces[previous.pieces.length - 1];
    if (options.overlapTokens > 0 && before && before.section === piece.section && !piece.whole) {
      const from = Math.max(previous?.start ?? before.start, sectionStart(pieces, piece.section));
      const overlap = overlapStart(markdown, { start: from, end: before.end }, options.overlapTokens, count);
      if (overlap !== null) {
        start = overlap.start;
        tokens += overlap.tokens + 1;
      }
    }
    group = { start, pieces: [piece], tokens, scope: piece.path };
  }
  if (group) emit(group);
  return chunks;
}

/** Whether `piece` may join `group` (rules 2 and 3), judged on estimated tokens; `emit` checks exactly. */
function joins(group: Group, piece: Piece, max: number, small: number): boolean {
  if (group.tokens + estimate(piece) > max) return false;
  const last = group.pieces[group.pieces.length - 1];
  if (last && last.section === piece.section) return true;
  const groupSmall = group.pieces.every((p) => p.whole) && group.tokens < small;
  return groupSmall || (piece.sectionTokens < small && !piece.parent);
}

function commonPrefix(a: string[], b: string[]): string[] {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return n === a.length ? a : a.slice(0, n);
}

function commonScope(pieces: Piece[]): string[] {
  return pieces.reduce<string[]>((scope, p, i) => (i === 0 ? p.path : commonPrefix(scope, p.path)), []);
}

function sectionStart(pieces: Piece[], section: number): number {
  return pieces.find((p) => p.section === section)?.start ?? 0;
}

/** A cut piece of an over-long block: its own count, and its span when it ends at a line (see `addsUp`). */
interface Cut extends Range {
  tokens: number;
  span: number | null;
}

/**
 * An over-long block as pieces of at most `max` tokens each, cut at the coarsest boundary
 * that works (rule 3): table rows, list items and code lines first (whole lines, so
 * their counts add up), then sentences and words inside a line that is still too long.
 */
function cutBlock(
  markdown: string,
  block: Block,
  next: number | null,
  count: RangeCounter,
  max: number,
  addsUp: (at: number) => boolean,
): Cut[] {
  const units = blockUnits(markdown, block);
  if (units.length <= 1) return fitText(markdown, block, count, max, 0).map((r) => ({ ...r, span: null }));
  return units.flatMap((unit, k): Cut[] => {
    const to = units[k + 1]?.start ?? next;
    const span = to !== null && addsUp(to) ? count(unit.start, to) : null;
    if (span !== null && span <= max) {
      const own = unit.end === to ? span : count(unit.start, unit.end);
      return [{ ...unit, tokens: own, span }];
    }
    const n = span === null ? count(unit.start, unit.end) : max + 1;
    if (n <= max) return [{ ...unit, tokens: n, span: null }];
    return fitText(markdown, unit, count, max, 0).map((r) => ({ ...r, span: null }));
  });
}

const SENTENCE_END = /[.!?…。！？][)"'\]’”]*\s+/g;
const SPACE = /\s+/g;

/** Text cut at sentence ends (level 0), then between words (1), then at a byte budget (2). */
function fitText(
  markdown: string,
  range: Range,
  count: RangeCounter,
  max: number,
  level: number,
): (Range & { tokens: number })[] {
  const parts =
    level === 2 ? byteCuts(markdown, range, max) : cutAfter(markdown, range, level === 0 ? SENTENCE_END : SPACE);
  if (parts.length <= 1 && level < 2) return fitText(markdown, range, count, max, level + 1);
  return parts.flatMap((part) => {
    const n = count(part.start, part.end);
    return n <= max || level === 2 ? [{ ...part, tokens: n }] : fitText(markdown, part, count, max, level + 1);
  });
}

/** `range` cut where `boundary` matches, each part without the whitespace between them. */
function cutAfter(markdown: string, range: Range, boundary: RegExp): Range[] {
  const text = markdown.slice(range.start, range.end);
  const parts: Range[] = [];
  let from = 0;
  for (const match of text.matchAll(boundary)) {
    const gap = match.index + match[0].length;
    const end = match.index + match[0].trimEnd().length;
    if (end > from) parts.push({ start: range.start + from, end: range.start + end });
    from = gap;
  }
  if (from < text.length) parts.push({ start: range.start + from, end: range.end });
  return parts;
}

/**
 * `range` cut so each part is at most `max` UTF-8 bytes: a byte-level BPE token covers at
 * least one byte, so each part is at most `max` tokens whatever the tokenizer.
 */
function byteCuts(markdown: string, range: Range, max: number): Range[] {
  const parts: Range[] = [];
  let start = range.start;
  let bytes = 0;
  let i = range.start;
  while (i < range.end) {
    const code = markdown.codePointAt(i) ?? 0;
    const width = code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
    const units = code >= 0x10000 ? 2 : 1;
    if (bytes + width > max) {
      parts.push({ start, end: i });
      start = i;
      bytes = 0;
    }
    bytes += width;
    i += units;
  }
  if (start < range.end) parts.push({ start, end: range.end });
  return parts;
}

/**
 * Where the overlap before a continuing chunk starts: the earliest word start in `range`
 * whose text to `range.end` is at most `budget` tokens; null when not even one word fits.
 */
function overlapStart(
  markdown: string,
  range: Range,
  budget: number,
  count: RangeCounter,
): { start: number; tokens: number } | null {
  // Tokens are rarely under two characters, so the overlap lies in the last budget * 8.
  const from = Math.max(range.start, range.end - budget * 8);
  const words: number[] = [];
  const text = markdown.slice(from, range.end);
  // The window's first character starts a word only at the range's start or after a space.
  const atWord = from === range.start || /\s/.test(markdown[from - 1] ?? "");
  for (const match of text.matchAll(/(?:^|\s)(?=\S)/g)) {
    if (match[0] === "" && !atWord) continue;
    words.push(from + match.index + match[0].length);
  }
  let lo = 0;
  let hi = words.length - 1;
  let best: { start: number; tokens: number } | null = null;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const start = words[mid] as number;
    const tokens = count(start, range.end);
    if (tokens <= budget) {
      best = { start, tokens };
      hi = mid - 1;
    } else lo = mid + 1;
  }
  // Across lines (table rows, list items, code) the overlap starts at a line: whole rows, not a row's tail.
  const line = best ? markdown.indexOf("\n", best.start) : -1;
  if (best && line !== -1 && line < range.end && markdown[best.start - 1] !== "\n") {
    const start = line + 1;
    return start < range.end ? { start, tokens: count(start, range.end) } : null;
  }
  return best;
}
