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
  let n = 0;
  for (const _ of text.matchAll(/[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]|[\p{L}\p{N}][\p{L}\p{N}\p{M}'’_-]*/gu)) n++;
  return n;
}

/** Hex SHA-256 of a string, via Web Crypto (present in workerd and Node). */
export async function sha256Hex(s: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(s));
  let hex = "";
  for (const b of new Uint8Array(digest)) hex += b.toString(16).padStart(2, "0");
  return hex;
}
