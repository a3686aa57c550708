// A 64-bit simhash of a text (Charikar): word 3-shingles, each hashed to 64 bits, vote
// per bit. Texts that share most of their shingles get hashes a few bits apart, so a
// near-duplicate is a small Hamming distance. Written here rather than taken from a
// library: it is forty lines, the npm simhash packages hash with MD5/BigInt per token
// (tens of times slower) or only give 32 bits, and the coordinator's LSH index needs the
// exact band layout below.

/** Shingle width in words: a changed word moves at most this many shingles. */
const SHINGLE = 3;
/** Words read per text: the start of a very long page decides its hash (bounded cost). */
const MAX_WORDS = 20_000;

/** Two pages at most this many bits apart are near-duplicates (1.5 % of 64 bits; see the README). */
export const NEAR_DUPLICATE_BITS = 3;
/** LSH bands: 4 bands of 16 bits; pages within 3 bits share at least one band exactly (pigeonhole). */
export const BANDS = 4;

/**
 * The 32-bit hash of each word of a text, lower-cased, skipping Markdown link and image
 * targets (`](...)`) so tracking parameters in links do not count. Words are runs of
 * letters and digits; each CJK character is a word.
 */
export function wordHashes(text: string, limit = MAX_WORDS): Uint32Array {
  const out = new Uint32Array(Math.min(limit, text.length));
  return out.subarray(0, scanWords(text, out, null, null));
}

/**
 * Fills `out` with the hashes of the text's words (as many as fit), `starts` (when given)
 * with where each begins, and `skips` (when given) with the [from, to] of each link
 * target skipped: from the "]" to its ")". Answers the number of words.
 */
function scanWords(text: string, out: Uint32Array, starts: Uint32Array | null, skips: number[] | null): number {
  let n = 0;
  let h = 0x811c9dc5;
  let inWord = false;
  const len = text.length;
  for (let i = 0; i < len && n < out.length; i++) {
    let c = text.charCodeAt(i);
    let letter: boolean;
    let cjk = false;
    if (c < 128) {
      const kind = ASCII_KIND[c] as number;
      if (kind === LINK_CLOSE && text.charCodeAt(i + 1) === 0x28) {
        // "](": a link target follows; skip to its closing parenthesis.
        const close = text.indexOf(")", i + 2);
        if (close > 0) {
          skips?.push(i, close);
          i = close;
        }
        if (inWord) {
          out[n++] = h >>> 0;
          inWord = false;
        }
        continue;
      }
      letter = kind === WORD;
      c |= 0x20; // lower case; digits have the bit already
    } else {
      cjk = isCjk(c);
      letter = isWideLetter(c);
      if (letter) c = text[i]?.toLowerCase().charCodeAt(0) ?? c;
    }
    if (letter) {
      if (!inWord) {
        h = 0x811c9dc5;
        inWord = true;
        if (starts) starts[n] = i;
      }
      h = Math.imul(h ^ c, 0x01000193);
      continue;
    }
    if (inWord) {
      out[n++] = h >>> 0;
      inWord = false;
    }
    if (cjk && n < out.length) {
      if (starts) starts[n] = i;
      out[n++] = Math.imul(c ^ 0x9e3779b9, 0x85ebca6b) >>> 0;
    }
  }
  if (inWord && n < out.length) out[n++] = h >>> 0;
  return n;
}

const SEPARATOR = 0;
const WORD = 1;
const LINK_CLOSE = 2;
/** What each ASCII character is to `scanWords`: part of a word (letters, digits), "]", or a separator. */
const ASCII_KIND = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const word = (c >= 48 && c <= 57) || (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
  ASCII_KIND[c] = word ? WORD : c === 0x5d ? LINK_CLOSE : SEPARATOR;
}

/** Kana, CJK ideographs and Hangul: each character is a word of its own. */
function isCjk(c: number): boolean {
  return (c >= 0x3040 && c <= 0x30ff) || (c >= 0x3400 && c <= 0x9fff) || (c >= 0xac00 && c <= 0xd7af);
}

/** A character past ASCII that is part of a word: not Latin-1 punctuation, CJK, general or CJK punctuation. */
function isWideLetter(c: number): boolean {
  return c > 0xbf && !isCjk(c) && !(c >= 0x2000 && c <= 0x206f) && !(c >= 0x3000 && c <= 0x303f);
}

/** Whether a character continues a word in `scanWords` (a CJK character is a word of its own). */
function isWordChar(c: number): boolean {
  return c < 128 ? ASCII_KIND[c] === WORD : isWideLetter(c);
}

/**
 * Texts at most this long keep their scan (`lastScan`) for the simhashes of their parts:
 * most pages' Markdown. The scan's typed arrays, held for the isolate's life, stay under
 * 3 MB (8 bytes a character, and the shingle halves' room at most twice their 8).
 */
const KEPT_SCAN_CHARS = 128 * 1024;

/** A page's scan: its words' hashes, where each begins, and the link targets skipped. */
interface Scan {
  text: string | null;
  hashes: Uint32Array;
  starts: Uint32Array;
  count: number;
  skips: number[];
  /** The hash halves of each 3-word shingle, by its first word (when the text has 3 words or more). */
  shingles: ShingleArrays;
}

/** The last page scanned by `pageSimhash` or `rangeSimhashes`; its arrays are reused for the next. */
const lastScan: Scan = {
  text: null,
  hashes: new Uint32Array(0),
  starts: new Uint32Array(0),
  count: 0,
  skips: [],
  shingles: { hi: new Uint32Array(0), lo: new Uint32Array(0) },
};

/** Scans `text` into `lastScan`; `reuse`: unless it is already there (the page's chunks after the page). */
function scanKept(text: string, reuse: boolean): Scan {
  if (reuse && lastScan.text === text) return lastScan;
  if (lastScan.hashes.length < text.length) {
    const size = Math.min(KEPT_SCAN_CHARS, Math.max(text.length, 2 * lastScan.hashes.length));
    lastScan.hashes = new Uint32Array(size);
    lastScan.starts = new Uint32Array(size);
  }
  lastScan.skips = [];
  lastScan.count = scanWords(text, lastScan.hashes, lastScan.starts, lastScan.skips);
  if (lastScan.count >= SHINGLE) shingleHashes(lastScan.hashes.subarray(0, lastScan.count), SHINGLE, lastScan.shingles);
  lastScan.text = text;
  return lastScan;
}

/**
 * The simhash of a page's text, as `simhash64` gives it; the page's scan is kept so the
 * simhashes of its chunks (`rangeSimhashes`) need not read the text again.
 */
export function pageSimhash(text: string): string | null {
  if (text.length > KEPT_SCAN_CHARS) return simhash64(text);
  return wordsSimhash(scanKept(text, false), 0, MAX_WORDS);
}

/** The simhash of up to `max` words of a kept scan from word `first`, as `simhashOfWords` of them. */
function wordsSimhash(scan: Scan, first: number, max: number): string | null {
  const words = Math.min(scan.count - first, max);
  if (words < SHINGLE) return simhashOfWords(scan.hashes.subarray(first, first + words));
  // Every 3-word shingle among these words is one of the page's.
  return vote(scan.shingles.hi, scan.shingles.lo, first, first + words - SHINGLE + 1);
}

/**
 * The simhash of each range of `text`, exactly as `simhash64(text.slice(start, end))`:
 * from the page's one scan where a range's ends fall between words and outside link
 * targets, by reading the slice where they do not (a range cut inside a word).
 */
export function rangeSimhashes(text: string, ranges: readonly { start: number; end: number }[]): (string | null)[] {
  if (text.length > KEPT_SCAN_CHARS) return ranges.map((r) => simhash64(text.slice(r.start, r.end)));
  const scan = scanKept(text, true);
  return ranges.map(({ start, end }) => {
    if (!cleanCut(text, scan.skips, start) || !cleanCut(text, scan.skips, end)) {
      return simhash64(text.slice(start, end));
    }
    const first = firstAtOrAfter(scan.starts, scan.count, start);
    const last = firstAtOrAfter(scan.starts, scan.count, end);
    return wordsSimhash(scan, first, Math.min(last - first, MAX_WORDS));
  });
}

/** Each range of `text` with its simhash (`rangeSimhashes`): a page's chunks, ready for their record. */
export function withRangeSimhashes<T extends { start: number; end: number }>(
  text: string,
  ranges: readonly T[],
): (T & { simhash: string | null })[] {
  const simhashes = rangeSimhashes(text, ranges);
  return ranges.map((range, i) => ({ ...range, simhash: simhashes[i] ?? null }));
}

/**
 * Whether cutting the text at `at` leaves the words on both sides as the whole text's
 * scan read them: not inside a word, not inside a link target skipped (after its "]").
 */
function cleanCut(text: string, skips: number[], at: number): boolean {
  if (at <= 0 || at >= text.length) return true;
  if (isWordChar(text.charCodeAt(at - 1)) && isWordChar(text.charCodeAt(at))) return false;
  // The last skip starting before `at`: the cut is clean when it ended before `at`.
  let lo = 0;
  let hi = skips.length / 2;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((skips[2 * mid] as number) < at) lo = mid + 1;
    else hi = mid;
  }
  return lo === 0 || (skips[2 * lo - 1] as number) < at;
}

/** The index of the first word beginning at or after `at` (binary search over `starts`). */
function firstAtOrAfter(starts: Uint32Array, count: number, at: number): number {
  let lo = 0;
  let hi = count;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((starts[mid] as number) < at) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** murmur3's 32-bit finaliser: spreads every input bit over the output. */
function mix(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * The 64-bit simhash of a text as 16 hex digits; null for a text without words: bit j is
 * set where more than half of the shingles' hashes have it set. Bits are counted four
 * at a time, one byte of a 32-bit word for each (bits j, j+8, j+16, j+24 of a hash), and
 * the bytes are emptied into the counts before they could reach 256.
 */
export function simhash64(text: string): string | null {
  return simhashOfWords(wordHashes(text));
}

/** The simhash of a text given its words' hashes (`wordHashes`). */
function simhashOfWords(words: Uint32Array): string | null {
  if (words.length === 0) return null;
  const width = Math.min(SHINGLE, words.length);
  const shingles = words.length - width + 1;
  const { hi, lo } = shingleHashes(words, width, shingleScratch);
  return vote(hi, lo, 0, shingles);
}

/** Room for the two halves of shingle hashes; grown when a text needs more. */
interface ShingleArrays {
  hi: Uint32Array;
  lo: Uint32Array;
}
const shingleScratch: ShingleArrays = { hi: new Uint32Array(1024), lo: new Uint32Array(1024) };

/** The two 32-bit halves of each `width`-word shingle's hash, into `into` (grown to fit). */
function shingleHashes(words: Uint32Array, width: number, into: ShingleArrays): ShingleArrays {
  const shingles = words.length - width + 1;
  if (into.hi.length < shingles) {
    const size = Math.max(shingles, 2 * into.hi.length);
    into.hi = new Uint32Array(size);
    into.lo = new Uint32Array(size);
  }
  const { hi, lo } = into;
  for (let s = 0; s < shingles; s++) {
    let a = 0x9747b28c;
    for (let k = 0; k < width; k++) a = mix(a ^ (words[s + k] as number)) + k;
    hi[s] = mix(a ^ 0x5bd1e995);
    lo[s] = mix(a + 0x27d4eb2f);
  }
  return into;
}

/**
 * The simhash of shingles `from` to `to` (excluded) as 16 hex digits: bit j is set where
 * more than half of their hashes have it set.
 */
function vote(his: Uint32Array, los: Uint32Array, from: number, to: number): string {
  const packed = new Int32Array(16);
  const ones = new Int32Array(64);
  let pending = 0;
  for (let s = from; s < to; s++) {
    const hi = his[s] as number;
    const lo = los[s] as number;
    for (let j = 0; j < 8; j++) {
      packed[j] = (packed[j] as number) + ((hi >>> j) & 0x01010101);
      packed[8 + j] = (packed[8 + j] as number) + ((lo >>> j) & 0x01010101);
    }
    if (++pending === 255) {
      unpack(packed, ones);
      pending = 0;
    }
  }
  unpack(packed, ones);
  const shingles = to - from;
  let hi = 0;
  let lo = 0;
  for (let j = 31; j >= 0; j--) {
    hi = (hi << 1) | ((ones[j] as number) * 2 > shingles ? 1 : 0);
    lo = (lo << 1) | ((ones[32 + j] as number) * 2 > shingles ? 1 : 0);
  }
  return hex32(hi) + hex32(lo);
}

/** Adds the byte counts in `packed` to `ones` (bit 8m + j of a half from byte m of its word j) and clears them. */
function unpack(packed: Int32Array, ones: Int32Array): void {
  for (let half = 0; half < 2; half++) {
    for (let j = 0; j < 8; j++) {
      const word = packed[half * 8 + j] as number;
      for (let m = 0; m < 4; m++)
        ones[half * 32 + 8 * m + j] = (ones[half * 32 + 8 * m + j] as number) + ((word >>> (8 * m)) & 0xff);
      packed[half * 8 + j] = 0;
    }
  }
}

function hex32(x: number): string {
  return (x >>> 0).toString(16).padStart(8, "0");
}

/** Bits set in a 32-bit integer. */
function popcount(x: number): number {
  let v = x - ((x >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) as number;
}

/** Bits that differ between two 16-hex-digit simhashes (0..64). */
export function hammingDistance(a: string, b: string): number {
  return (
    popcount(Number.parseInt(a.slice(0, 8), 16) ^ Number.parseInt(b.slice(0, 8), 16)) +
    popcount(Number.parseInt(a.slice(8, 16), 16) ^ Number.parseInt(b.slice(8, 16), 16))
  );
}

/**
 * The LSH band keys of a simhash: band `b` (0..3) and its 16 bits, as one integer
 * `b * 65536 + bits`, so one indexed column answers "who shares this band".
 */
export function bandKeys(simhash: string): number[] {
  const keys: number[] = [];
  for (let b = 0; b < BANDS; b++) keys.push(b * 65536 + Number.parseInt(simhash.slice(b * 4, b * 4 + 4), 16));
  return keys;
}
