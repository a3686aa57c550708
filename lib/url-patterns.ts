// `include` / `exclude` patterns of discovery: globs over the whole URL.
//
// `*` stands for any run of characters, `/` included; every other character stands for
// itself. A pattern matches the whole normalised URL (scheme, host, path, query), so
// `https://example.com/blog/*` keeps the blog and `*.pdf` drops PDFs. Matching is the
// classic wildcard walk (back to the last `*` on a mismatch): at worst the URL's length
// times the pattern's, whatever the pattern, where a regular expression with several
// `.*` can backtrack for far longer.

/** A compiled include/exclude pair; `accepts` answers whether a URL passes both. */
export interface UrlFilter {
  accepts(url: string): boolean;
}

/** Whether `text` as a whole matches the glob `pattern` (`*`: any run of characters). */
export function globMatches(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let star = -1;
  let resume = 0;
  while (t < text.length) {
    if (p < pattern.length && pattern[p] !== "*" && pattern[p] === text[t]) {
      p++;
      t++;
    } else if (p < pattern.length && pattern[p] === "*") {
      star = p++;
      resume = t;
    } else if (star >= 0) {
      p = star + 1;
      t = ++resume;
    } else return false;
  }
  while (pattern[p] === "*") p++;
  return p === pattern.length;
}

/** Builds the filter: a URL passes when it matches some `include` (or there is none) and no `exclude`. */
export function urlFilter(include: readonly string[], exclude: readonly string[]): UrlFilter {
  return {
    accepts: (url) =>
      (include.length === 0 || include.some((glob) => globMatches(glob, url))) &&
      !exclude.some((glob) => globMatches(glob, url)),
  };
}
