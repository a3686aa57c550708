import { createHash } from "node:crypto";

/**
 * Plain text of our own Markdown: what a reader sees, without the syntax.
 * Each rewrite runs only when the string holds the character it needs (a memchr-speed
 * check), and the slow-starting patterns are anchored on a literal: most pages have no
 * tables, code or rules, and single spaces need no collapsing.
 */
export function markdownToText(md: string): string {
  let s = md;
  if (s.includes("```") || s.includes("~~~")) s = s.replace(/^(```|~~~).*$/gm, "");
  const links = s.includes("](");
  if (links && s.includes("![")) s = s.replace(/!\[([^\]]*)\]\((?:[^()\\]|\\.)*\)/g, "$1");
  if (links) s = s.replace(/\[((?:[^\]\\]|\\.)*)\]\((?:[^()\\]|\\.|\([^)]*\))*\)/g, "$1");
  if (s.includes("#")) s = s.replace(/^\s{0,3}#{1,6}\s+/gm, "");
  if (s.includes(">")) s = s.replace(/^\s*>\s?/gm, "");
  s = s.replace(/^\s*(?:[-*+]|\d+\.)\s+(?:\[[ xX]\]\s+)?/gm, "");
  if (s.includes("|")) {
    if (s.includes("---")) s = s.replace(/^\s*\|?(?:\s*:?-{3,}:?\s*\|)+\s*:?-*:?\s*$/gm, "");
    s = s.replace(/\s*\|\s*/g, " ");
  }
  if (s.includes("---") || s.includes("***") || s.includes("___")) s = s.replace(/^\s*(?:---|\*\*\*|___)\s*$/gm, "");
  if (s.includes("**") || s.includes("__") || s.includes("~~"))
    s = s.replace(/(\*\*|__|~~)(?=\S)([\s\S]*?\S)\1/g, "$2");
  if (s.includes("_") || s.includes("*")) s = s.replace(/(^|[^\w*])[_*](?=\S)([^_*\n]*?\S)[_*](?=[^\w*]|$)/g, "$1$2");
  if (s.includes("`")) s = s.replace(/`+/g, "");
  if (s.includes("\\")) s = s.replace(/\\([\\`*_{}[\]()#+\-.!|~<>])/g, "$1");
  // Same as /[ \t]+/g -> " ", without rewriting every lone space.
  s = s.replace(/\t[ \t]*| [ \t]+/g, " ");
  if (s.includes("\n\n\n")) s = s.replace(/\n{3,}/g, "\n\n");
  return s.trim();
}

/** ASCII word characters (letters, digits, apostrophe, underscore) as a lookup table. */
const ASCII_WORD = new Uint8Array(128);
for (let c = 0; c < 128; c++)
  ASCII_WORD[c] = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 39 || c === 95 ? 1 : 0;

/**
 * Counts words over text that may come in pieces: runs of letters or digits, each CJK
 * character one word. A word split across pieces counts once unless a boundary() lies
 * between them.
 */
export class WordCounter {
  count = 0;
  private inWord = 0;

  add(text: string): void {
    // One flat loop with a table for ASCII and no branch on word starts: several times faster
    // than a classifier call per character or a Unicode-property regex on long pages.
    let n = this.count;
    let inWord = this.inWord;
    const len = text.length;
    for (let i = 0; i < len; i++) {
      const c = text.charCodeAt(i);
      let word: number;
      if (c < 128) word = ASCII_WORD[c] as number;
      else if ((c >= 0x3040 && c <= 0x30ff) || (c >= 0x3400 && c <= 0x9fff) || (c >= 0xf900 && c <= 0xfaff)) {
        n++;
        inWord = 0;
        continue;
      } else {
        // Outside ASCII, treat everything but spaces and general punctuation as letters.
        word =
          c === 0xa0 || (c >= 0x2000 && c <= 0x206f) || (c >= 0x3000 && c <= 0x303f) || (c >= 0xff00 && c <= 0xff0f)
            ? 0
            : 1;
      }
      // A word starts where a word character follows a non-word one.
      n += word & (inWord ^ 1);
      inWord = word;
    }
    this.count = n;
    this.inWord = inWord;
  }

  /** What follows starts a new word (a line or block ends here). */
  boundary(): void {
    this.inWord = 0;
  }
}

/** Counts the words of one string (see WordCounter). */
export function countWords(text: string): number {
  const counter = new WordCounter();
  counter.add(text);
  return counter.count;
}

/**
 * Hex SHA-256 of a string's UTF-8 bytes. node:crypto (nodejs_compat in workerd) hashes
 * synchronously; Web Crypto's digest hops to a thread pool in Node and cost ~9% of a run.
 */
export async function sha256Hex(s: string): Promise<string> {
  return createHash("sha256").update(s, "utf8").digest("hex");
}
