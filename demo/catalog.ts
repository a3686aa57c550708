// A product catalog whose pages change between runs, for incremental crawls: each page
// has a version, served with an ETag and a Last-Modified that name it, and a 304 to a
// request whose validators still match. Control routes change a page, delist it (a 404,
// and gone from the sitemap), take its validators away (so the content hash is all a
// crawler can compare), or grow the catalog. `/catalog/<name>/sitemap.xml` is a sitemap
// index of two gzipped sitemaps listing the catalog's products.
import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { gzipSync } from "node:zlib";

interface CatalogPage {
  version: number;
  gone: boolean;
  /** The validators it is served with: both, only Last-Modified, or none (then a content hash is all a crawler can compare). */
  validators: "both" | "dated" | "none";
}

/** Pages by path; a page never touched is at version 1. */
const pages = new Map<string, CatalogPage>();
/** Products per catalog name, numbered from 0; a catalog never grown has 20. */
const sizes = new Map<string, number>();
const FIRST_SIZE = 20;
const EPOCH = Date.UTC(2026, 0, 1);

function pageAt(path: string): CatalogPage {
  let page = pages.get(path);
  if (!page) {
    page = { version: 1, gone: false, validators: "both" };
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
 * `/catalog/…html` pages, and `POST /__catalog/{bump,remove,bare,dated}?path=/catalog/…`
 * to change one. Answers whether it handled the request.
 */
export function catalogRoutes(req: IncomingMessage, res: ServerResponse, url: URL): boolean {
  if (url.pathname === "/__catalog/grow" && req.method === "POST") {
    const name = url.searchParams.get("catalog") ?? "";
    sizes.set(name, (sizes.get(name) ?? FIRST_SIZE) + Number(url.searchParams.get("by") ?? 1));
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ size: sizes.get(name) }));
    return true;
  }
  const sitemap = /^\/catalog\/([\w-]+)\/sitemap(?:-(0|1)\.xml\.gz|\.xml)$/.exec(url.pathname);
  if (sitemap) {
    const [, name = "", half] = sitemap;
    // The server parses paths against a placeholder base: the origin is the Host asked for.
    const origin = `http://${req.headers.host ?? "127.0.0.1"}`;
    if (half === undefined) {
      res.writeHead(200, { "content-type": "application/xml" }).end(sitemapIndex(origin, name));
    } else {
      res
        .writeHead(200, { "content-type": "application/gzip" })
        .end(gzipSync(productSitemap(origin, name, Number(half))));
    }
    return true;
  }
  const control = /^\/__catalog\/(bump|remove|bare|dated)$/.exec(url.pathname);
  if (control && req.method === "POST") {
    const page = pageAt(url.searchParams.get("path") ?? "");
    if (control[1] === "bump") page.version++;
    if (control[1] === "remove") page.gone = true;
    if (control[1] === "bare") page.validators = "none";
    if (control[1] === "dated") page.validators = "dated";
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(page));
    return true;
  }
  if (!/^\/catalog\/.+\.html$/.test(url.pathname)) return false;
  const page = pageAt(url.pathname);
  if (page.gone) {
    res.writeHead(404, { "content-type": "text/html" }).end("<h1>No longer sold</h1>");
    return true;
  }
  const modified = EPOCH + page.version * 86_400_000;
  const validators: Record<string, string> = {};
  if (page.validators === "both") validators.etag = `"${url.pathname.length}-${page.version}"`;
  if (page.validators !== "none") validators["last-modified"] = new Date(modified).toUTCString();
  // RFC 9110 §13.2.2: If-None-Match when sent, else If-Modified-Since.
  const ifNoneMatch = req.headers["if-none-match"];
  const since = Date.parse(req.headers["if-modified-since"] ?? "");
  const notModified =
    ifNoneMatch !== undefined
      ? validators.etag !== undefined && ifNoneMatch === validators.etag
      : validators["last-modified"] !== undefined && modified <= since;
  if (notModified) {
    res.writeHead(304, validators).end();
    return true;
  }
  res.writeHead(200, { "content-type": "text/html; charset=utf-8", ...validators });
  res.end(productPage(url.pathname, page.version));
  return true;
}

function sitemapIndex(origin: string, name: string): string {
  const children = [0, 1].map(
    (half) => `<sitemap><loc>${origin}/catalog/${name}/sitemap-${half}.xml.gz</loc></sitemap>`,
  );
  return `<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">${children.join("")}</sitemapindex>`;
}

/** Half of the catalog's products (even or odd numbers), without the delisted ones. */
function productSitemap(origin: string, name: string, half: number): string {
  const urls: string[] = [];
  for (let n = half; n < (sizes.get(name) ?? FIRST_SIZE); n += 2) {
    const path = `/catalog/${name}/${n}.html`;
    if (!pages.get(path)?.gone) urls.push(`<url><loc>${origin}${path}</loc></url>`);
  }
  return `<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">${urls.join("")}</urlset>`;
}
