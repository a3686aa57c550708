/**
 * The key two inputs share when they name the same page: lower-case scheme and host
 * (WHATWG URL parsing already does both, strips default ports and resolves dot
 * segments), no fragment, no empty query, and percent-escapes in upper case.
 * Query parameter order is kept: servers may treat it as meaningful.
 */
export function normalizeUrl(url: URL): string {
  const copy = new URL(url.href);
  copy.hash = "";
  // `search` reads "" for both no query and a bare "?"; assigning "" drops the "?".
  if (copy.search === "") copy.search = "";
  if (copy.hostname.endsWith(".")) copy.hostname = copy.hostname.slice(0, -1);
  return copy.href.replace(/%[0-9a-f]{2}/gi, (percent) => percent.toUpperCase());
}
