// A product catalog whose pages change between runs, for incremental crawls: each page
// has a version, served with an ETag and a Last-Modified that name it, and a 304 to a
// request whose validators still match. Control routes change a page, drop it, or take
// its validators away (so the content hash is all a crawler can compare).
import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";

interface CatalogPage {
  version: number;
  gone: boolean;
  /** Served without ETag and Last-Modified. */
  bare: boolean;
}

/** Pages by path; a page never touched is at version 1. */
const pages = new Map<string, CatalogPage>();
const EPOCH = Date.UTC(2026, 0, 1);

function pageAt(path: string): CatalogPage {
  let page = pages.get(path);
  if (!page) {
    page = { version: 1, gone: false, bare: false };
    pages.set(path, page);
  }
  return page;
}

/** A product page: its name and price follow the path and the version. */
export function productPage(path: string, version: number): string {
  const sku = createHash("sha256").update(path).digest("hex").slice(0, 8).toUpperCase();
  const price = (19 + version * 3.5).toFixed(2);
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Product ${sku}</title></head><body>
<nav><a href="/catalog/">Catalog</a></nav>
<main><article><h1>Product ${sku}</h1>
<p>Revision ${version} of this product's page. The ${sku} is a sturdy thing that a nightly catalog crawl keeps an eye on.</p>
<p>Price: ${price} EUR. In stock, ships in two days, returns accepted within thirty days of delivery.</p>
</article></main><footer>Demo catalog</footer></body></html>`;
}

/**
 * `/catalog/…html` pages, and `POST /__catalog/{bump,remove,bare}?path=/catalog/…`
 * to change one. Answers whether it handled the request.
 */
export function catalogRoutes(req: IncomingMessage, res: ServerResponse, url: URL): boolean {
  const control = /^\/__catalog\/(bump|remove|bare)$/.exec(url.pathname);
  if (control && req.method === "POST") {
    const page = pageAt(url.searchParams.get("path") ?? "");
    if (control[1] === "bump") page.version++;
    if (control[1] === "remove") page.gone = true;
    if (control[1] === "bare") page.bare = true;
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(page));
    return true;
  }
  if (!/^\/catalog\/.+\.html$/.test(url.pathname)) return false;
  const page = pageAt(url.pathname);
  if (page.gone) {
    res.writeHead(404, { "content-type": "text/html" }).end("<h1>No longer sold</h1>");
    return true;
  }
  const validators = page.bare
    ? {}
    : {
        etag: `"${url.pathname.length}-${page.version}"`,
        "last-modified": new Date(EPOCH + page.version * 86_400_000).toUTCString(),
      };
  if (!page.bare && req.headers["if-none-match"] === validators.etag) {
    res.writeHead(304, validators).end();
    return true;
  }
  res.writeHead(200, { "content-type": "text/html; charset=utf-8", ...validators });
  res.end(productPage(url.pathname, page.version));
  return true;
}
