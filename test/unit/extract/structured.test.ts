import { describe, expect, it } from "vitest";
import { extract } from "../../../lib/extract";
import { parsePrice } from "../../../lib/extract/structured";

async function run(html: string) {
  const r = await extract({
    body: new TextEncoder().encode(html),
    contentType: "text/html",
    url: "https://shop.example/p",
  });
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

const prose =
  "<p>A sturdy kettle that boils a litre of water in three minutes, with a steel body and a lid that stays cool.</p>".repeat(
    3,
  );

describe("structured product data", () => {
  it("reads a JSON-LD Product's name, offer, brand and rating", async () => {
    const ld = {
      "@context": "https://schema.org",
      "@graph": [
        { "@type": "BreadcrumbList", itemListElement: [] },
        {
          "@type": "Product",
          name: "Kettle &amp; Lid",
          sku: 12345,
          brand: { "@type": "Brand", name: "Steelworks" },
          offers: [
            { "@type": "Offer", price: "1.299,00", priceCurrency: "eur", availability: "https://schema.org/InStock" },
          ],
          aggregateRating: { "@type": "AggregateRating", ratingValue: "4.6", reviewCount: "87" },
        },
      ],
    };
    const x = await run(`<script type="application/ld+json">${JSON.stringify(ld)}</script><main>${prose}</main>`);
    expect(x.structured).toEqual({
      name: "Kettle & Lid",
      price: 1299,
      currency: "EUR",
      availability: "InStock",
      sku: "12345",
      brand: "Steelworks",
      rating: 4.6,
      ratingCount: 87,
    });
  });

  it("reads schema.org microdata, a brand item's name as the brand", async () => {
    const x = await run(`<div itemscope itemtype="https://schema.org/Product">
      <h1 itemprop="name">Kettle</h1>
      <div itemprop="brand" itemscope itemtype="https://schema.org/Brand"><span itemprop="name">Steelworks</span></div>
      <div itemprop="offers" itemscope itemtype="https://schema.org/Offer">
        <span itemprop="price" content="39.90">$39.90</span><meta itemprop="priceCurrency" content="USD">
        <link itemprop="availability" href="https://schema.org/OutOfStock">
      </div>${prose}</div>`);
    expect(x.structured).toMatchObject({
      name: "Kettle",
      brand: "Steelworks",
      price: 39.9,
      currency: "USD",
      availability: "OutOfStock",
      sku: null,
    });
  });

  it("leaves a value of the wrong shape null instead of failing the page", async () => {
    const ld = { "@type": "Product", name: "Kettle", offers: { price: "call us", priceCurrency: "dollars" } };
    const x = await run(`<script type="application/ld+json">${JSON.stringify(ld)}</script>${prose}`);
    expect(x.structured).toMatchObject({ name: "Kettle", price: null, currency: null });
  });

  it("gives no product for a listing of several microdata products, nor for an article", async () => {
    const card = (n: number) =>
      `<div itemscope itemtype="https://schema.org/Product"><span itemprop="name">Kettle ${n}</span></div>`;
    expect((await run(`${card(1)}${card(2)}${prose}`)).structured).toBeUndefined();
    expect((await run(`<article>${prose}</article>`)).structured).toBeUndefined();
  });

  it("reads prices written with either decimal mark", () => {
    expect(parsePrice("$1,299.50")).toBe(1299.5);
    expect(parsePrice("1.299,50 €")).toBe(1299.5);
    expect(parsePrice(19)).toBe(19);
    expect(parsePrice("free")).toBeNull();
  });
});

describe("pages that need rendering", () => {
  const shell = `<html><head><link rel="preload" href="/assets/app-1a2b.js" as="script"></head>
    <body><section id="main"></section></body></html>`;

  it("says so when the HTML holds no content but loads scripts", async () => {
    const r = await extract({
      body: new TextEncoder().encode(shell),
      contentType: "text/html",
      url: "https://forum.example/t/1",
    });
    expect(r).toMatchObject({ ok: false, error: { code: "extraction_empty", needsRendering: true } });
  });

  it("does not say so of a short page that runs no scripts, nor of a page with content", async () => {
    const tiny = await extract({
      body: new TextEncoder().encode("<p>Hello.</p>"),
      contentType: "text/html",
      url: "https://example.com/",
    });
    expect(tiny.ok && tiny.value.needsRendering).toBeFalsy();
    const full = await run(`<script src="/app.js"></script><article>${prose}</article>`);
    expect(full.needsRendering).toBeUndefined();
  });
});
