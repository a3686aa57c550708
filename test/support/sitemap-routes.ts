// Sitemaps, sitemap indexes, feeds and a robots.txt with Sitemap lines, made from the
// query string, so each test describes the documents it needs in the URLs it submits.
// Page URLs they list are the origin's own `/pages/N.html`, tagged `?t=` per test.
import type { IncomingMessage, ServerResponse } from "node:http";
import { gzipSync } from "node:zlib";

type Routes = (req: IncomingMessage, res: ServerResponse, url: URL) => boolean;

/** The origin's robots.txt: allows everything, as the built-in one, and lists one sitemap. */
export const ROBOTS_SITEMAP_PATH = "/sitemap/urls.xml?n=3&start=900&t=robots";

let bomb: Buffer | undefined;
/** A urlset of two URLs, then 60 MiB of whitespace: over the 50 MiB cap, about 60 KiB gzipped; built once. */
function hugeSitemap(origin: string): Buffer {
  bomb ??= gzipSync(
    Buffer.concat([
      Buffer.from(
        `<urlset><url><loc>${origin}/pages/801.html?t=huge</loc></url><url><loc>${origin}/pages/802.html?t=huge</loc></url>`,
      ),
      Buffer.alloc(60 * 1024 * 1024, " "),
      Buffer.from("</urlset>"),
    ]),
    { level: 9 },
  );
  return bomb;
}

/** `n` page URLs from `start`, tagged `t`. */
function pageUrls(origin: string, url: URL): string[] {
  const n = Number(url.searchParams.get("n") ?? "0");
  const start = Number(url.searchParams.get("start") ?? "1");
  const tag = url.searchParams.get("t") ?? "";
  return Array.from({ length: n }, (_, i) => `${origin}/pages/${start + i}.html?t=${tag}`);
}

const xmlEscape = (text: string) => text.replaceAll("&", "&amp;").replaceAll("<", "&lt;");

/** Sends XML as asked: `gz=1` gzips the bytes (a `.xml.gz` file), `enc=gzip` sends them with Content-Encoding: gzip. */
function sendXml(res: ServerResponse, url: URL, xml: string): void {
  if (url.searchParams.get("gz") === "1") {
    res.writeHead(200, { "content-type": "application/x-gzip" }).end(gzipSync(xml));
  } else if (url.searchParams.get("enc") === "gzip") {
    res.writeHead(200, { "content-type": "application/xml", "content-encoding": "gzip" }).end(gzipSync(xml));
  } else res.writeHead(200, { "content-type": "application/xml" }).end(xml);
}

export const sitemapRoutes: Routes = (req, res, url) => {
  const origin = `http://${req.headers.host}`;
  switch (url.pathname) {
    case "/robots.txt":
      res
        .writeHead(200, { "content-type": "text/plain" })
        .end(`User-agent: *\nAllow: /\nSitemap: ${origin}${ROBOTS_SITEMAP_PATH}\n`);
      return true;
    case "/sitemap/urls.xml": {
      const body = pageUrls(origin, url).map(
        (u) => `<url><loc>${xmlEscape(u)}</loc><lastmod>2026-11-01</lastmod></url>`,
      );
      sendXml(
        res,
        url,
        `<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">${body.join("\n")}</urlset>`,
      );
      return true;
    }
    case "/sitemap/index.xml": {
      // `child` repeated: paths (with their queries) on this origin.
      const children = url.searchParams
        .getAll("child")
        .map((path) => `<sitemap><loc>${xmlEscape(origin + path)}</loc></sitemap>`);
      sendXml(
        res,
        url,
        `<?xml version="1.0"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">${children.join("")}</sitemapindex>`,
      );
      return true;
    }
    case "/sitemap/loop.xml": {
      // Side a lists side b and a leaf of two pages; side b lists side a: a loop of indexes.
      const tag = url.searchParams.get("t") ?? "";
      const other = url.searchParams.get("side") === "a" ? "b" : "a";
      const children = [`/sitemap/loop.xml?t=${tag}&side=${other}`];
      if (other === "b") children.push(`/sitemap/urls.xml?n=2&start=1&t=${tag}`);
      const body = children.map((path) => `<sitemap><loc>${xmlEscape(origin + path)}</loc></sitemap>`).join("");
      sendXml(res, url, `<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">${body}</sitemapindex>`);
      return true;
    }
    case "/sitemap/rss.xml": {
      const items = pageUrls(origin, url).map(
        (u, i) => `<item><title>Item ${i}</title><link>${xmlEscape(u)}</link></item>`,
      );
      sendXml(
        res,
        url,
        `<?xml version="1.0"?><rss version="2.0"><channel><title>Feed</title><link>${origin}/</link>${items.join("")}</channel></rss>`,
      );
      return true;
    }
    case "/sitemap/atom.xml": {
      const entries = pageUrls(origin, url).map((u) => `<entry><title>E</title><link href="${xmlEscape(u)}"/></entry>`);
      sendXml(
        res,
        url,
        `<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Feed</title>${entries.join("")}</feed>`,
      );
      return true;
    }
    case "/sitemap/nested.xml": {
      // `n` pages, then `depth` elements nested in one another (a hostile sitemap).
      const depth = Number(url.searchParams.get("depth") ?? "80000");
      const pages = pageUrls(origin, url).map((u) => `<url><loc>${xmlEscape(u)}</loc></url>`);
      sendXml(
        res,
        url,
        `<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">${pages.join("")}${"<url>".repeat(depth)}${"</url>".repeat(depth)}</urlset>`,
      );
      return true;
    }
    case "/sitemap/huge.xml.gz":
      res.writeHead(200, { "content-type": "application/x-gzip" }).end(hugeSitemap(origin));
      return true;
    default:
      return false;
  }
};
