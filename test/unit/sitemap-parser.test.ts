import { describe, expect, it } from "vitest";
import {
  createSitemapParser,
  type FeedRoot,
  type FoundLink,
  MAX_XML_DEPTH,
  TooComplex,
} from "../../lib/sitemap-parser";

/** Parses `xml` fed in pieces of `step` bytes (UTF-8, decoded as a stream): what it found and its root. */
function parse(xml: string, step = Number.POSITIVE_INFINITY): { links: FoundLink[]; root: FeedRoot | null } {
  const links: FoundLink[] = [];
  const parser = createSitemapParser((link) => links.push(link));
  const bytes = new TextEncoder().encode(xml);
  const decoder = new TextDecoder();
  const size = Number.isFinite(step) ? step : bytes.length;
  for (let i = 0; i < bytes.length; i += size) {
    parser.write(decoder.decode(bytes.subarray(i, i + size), { stream: true }));
  }
  parser.write(decoder.decode());
  return { links, root: parser.end() };
}

const URLSET = `<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:image="http://www.google.com/schemas/sitemap-image/1.1"
        xmlns:xhtml="http://www.w3.org/1999/xhtml">
  <url><loc>https://example.com/a?x=1&amp;y=2</loc><lastmod>2026-11-01</lastmod></url>
  <url>
    <loc>
      https://example.com/b
    </loc>
    <image:image><image:loc>https://cdn.example.com/b.jpg</image:loc></image:image>
    <xhtml:link rel="alternate" hreflang="de" href="https://example.com/de/b"/>
  </url>
  <url><loc><![CDATA[https://example.com/c/日本]]></loc></url>
  <!-- <url><loc>https://example.com/commented-out</loc></url> -->
</urlset>`;

const INDEX = `<?xml version="1.0"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sitemap><loc>https://example.com/sitemap-1.xml.gz</loc><lastmod>2026-11-01</lastmod></sitemap>
  <sitemap><loc>https://example.com/sitemap-2.xml</loc></sitemap>
</sitemapindex>`;

const RSS = `<?xml version="1.0"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel>
  <title>News</title><link>https://example.com/</link>
  <atom:link href="https://example.com/rss.xml" rel="self" type="application/rss+xml"/>
  <item><title>One</title><link>https://example.com/news/1</link></item>
  <item><title>Two &amp; more</title><link>https://example.com/news/2</link><guid>x</guid></item>
</channel></rss>`;

const ATOM = `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Blog</title><link href="https://example.com/"/><link rel="self" href="https://example.com/atom.xml"/>
  <entry><title>One</title><link rel="edit" href="https://example.com/edit/1"/><link href="https://example.com/posts/1"/></entry>
  <entry><title>Two</title><link rel="alternate" type="text/html" href="https://example.com/posts/2"/>
    <link rel="alternate" href="https://example.com/posts/2-again"/></entry>
</feed>`;

const pages = (...urls: string[]): FoundLink[] => urls.map((url) => ({ kind: "page", url }));

describe("createSitemapParser", () => {
  const cases: [string, string, FeedRoot, FoundLink[]][] = [
    [
      "a urlset: each <url><loc>, entities and CDATA decoded, extension elements ignored",
      URLSET,
      "urlset",
      pages("https://example.com/a?x=1&y=2", "https://example.com/b", "https://example.com/c/日本"),
    ],
    [
      "a sitemap index: each child sitemap",
      INDEX,
      "sitemapindex",
      [
        { kind: "sitemap", url: "https://example.com/sitemap-1.xml.gz" },
        { kind: "sitemap", url: "https://example.com/sitemap-2.xml" },
      ],
    ],
    [
      "an RSS 2.0 feed: each item's link, not the channel's",
      RSS,
      "rss",
      pages("https://example.com/news/1", "https://example.com/news/2"),
    ],
    [
      "an Atom feed: each entry's first alternate link",
      ATOM,
      "atom",
      pages("https://example.com/posts/1", "https://example.com/posts/2"),
    ],
  ];
  for (const [name, xml, root, expected] of cases) {
    it(`reads ${name}`, () => {
      expect(parse(xml)).toEqual({ links: expected, root });
    });
    it(`reads ${name}, fed one byte at a time`, () => {
      expect(parse(xml, 1)).toEqual({ links: expected, root });
    });
    it(`reads ${name}, fed in 7-byte pieces`, () => {
      expect(parse(xml, 7)).toEqual({ links: expected, root });
    });
  }

  it("keeps URLs with a bare ampersand, as broken sitemaps ship them", () => {
    expect(parse("<urlset><url><loc>https://example.com/?a=1&b=2</loc></url></urlset>").links).toEqual(
      pages("https://example.com/?a=1&b=2"),
    );
  });

  it("answers a null root for an HTML page and finds nothing in it", () => {
    expect(parse("<!doctype html><html><body><a href='https://example.com/'>x</a><loc>y</loc></body></html>")).toEqual({
      links: [],
      root: null,
    });
  });

  it("answers a null root for bytes that are not XML", () => {
    expect(parse("\u0000\u0001garbage without a single tag")).toEqual({ links: [], root: null });
  });

  it("keeps no more of a huge <loc> than a little past the longest URL", () => {
    const { links } = parse(`<urlset><url><loc>https://example.com/${"a".repeat(100_000)}</loc></url></urlset>`, 4096);
    expect(links).toHaveLength(1);
    expect(links[0]?.url.length).toBeGreaterThan(8192);
    expect(links[0]?.url.length).toBeLessThan(8192 + 4096 + 1);
  });
});

describe("bounded work on hostile XML", () => {
  const nested = (depth: number, before = "") =>
    `<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">${before}${"<url>".repeat(depth)}${"</url>".repeat(depth)}</urlset>`;

  /** Feeds `xml` in 4 KiB pieces until it ends or a limit stops it; what was read and how it ended. */
  function read(xml: string, parser = createSitemapParser(() => {})) {
    let written = 0;
    try {
      for (let i = 0; i < xml.length; i += 4096) {
        parser.write(xml.slice(i, i + 4096));
        written += Math.min(4096, xml.length - i);
      }
      parser.end();
      return { error: null, written };
    } catch (error) {
      return { error, written };
    }
  }

  it("ends a sitemap nested 80,000 deep with TooComplex at the depth cap, having read only its start", () => {
    const { error, written } = read(nested(80_000));
    expect(error).toBeInstanceOf(TooComplex);
    expect((error as Error).message).toBe(`XML elements nested more than ${MAX_XML_DEPTH} deep`);
    expect(written).toBeLessThan(8192);
  });

  it("keeps the addresses read before the cap, and keeps refusing after it", () => {
    const links: FoundLink[] = [];
    const parser = createSitemapParser((link) => links.push(link));
    const before = "<url><loc>https://example.com/1</loc></url><url><loc>https://example.com/2</loc></url>";
    expect(read(nested(10_000, before), parser).error).toBeInstanceOf(TooComplex);
    expect(links.map((l) => l.url)).toEqual(["https://example.com/1", "https://example.com/2"]);
    expect(() => parser.write("<url/>")).toThrow(TooComplex);
    expect(() => parser.end()).toThrow(TooComplex);
  });

  it("reads documents nested up to the cap", () => {
    const depth = MAX_XML_DEPTH - 1;
    const xml = `<urlset><url><loc>https://example.com/a</loc></url>${"<x>".repeat(depth)}${"</x>".repeat(depth)}</urlset>`;
    expect(parse(xml).links).toEqual([{ kind: "page", url: "https://example.com/a" }]);
  });

  it("ends a document with more elements than the cap", () => {
    const parser = createSitemapParser(() => {}, { maxDepth: MAX_XML_DEPTH, maxElements: 1000 });
    const { error } = read(`<urlset>${"<url><loc>https://example.com/</loc></url>".repeat(600)}</urlset>`, parser);
    expect((error as Error).message).toBe("more than 1000 XML elements");
  });
});
