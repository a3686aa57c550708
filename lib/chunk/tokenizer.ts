// Token counts from gpt-tokenizer, OpenAI's BPE encodings in plain JavaScript (no WASM,
// no Node API), so the count a chunk carries is the one the embedding API will bill.
// Special-token text such as "<|endoftext|>" on a page is counted as ordinary text:
// gpt-tokenizer would otherwise throw on it, and a page must never crash the chunker.
//
// Counted piece by piece: BPE encodes each pre-token (the pieces the encoding's split
// regex cuts) on its own, so a text's count is the sum of its pieces' counts. The pieces
// come from a hand-written scan for cl100k_base (pre-tokens.ts) and from gpt-tokenizer's
// own regex for o200k_base, and each distinct piece is counted by gpt-tokenizer once per
// isolate (a bounded memo: words repeat across pages). A piece counted alone counts as in
// its text, since the regex splits it back into itself; test/corpus/tokenizer.test.ts
// checks the sums against gpt-tokenizer's counts of whole pages of both corpora.
import { countTokens as cl100k } from "gpt-tokenizer/encoding/cl100k_base";
import { countTokens as o200k } from "gpt-tokenizer/encoding/o200k_base";
import { O200K_TOKEN_SPLIT_REGEX } from "gpt-tokenizer/encodingParams/constants";
import type { Tokenizer } from "./options";
import { cl100kPieceEnd, classAt, LETTER, NUMBER, OTHER } from "./pre-tokens";

const AS_TEXT = { disallowedSpecial: new Set<string>() };
/** Distinct pieces remembered per encoding before the memo starts over (a few MB at most). */
const MEMO_LIMIT = 200_000;

function pieceCounter(count: typeof cl100k): (piece: string) => number {
  const memo = new Map<string, number>();
  return (piece) => {
    let n = memo.get(piece);
    if (n === undefined) {
      // Options are worked out again on every call given them, so only text that needs them gets them.
      n = piece.includes("<|") ? count(piece, AS_TEXT) : count(piece);
      if (memo.size >= MEMO_LIMIT) memo.clear();
      memo.set(piece, n);
    }
    return n;
  };
}

const cl100kPiece = pieceCounter(cl100k);
const o200kPiece = pieceCounter(o200k);
const PIECES: Record<Tokenizer, (piece: string) => number> = { cl100k_base: cl100kPiece, o200k_base: o200kPiece };
const o200kSplit = new RegExp(O200K_TOKEN_SPLIT_REGEX.source, "gu");

const COUNTERS: Record<Tokenizer, (text: string) => number> = {
  cl100k_base: (text) => {
    let n = 0;
    for (let i = 0; i < text.length; ) {
      const end = cl100kPieceEnd(text, i);
      n += cl100kPiece(text.slice(i, end));
      i = end;
    }
    return n;
  },
  o200k_base: (text) => {
    let n = 0;
    for (const piece of text.match(o200kSplit) ?? []) n += o200kPiece(piece);
    return n;
  },
};

/** A function counting `tokenizer`'s tokens in a string. */
export function tokenCounter(tokenizer: Tokenizer): (text: string) => number {
  return COUNTERS[tokenizer];
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
    if (WHITESPACE.test(first) || (slashJoins && first === "/")) continue;
    tokens += count(markdown.slice(starts[starts.length - 1], at));
    starts.push(at);
    before.push(tokens);
  }
  let lastLine: number | null = null;
  return (start, end) => {
    if (end <= start) return 0;
    // The first such line start at or after `start`, and the last at or before `end`.
    const from = firstAtOrAfter(starts, start);
    const to = firstAtOrAfter(starts, end + 1) - 1;
    if (from > to) return count(markdown.slice(start, end));
    const a = starts[from] as number;
    const b = starts[to] as number;
    const head = a > start ? count(markdown.slice(start, a)) : 0;
    const tail = end > b ? lineHead(to, end) : 0;
    return head + (before[to] as number) - (before[from] as number) + tail;
  };

  /** Tokens of the `k`th line (from `starts[k]` to the next line start or the end). */
  function line(k: number): number {
    if (k + 1 < starts.length) return (before[k + 1] as number) - (before[k] as number);
    lastLine ??= count(markdown.slice(starts[k]));
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
    if (!ONLY_WHITESPACE.test(markdown.slice(end, next))) return count(markdown.slice(from, end));
    const cls = classAt(markdown, end - 1);
    if (cls === LETTER || cls === NUMBER) return line(k) - piece(markdown.slice(end, next));
    const code = markdown.charCodeAt(end - 1);
    if (tokenizer !== "cl100k_base" || cls !== OTHER || code >= 0x80) return count(markdown.slice(from, end));
    let run = end - 1;
    while (run > from && markdown.charCodeAt(run - 1) < 0x80 && classAt(markdown, run - 1) === OTHER) run--;
    if (run > from && markdown.charCodeAt(run - 1) >= 0x80) return count(markdown.slice(from, end));
    const start = run > from && markdown.charCodeAt(run - 1) === 32 ? run - 1 : run;
    let breaks = end;
    while (breaks < next && isBreak(markdown.charCodeAt(breaks))) breaks++;
    const rest = breaks < next ? piece(markdown.slice(breaks, next)) : 0;
    return line(k) - piece(markdown.slice(start, breaks)) - rest + piece(markdown.slice(start, end));
  }
}

const ONLY_WHITESPACE = /^\s+$/u;
const isBreak = (code: number) => code === 10 || code === 13;

const WHITESPACE = /\s/u;

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
