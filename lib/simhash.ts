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
  const out = new Uint32Array(Math.min(limit, 1 + (text.length >>> 1)));
  let n = 0;
  let h = 0x811c9dc5;
  let inWord = false;
  const len = text.length;
  for (let i = 0; i < len && n < out.length; i++) {
    let c = text.charCodeAt(i);
    if (c === 0x5d && text.charCodeAt(i + 1) === 0x28) {
      // "](": a link target follows; skip to its closing parenthesis.
      const close = text.indexOf(")", i + 2);
      if (close > 0) i = close;
      if (inWord) {
        out[n++] = h >>> 0;
        inWord = false;
      }
      continue;
    }
    const cjk = (c >= 0x3040 && c <= 0x30ff) || (c >= 0x3400 && c <= 0x9fff) || (c >= 0xac00 && c <= 0xd7af);
    const letter =
      (c >= 48 && c <= 57) ||
      (c >= 97 && c <= 122) ||
      (c >= 65 && c <= 90) ||
      (c > 0xbf && !cjk && !(c >= 0x2000 && c <= 0x206f) && !(c >= 0x3000 && c <= 0x303f));
    if (letter) {
      if (c >= 65 && c <= 90) c += 32;
      else if (c > 0xbf) c = text[i]?.toLowerCase().charCodeAt(0) ?? c;
      if (!inWord) {
        h = 0x811c9dc5;
        inWord = true;
      }
      h = Math.imul(h ^ c, 0x01000193);
      continue;
    }
    if (inWord) {
      out[n++] = h >>> 0;
      inWord = false;
    }
    if (cjk && n < out.length) out[n++] = Math.imul(c ^ 0x9e3779b9, 0x85ebca6b) >>> 0;
  }
  if (inWord && n < out.length) out[n++] = h >>> 0;
  return out.subarray(0, n);
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
  const words = wordHashes(text);
  if (words.length === 0) return null;
  const packed = new Int32Array(16);
  const ones = new Int32Array(64);
  const width = Math.min(SHINGLE, words.length);
  const shingles = words.length - width + 1;
  let pending = 0;
  for (let s = 0; s < shingles; s++) {
    let a = 0x9747b28c;
    for (let k = 0; k < width; k++) a = mix(a ^ (words[s + k] as number)) + k;
    const hi = mix(a ^ 0x5bd1e995);
    const lo = mix(a + 0x27d4eb2f);
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
