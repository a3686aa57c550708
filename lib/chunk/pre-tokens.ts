// The pre-tokenizer of cl100k_base, by hand: where gpt-tokenizer's split regex
// (CL100K_TOKEN_SPLIT_REGEX) cuts a text into the pieces BPE then encodes one by one.
// BPE never merges across pieces, so a text's count is the sum of its pieces' counts:
// counting is this scan plus a lookup per piece. V8 runs the regex, with its \p{L} and
// \p{N} classes, at about a third of this scan's speed, and counting was most of the
// chunker's time. The alternatives, tried in the regex's order at each position:
//   '(?:[sS]|[dD]|[mM]|[tT]|[lL][lL]|[vV][eE]|[rR][eE])   a contraction
//   [^\r\n\p{L}\p{N}]?\p{L}+                               a word, maybe after one mark
//   \p{N}{1,3}                                             up to three digits
//    ?[^\s\p{L}\p{N}]+[\r\n]*                              punctuation, its line breaks
//   \s+$ | \s*[\r\n] | \s+(?!\S) | \s                      whitespace
// The scan reads `text` up to a limit `n` as if the text ended there, so a slice of a page
// is counted in place, without being cut out. test/corpus/tokenizer.test.ts checks the
// counts it gives against gpt-tokenizer's on both corpora, test/unit/tokenizer.test.ts
// on the edge cases (contractions, surrogate pairs, whitespace runs, limits).

export const LETTER = 1;
export const NUMBER = 2;
const SPACE = 3;
export const OTHER = 4;

const IS_LETTER = /^\p{L}$/u;
const IS_NUMBER = /^\p{N}$/u;
const IS_SPACE = /^\s$/u;

/** Classes of the Basic Multilingual Plane, worked out on first sight (0: not yet). */
const bmp = new Uint8Array(0x10000);
/** Classes of ASCII, worked out once. */
export const ASCII_CLASS = Uint8Array.from({ length: 0x80 }, (_, code) => classify(code));
const astral = new Map<number, number>();

function classify(cp: number): number {
  const ch = String.fromCodePoint(cp);
  return IS_LETTER.test(ch) ? LETTER : IS_NUMBER.test(ch) ? NUMBER : IS_SPACE.test(ch) ? SPACE : OTHER;
}

/** The class of the code point at `i` of `text` read up to `n` (a lone surrogate is OTHER, as the regex sees it). */
export function classAt(text: string, i: number, n = text.length): number {
  const code = text.charCodeAt(i);
  if (code < 0x80) return ASCII_CLASS[code] as number;
  if (code >= 0xd800 && code <= 0xdbff && i + 1 < n) {
    const low = text.charCodeAt(i + 1);
    if (low >= 0xdc00 && low <= 0xdfff) {
      const cp = (code - 0xd800) * 0x400 + (low - 0xdc00) + 0x10000;
      let c = astral.get(cp);
      if (c === undefined) {
        c = classify(cp);
        astral.set(cp, c);
      }
      return c;
    }
  }
  let c = bmp[code] as number;
  if (c === 0) {
    c = classify(code);
    bmp[code] = c;
  }
  return c;
}

/** Width in UTF-16 units of the code point at `i` of `text` read up to `n`. */
function widthAt(text: string, i: number, n: number): number {
  const code = text.charCodeAt(i);
  if (code >= 0xd800 && code <= 0xdbff && i + 1 < n) {
    const low = text.charCodeAt(i + 1);
    if (low >= 0xdc00 && low <= 0xdfff) return 2;
  }
  return 1;
}

/** The end of the run of `cls` code points from `i`, at most `n`. */
function runEnd(text: string, i: number, cls: number, n: number): number {
  let j = i;
  while (j < n) {
    const code = text.charCodeAt(j);
    // ASCII, most of any page, without the surrogate checks.
    if (code < 0x80) {
      if (ASCII_CLASS[code] !== cls) break;
      j++;
    } else if (classAt(text, j, n) === cls) j += widthAt(text, j, n);
    else break;
  }
  return j;
}

const isBreak = (code: number) => code === 10 || code === 13;

/** The end of the contraction at `i` ("'s", "'ll", ...), or -1. */
function contractionEnd(text: string, i: number): number {
  const a = text.charCodeAt(i + 1) | 0x20;
  if (a === 0x73 || a === 0x64 || a === 0x6d || a === 0x74) return i + 2; // s d m t
  const b = text.charCodeAt(i + 2) | 0x20;
  if ((a === 0x6c && b === 0x6c) || (a === 0x76 && b === 0x65) || (a === 0x72 && b === 0x65)) return i + 3; // ll ve re
  return -1;
}

/** The end of the cl100k_base pre-token starting at `i` (< n) of `text` read up to `n`. */
export function cl100kPieceEnd(text: string, i: number, n = text.length): number {
  const code = text.charCodeAt(i);
  if (code === 39 && i + 1 < n) {
    const end = contractionEnd(text, i);
    if (end !== -1 && end <= n) return end;
  }
  const cls = classAt(text, i, n);
  const w = widthAt(text, i, n);
  if (cls === LETTER) return runEnd(text, i + w, LETTER, n);
  if (cls !== NUMBER && !isBreak(code) && i + w < n && classAt(text, i + w, n) === LETTER) {
    return runEnd(text, i + w, LETTER, n);
  }
  if (cls === NUMBER) {
    let j = i + w;
    for (let k = 1; k < 3 && j < n && classAt(text, j, n) === NUMBER; k++) j += widthAt(text, j, n);
    return j;
  }
  const from = code === 32 && i + 1 < n && classAt(text, i + 1, n) === OTHER ? i + 1 : i;
  if (from !== i || cls === OTHER) {
    let j = runEnd(text, from, OTHER, n);
    while (j < n && isBreak(text.charCodeAt(j))) j++;
    return j;
  }
  // Whitespace (all of it in the Basic Multilingual Plane, one unit a character).
  const end = runEnd(text, i, SPACE, n);
  if (end === n) return n;
  for (let k = end - 1; k >= i; k--) if (isBreak(text.charCodeAt(k))) return k + 1;
  return end - i >= 2 ? end - 1 : i + 1;
}
