/** Plain text of our own Markdown: what a reader sees, without the syntax. */
export function markdownToText(md: string): string {
  return md
    .replace(/^(```|~~~).*$/gm, "")
    .replace(/!\[([^\]]*)\]\((?:[^()\\]|\\.)*\)/g, "$1")
    .replace(/\[((?:[^\]\\]|\\.)*)\]\((?:[^()\\]|\\.|\([^)]*\))*\)/g, "$1")
    .replace(/^\s{0,3}#{1,6}\s+/gm, "")
    .replace(/^\s*>\s?/gm, "")
    .replace(/^\s*(?:[-*+]|\d+\.)\s+(?:\[[ xX]\]\s+)?/gm, "")
    .replace(/^\s*\|?(?:\s*:?-{3,}:?\s*\|)+\s*:?-*:?\s*$/gm, "")
    .replace(/\s*\|\s*/g, " ")
    .replace(/^\s*(?:---|\*\*\*|___)\s*$/gm, "")
    .replace(/(\*\*|__|~~)(?=\S)([\s\S]*?\S)\1/g, "$2")
    .replace(/(^|[^\w*])[_*](?=\S)([^_*\n]*?\S)[_*](?=[^\w*]|$)/g, "$1$2")
    .replace(/`+/g, "")
    .replace(/\\([\\`*_{}[\]()#+\-.!|~>])/g, "$1")
    .replace(/[ \t]+/g, " ")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

/** Counts words: runs of letters or digits, with each CJK character counted as one word. */
export function countWords(text: string): number {
  // A character loop: several times faster than a Unicode-property regex on long pages.
  let n = 0;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c >= 0x3040 && c <= 0x30ff) || (c >= 0x3400 && c <= 0x9fff) || (c >= 0xf900 && c <= 0xfaff)) {
      n++;
      inWord = false;
    } else if (isWordChar(c)) {
      if (!inWord) n++;
      inWord = true;
    } else inWord = false;
  }
  return n;
}

function isWordChar(c: number): boolean {
  if (c < 0x80) return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 39 || c === 95;
  // Outside ASCII, treat everything but spaces and general punctuation as letters.
  return !(c === 0xa0 || (c >= 0x2000 && c <= 0x206f) || (c >= 0x3000 && c <= 0x303f) || (c >= 0xff00 && c <= 0xff0f));
}

/** Hex SHA-256 of a string, via Web Crypto (present in workerd and Node). */
export async function sha256Hex(s: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(s));
  let hex = "";
  for (const b of new Uint8Array(digest)) hex += b.toString(16).padStart(2, "0");
  return hex;
}
