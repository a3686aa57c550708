// A linked site of SITE_PAGES pages under /site/ for crawl tests: page n links to its
// parent, its ten children (10n+1..10n+10, a tree), the root and one page across the
// tree ((7n+3) mod SITE_PAGES), so a page's link depth is not its tree depth. Pages whose
// number is a multiple of 3 live under /site/blog/, the rest under /site/docs/.
import type { IncomingMessage, ServerResponse } from "node:http";

export const SITE_PAGES = 2_000;

/** The path of page n (page 0 is the root, /site/). */
export function sitePath(n: number): string {
  if (n === 0) return "/site/";
  return `/site/${n % 3 === 0 ? "blog" : "docs"}/${n}.html`;
}

/** The pages page n links to, in the order its HTML lists them. */
export function siteLinks(n: number): number[] {
  const links = [0];
  if (n > 0) links.push(Math.floor((n - 1) / 10));
  for (let child = 10 * n + 1; child <= 10 * n + 10 && child < SITE_PAGES; child++) links.push(child);
  links.push((7 * n + 3) % SITE_PAGES);
  return links;
}

function pageOf(path: string): number | null {
  if (path === "/site/" || path === "/site") return 0;
  const match = /^\/site\/(blog|docs)\/(\d+)\.html$/.exec(path);
  if (!match) return null;
  const n = Number(match[2]);
  return n > 0 && n < SITE_PAGES && sitePath(n) === path ? n : null;
}

/** The origin's route for the site; false for other paths. */
export function linkedSiteRoutes(_req: IncomingMessage, res: ServerResponse, url: URL): boolean {
  if (!url.pathname.startsWith("/site")) return false;
  const n = pageOf(url.pathname);
  if (n === null) return false;
  // Relative and absolute links, a fragment and an outside host, as real pages mix them.
  const anchors = siteLinks(n)
    .map((to, i) =>
      i % 2 === 0 ? `<a href="${sitePath(to)}#top">page ${to}</a>` : `<a href="${sitePath(to)}">page ${to}</a>`,
    )
    .join(" ");
  res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(
    `<!doctype html><html lang="en"><head><title>Site page ${n}</title></head><body>
<nav>${anchors} <a href="https://elsewhere.example/x">elsewhere</a> <a href="mailto:a@b.c">mail</a></nav>
<main><h1>Site page ${n}</h1><p>This is page ${n} of the linked test site, with enough words to be read as content.</p></main>
</body></html>`,
  );
  return true;
}
