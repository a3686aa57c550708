// Token counts from gpt-tokenizer, OpenAI's BPE encodings in plain JavaScript (no WASM,
// no Node API), so the count a chunk carries is the one the embedding API will bill.
// Special-token text such as "<|endoftext|>" on a page is counted as ordinary text:
// gpt-tokenizer would otherwise throw on it, and a page must never crash the chunker.
//
// Counted piece by piece: BPE encodes each pre-token (the pieces the encoding's split
// regex cuts) on its own, so a text's count is the sum of its pieces' counts. The pieces
// come from a hand-written scan for cl100k_base (pre-tokens.ts), which reads a slice of a
// page in place, and from gpt-tokenizer's own regex for o200k_base; each distinct piece is
// counted by gpt-tokenizer once per isolate (a bounded memo: words repeat across pages),
// and found again by its characters where it lies, without cutting it out of the page. A
// piece counted alone counts as in its text, since the regex splits it back into itself;
// test/corpus/tokenizer.test.ts checks the sums against gpt-tokenizer's counts of whole
// pages of both corpora.
import { countTokens as cl100k } from "gpt-tokenizer/encoding/cl100k_base";
import { countTokens as o200k } from "gpt-tokenizer/encoding/o200k_base";
import { O200K_TOKEN_SPLIT_REGEX } from "gpt-tokenizer/encodingParams/constants";
import type { Tokenizer } from "./options";
import { ASCII_CLASS, cl100kPieceEnd, classAt, LETTER, NUMBER, OTHER } from "./pre-tokens";

const AS_TEXT = { disallowedSpecial: new Set<string>() };
/** Distinct pieces remembered per encoding before the memo starts over. */
const MEMO_LIMIT = 100_000;
/** Characters of pieces remembered before the memo starts over (2 bytes each: 2 MB; the table is at most 4 MB). */
const POOL_LIMIT = 1 << 20;
/** The memo's table starts with this many slots, and doubles to stay at most half full. */
const FIRST_SLOTS = 1 << 14;

/** Tokens of `text.slice(start, end)`, a single piece. */
type PieceCount = (text: string, start: number, end: number) => number;

/** The hash a piece's characters are found by: FNV-1a over its code units, from this seed. */
const SEED = 0x811c9dc5 | 0;
const step = (h: number, code: number) => Math.imul(h ^ code, 0x01000193);

interface PieceMemo {
  count: PieceCount;
  /** `count` for a caller that has already run `step` over the piece's code units from SEED. */
  hashed: (text: string, start: number, end: number, hash: number) => number;
}

/**
 * A memo of piece counts found by the piece's characters where they lie, without cutting
 * the piece out of its text: a hash of the characters picks a slot of an open-addressing
 * table (linear probing), whose entries hold the hash, the count and where the piece's
 * characters are kept in a pool of code units; an entry matches when its hash, length and
 * characters do, so a count is never another piece's. Flat typed arrays, so a lookup
 * touches one entry and the characters it compares, and there is nothing to collect.
 */
function pieceCounter(count: typeof cl100k): PieceMemo {
  let slots = FIRST_SLOTS;
  /** Per slot: hash, count, 1 + the piece's offset in the pool (0: empty), length. */
  let table = new Int32Array(slots * 4);
  let pool = new Uint16Array(1 << 16);
  let used = 0;
  let size = 0;

  const place = (h: number): number => {
    let slot = h & (slots - 1);
    while (table[slot * 4 + 2] !== 0) slot = (slot + 1) & (slots - 1);
    return slot * 4;
  };
  const grow = () => {
    const old = table;
    slots *= 2;
    table = new Int32Array(slots * 4);
    for (let e = 0; e < old.length; e += 4)
      if (old[e + 2] !== 0) table.set(old.subarray(e, e + 4), place(old[e] as number));
  };

  const hashed = (text: string, start: number, end: number, hash: number): number => {
    const length = end - start;
    let h = hash ^ Math.imul(length, 0x9e3779b9);
    h ^= h >>> 15;
    h = Math.imul(h, 0x2c1b3c6d);
    h ^= h >>> 12;
    for (let slot = h & (slots - 1); ; slot = (slot + 1) & (slots - 1)) {
      const e = slot * 4;
      const at = table[e + 2] as number;
      if (at === 0) break;
      if (table[e] === h && table[e + 3] === length) {
        let k = 0;
        while (k < length && pool[at - 1 + k] === text.charCodeAt(start + k)) k++;
        if (k === length) return table[e + 1] as number;
      }
    }
    const piece = text.slice(start, end);
    // Options are worked out again on every call given them, so only text that needs them gets them.
    const n = piece.includes("<|") ? count(piece, AS_TEXT) : count(piece);
    if (length > POOL_LIMIT >> 4) return n; // a run of megabytes (a data URI) is not worth keeping
    if (size >= MEMO_LIMIT || used + length > POOL_LIMIT) {
      table.fill(0);
      used = 0;
      size = 0;
    }
    if (used + length > pool.length) {
      const bigger = new Uint16Array(Math.min(POOL_LIMIT, Math.max(pool.length * 2, used + length)));
      bigger.set(pool.subarray(0, used));
      pool = bigger;
    }
    for (let k = 0; k < length; k++) pool[used + k] = text.charCodeAt(start + k);
    if (size * 2 >= slots) grow();
    const e = place(h);
    table[e] = h;
    table[e + 1] = n;
    table[e + 2] = used + 1;
    table[e + 3] = length;
    used += length;
    size++;
    return n;
  };
  return {
    hashed,
    count: (text, start, end) => {
      let h = SEED;
      for (let k = start; k < end; k++) h = step(h, text.charCodeAt(k));
      return hashed(text, start, end, h);
    },
  };
}

const cl100kPiece = pieceCounter(cl100k);
const o200kPiece = pieceCounter(o200k);
const PIECES: Record<Tokenizer, PieceCount> = { cl100k_base: cl100kPiece.count, o200k_base: o200kPiece.count };
const o200kSplit = new RegExp(O200K_TOKEN_SPLIT_REGEX.source, "gu");

/** Tokens of `text.slice(start, end)`, counted as a text of its own. */
type SliceCount = (text: string, start: number, end: number) => number;

const COUNTERS: Record<Tokenizer, SliceCount> = {
  cl100k_base: (text, start, end) => {
    let n = 0;
    for (let i = start; i < end; ) {
      // Most pieces are ASCII words (maybe after one mark, a space or a bracket) and runs of
      // ASCII punctuation (maybe after a space, with the line breaks after them): scanned
      // and hashed in one go here, in the regex's order. A run reaching anything but ASCII
      // goes the general way, since the regex's classes go on past ASCII. -1 marks the end.
      let c = text.charCodeAt(i);
      let j = i;
      let h = SEED;
      if (c < 0x80 && j + 1 < end) {
        const next = text.charCodeAt(j + 1);
        // [^\r\n\p{L}\p{N}]?\p{L}+, after the contractions: a quote is left to the general way.
        if (isAsciiLetter(next) && c !== 39 && !isBreak(c) && ASCII_CLASS[c] !== LETTER && ASCII_CLASS[c] !== NUMBER) {
          h = step(h, c);
          c = next;
          j++;
        }
      }
      if (isAsciiLetter(c)) {
        do {
          h = step(h, c);
          c = ++j < end ? text.charCodeAt(j) : -1;
        } while (isAsciiLetter(c));
        if (c < 0x80) {
          n += cl100kPiece.hashed(text, i, j, h);
          i = j;
          continue;
        }
      } else if (j === i && c < 0x80 && c !== 39) {
        //  ?[^\s\p{L}\p{N}]+[\r\n]*
        if (c === 32 && j + 1 < end && isAsciiOther(text.charCodeAt(j + 1))) {
          h = step(h, c);
          c = text.charCodeAt(++j);
        }
        if (isAsciiOther(c)) {
          do {
            h = step(h, c);
            c = ++j < end ? text.charCodeAt(j) : -1;
          } while (isAsciiOther(c));
          if (c < 0x80) {
            while (isBreak(c)) {
              h = step(h, c);
              c = ++j < end ? text.charCodeAt(j) : -1;
            }
            n += cl100kPiece.hashed(text, i, j, h);
            i = j;
            continue;
          }
        }
      }
      const to = cl100kPieceEnd(text, i, end);
      n += cl100kPiece.count(text, i, to);
      i = to;
    }
    return n;
  },
  o200k_base: (text, start, end) => {
    let n = 0;
    const slice = start === 0 && end === text.length ? text : text.slice(start, end);
    for (const piece of slice.match(o200kSplit) ?? []) n += o200kPiece.count(piece, 0, piece.length);
    return n;
  },
};

/** A function counting `tokenizer`'s tokens in a string. */
export function tokenCounter(tokenizer: Tokenizer): (text: string) => number {
  const count = COUNTERS[tokenizer];
  return (text) => count(text, 0, text.length);
}

/** The tokens in `markdown.slice(start, end)`. */
export type RangeCounter = (start: number, end: number) => number;

/**
 * A counter of `tokenizer`'s tokens in slices of one page, which counts the page once, a
 * line at a time, and a slice from those counts plus its partial first and last lines.
 *
 * Counts add up across a line start `at` whose line break follows text and whose first
 * character is not whitespace: the pieces before `at` end at its line break (the
 * whitespace patterns end at the last line break of a run, punctuation takes only the
 * line breaks after it), and the pieces from `at` are the same in any text starting or
 * going on there, as the split regex looks nowhere behind. o200k_base's punctuation also
 * takes a "/" after its line breaks, so a line starting with "/" is not such a start.
 */
export function rangeCounter(markdown: string, tokenizer: Tokenizer): RangeCounter {
  const count = COUNTERS[tokenizer];
  const piece = PIECES[tokenizer];
  const slashJoins = tokenizer === "o200k_base";
  /** Line starts where counts add up, ascending, and the tokens before each. */
  const starts: number[] = [0];
  const before: number[] = [0];
  let tokens = 0;
  for (let i = markdown.indexOf("\n"); i !== -1 && i + 1 < markdown.length; i = markdown.indexOf("\n", i + 1)) {
    const at = i + 1;
    const first = markdown[at] as string;
    if (isSpaceAt(markdown, at) || (slashJoins && first === "/")) continue;
    tokens += count(markdown, starts[starts.length - 1] as number, at);
    starts.push(at);
    before.push(tokens);
  }
  let lastLine: number | null = null;
  return (start, end) => {
    if (end <= start) return 0;
    // The first such line start at or after `start`, and the last at or before `end`.
    const from = firstAtOrAfter(starts, start);
    const to = firstAtOrAfter(starts, end + 1) - 1;
    if (from > to) return count(markdown, start, end);
    const a = starts[from] as number;
    const b = starts[to] as number;
    const head = a > start ? count(markdown, start, a) : 0;
    const tail = end > b ? lineHead(to, end) : 0;
    return head + (before[to] as number) - (before[from] as number) + tail;
  };

  /** Tokens of the `k`th line (from `starts[k]` to the next line start or the end). */
  function line(k: number): number {
    if (k + 1 < starts.length) return (before[k + 1] as number) - (before[k] as number);
    lastLine ??= count(markdown, starts[k] as number, markdown.length);
    return lastLine;
  }

  /**
   * Tokens from `starts[k]` to `end`, inside that line. Where only whitespace follows
   * `end` in the line (a block's own text, without the blank line after it), they come
   * from the line's count, less the pieces the whitespace changes: after a letter or a
   * digit, the whitespace is a piece of its own; after cl100k_base punctuation (ASCII),
   * the punctuation piece takes the line breaks after it, and any whitespace after those
   * is a piece. The whitespace ends the line's text, so it is one piece (the "\s+$" pattern).
   */
  function lineHead(k: number, end: number): number {
    const from = starts[k] as number;
    const next = k + 1 < starts.length ? (starts[k + 1] as number) : markdown.length;
    if (end === next) return line(k);
    if (!onlyWhitespace(markdown, end, next)) return count(markdown, from, end);
    const cls = classAt(markdown, end - 1);
    if (cls === LETTER || cls === NUMBER) return line(k) - piece(markdown, end, next);
    const code = markdown.charCodeAt(end - 1);
    if (tokenizer !== "cl100k_base" || cls !== OTHER || code >= 0x80) return count(markdown, from, end);
    let run = end - 1;
    while (run > from && markdown.charCodeAt(run - 1) < 0x80 && classAt(markdown, run - 1) === OTHER) run--;
    if (run > from && markdown.charCodeAt(run - 1) >= 0x80) return count(markdown, from, end);
    const start = run > from && markdown.charCodeAt(run - 1) === 32 ? run - 1 : run;
    let breaks = end;
    while (breaks < next && isBreak(markdown.charCodeAt(breaks))) breaks++;
    const rest = breaks < next ? piece(markdown, breaks, next) : 0;
    return line(k) - piece(markdown, start, breaks) - rest + piece(markdown, start, end);
  }
}

const isBreak = (code: number) => code === 10 || code === 13;
const isAsciiLetter = (code: number) => (code | 0x20) >= 0x61 && (code | 0x20) <= 0x7a;
const isAsciiOther = (code: number) => code < 0x80 && ASCII_CLASS[code] === OTHER;

const WHITESPACE = /\s/u;

/** Whether the character at `i` is whitespace (`\s`). */
function isSpaceAt(text: string, i: number): boolean {
  const code = text.charCodeAt(i);
  if (code < 0x80) return code === 32 || (code >= 9 && code <= 13);
  return WHITESPACE.test(text[i] as string);
}

/** Whether `text.slice(start, end)` is whitespace only (and not empty). */
function onlyWhitespace(text: string, start: number, end: number): boolean {
  if (end <= start) return false;
  for (let i = start; i < end; i++) {
    const code = text.charCodeAt(i);
    if (code === 32 || (code >= 9 && code <= 13)) continue;
    if (code < 0x80 || !WHITESPACE.test(text[i] as string)) return false;
  }
  return true;
}

/** The index of the first of the ascending `xs` that is at least `x` (`xs.length` if none). */
function firstAtOrAfter(xs: number[], x: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((xs[mid] as number) < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
