import {
  findProduct,
  type Json,
  type ProductFacts,
  productFacts,
  type StructuredData,
  text,
  toStructured,
} from "./structured";
import type { PageFields } from "./types";
import { resolveUrl } from "./urls";

/** The page's own fields, and the <base href> its links resolve against. */
export interface PageMetadata extends PageFields {
  baseHref: string | undefined;
  /** The page says it is one article (Open Graph type or JSON-LD type), not a listing or a product. */
  isArticle: boolean;
  /** The page says it sells one thing (Open Graph or JSON-LD type Product): its reviews are not its text. */
  isProduct: boolean;
  /** The article text the page's JSON-LD carries, if any (a second source when the HTML yields little). */
  articleBody: string | null;
  /** The product the page's JSON-LD or microdata describes, validated (see structured.ts). */
  structured: StructuredData | null;
  /** The product's own description from its structured data, to find it in the page. */
  productDescription: string | null;
}

function clean(value: string | undefined | null): string | null {
  if (value == null) return null;
  const s = value.replace(/\s+/g, " ").trim();
  return s ? s : null;
}

function jsonNames(value: Json | undefined): string | null {
  if (value == null) return null;
  if (typeof value === "string") return clean(value);
  if (Array.isArray(value)) {
    const names = value.map((v) => jsonNames(v)).filter((v): v is string => !!v);
    return names.length ? names.join(", ") : null;
  }
  if (typeof value === "object") return jsonNames(value.name);
  return null;
}

const ARTICLE_TYPES =
  /^(Article|NewsArticle|BlogPosting|TechArticle|ScholarlyArticle|Report|AdvertiserContentArticle|AnalysisNewsArticle|OpinionNewsArticle|ReportageNewsArticle|ReviewNewsArticle|SatiricalArticle|SocialMediaPosting|LiveBlogPosting|DiscussionForumPosting|Review|Recipe|Product|WebPage|APIReference|HowTo)$/;

/** JSON-LD types of a page that is one article (not a product, recipe or forum thread). */
const ARTICLE_ONLY =
  /^(Article|NewsArticle|BlogPosting|TechArticle|ScholarlyArticle|Report|AdvertiserContentArticle|AnalysisNewsArticle|OpinionNewsArticle|ReportageNewsArticle|ReviewNewsArticle|SatiricalArticle|LiveBlogPosting)$/;

/** JSON-LD types of a page that sells one thing. */
const PRODUCT_TYPES = /^(?:Product|ProductGroup|ProductModel)$/;

function ldType(ld: Record<string, Json>): string {
  const t = ld["@type"];
  const first = Array.isArray(t) ? t[0] : t;
  return typeof first === "string" ? first : "";
}

function findArticle(value: Json | undefined, depth = 0): Record<string, Json> | null {
  if (value == null || typeof value !== "object" || depth > 6) return null;
  if (Array.isArray(value)) {
    for (const v of value) {
      const found = findArticle(v, depth + 1);
      if (found) return found;
    }
    return null;
  }
  const type = value["@type"];
  const types = Array.isArray(type) ? type : [type];
  if (types.some((t) => typeof t === "string" && ARTICLE_TYPES.test(t) && t !== "WebPage")) return value;
  return findArticle(value["@graph"], depth + 1);
}

/** A product description as plain text; some shops URL-encode it ("An%20elegant%20sofa"). */
function describes(value: Json | undefined): string | null {
  let s = text(value);
  if (s && /%20/.test(s))
    try {
      s = decodeURIComponent(s);
    } catch {
      // Not URL-encoded after all: keep it as it is.
    }
  return s;
}

/** What the collector is reading the text of, and how deep that element opened. */
type Capture = { kind: "title" | "jsonld" | "author" | "microdata"; depth: number; text: string; prop?: string };

/** schema.org microdata properties read inside a product's itemscope, by the field they fill. */
const MICRODATA_FIELDS: Record<string, keyof ProductFacts> = {
  price: "price",
  lowPrice: "price",
  priceCurrency: "currency",
  availability: "availability",
  sku: "sku",
  mpn: "sku",
  ratingValue: "rating",
  reviewCount: "ratingCount",
  ratingCount: "ratingCount",
};
const MICRODATA_PRODUCT = /schema\.org\/(?:Product|ProductGroup|IndividualProduct|ProductModel)$/i;

/** An open microdata item: where it opened, whether it is a product and which property of its parent it is. */
type Scope = { depth: number; product: boolean; prop: string | undefined };

/**
 * Gathers page metadata from parser events as the page is parsed, so no walk of the tree
 * is needed afterwards, and the subtrees the tree never holds (<head>, hidden elements)
 * are read too. The parser feeds it every element in document order except inside
 * scripts, styles, SVG and the like, whose <title>s and links are not the page's.
 */
export class MetadataCollector {
  private readonly meta = new Map<string, string>();
  private titleTag: string | null = null;
  private lang: string | null = null;
  private canonicalHref: string | null = null;
  private baseHref: string | undefined;
  private ld: Record<string, Json> | null = null;
  private relAuthor: string | null = null;
  private product: Record<string, Json> | null = null;
  private readonly micro: ProductFacts & { description?: string | null } = {};
  private readonly scopes: Scope[] = [];
  /** Microdata products seen: more than one is a listing of products, not a product page. */
  private microProducts = 0;
  /** Inside a microdata product: every close must be reported (see close). */
  inProduct = false;
  /** The element whose text is being read, if any; the parser checks it before calling text(). */
  capture: Capture | null = null;

  /** An element opened at the given depth (1 for a top-level element). */
  open(name: string, attribs: Record<string, string>, depth: number): void {
    switch (name) {
      case "html":
        this.lang = clean(attribs.lang ?? attribs["xml:lang"]);
        return;
      case "title":
        if (this.titleTag === null) this.startCapture("title", depth);
        return;
      case "script":
        if ((!this.ld || !this.product) && /ld\+json/i.test(attribs.type ?? "")) this.startCapture("jsonld", depth);
        return;
      case "base":
        this.baseHref ??= attribs.href;
        return;
      case "meta": {
        const key = (attribs.property ?? attribs.name ?? attribs.itemprop ?? attribs["http-equiv"] ?? "")
          .toLowerCase()
          .trim();
        const content = clean(attribs.content);
        if (key && content) for (const k of key.split(/\s+/)) if (!this.meta.has(k)) this.meta.set(k, content);
        return;
      }
      case "link":
        if (!this.canonicalHref && attribs.href && (attribs.rel ?? "").toLowerCase().split(/\s+/).includes("canonical"))
          this.canonicalHref = attribs.href;
        return;
      case "a":
        if (!this.relAuthor && /\bauthor\b/i.test(attribs.rel ?? "")) this.startCapture("author", depth);
        return;
    }
  }

  private startCapture(kind: Capture["kind"], depth: number, prop?: string): void {
    // One at a time: the outer element's text already includes any inner one's.
    this.capture ??= { kind, depth, text: "", prop };
  }

  /** An element with an itemprop or itemscope attribute opened (schema.org microdata). */
  microdata(attribs: Record<string, string>, depth: number): void {
    const prop = attribs.itemprop;
    const scope = this.scopes[this.scopes.length - 1];
    if (prop && this.inProduct && scope) this.microProperty(prop, attribs, depth, scope);
    if (attribs.itemscope !== undefined) {
      const product = MICRODATA_PRODUCT.test(attribs.itemtype ?? "");
      this.scopes.push({ depth, product, prop });
      if (product) {
        this.inProduct = true;
        this.microProducts++;
      }
    }
  }

  private microProperty(prop: string, attribs: Record<string, string>, depth: number, scope: Scope): void {
    let field: keyof ProductFacts | "description" | undefined = MICRODATA_FIELDS[prop];
    if (prop === "name") field = scope.product ? "name" : scope.prop === "brand" ? "brand" : undefined;
    else if (prop === "brand" && attribs.itemscope === undefined) field = "brand";
    else if (prop === "description" && scope.product) field = "description";
    if (!field || this.micro[field] != null) return;
    const value = attribs.content ?? attribs.href;
    if (value !== undefined) this.micro[field] = clean(value);
    else this.startCapture("microdata", depth, field);
  }

  /** Closes the microdata items opened at this depth. */
  private closeScopes(depth: number): void {
    let top = this.scopes[this.scopes.length - 1];
    while (top && top.depth >= depth) {
      this.scopes.pop();
      top = this.scopes[this.scopes.length - 1];
    }
    this.inProduct = this.scopes.some((s) => s.product);
  }

  /** Text inside the captured element (call only while capture is set). */
  text(data: string): void {
    (this.capture as Capture).text += data;
  }

  /** An element at the given depth closed. */
  close(depth: number): void {
    if (this.inProduct) this.closeScopes(depth);
    const c = this.capture;
    if (!c || c.depth !== depth) return;
    this.capture = null;
    if (c.kind === "title") this.titleTag = clean(c.text);
    else if (c.kind === "author") this.relAuthor = clean(c.text);
    else if (c.kind === "microdata") (this.micro as Record<string, string | null>)[c.prop as string] = clean(c.text);
    // Once the article is known, only a script that names a product is worth parsing.
    else if (!this.ld || c.text.includes("Product")) {
      try {
        const json = JSON.parse(c.text.replace(/^\s*<!\[CDATA\[|\]\]>\s*$/g, "")) as Json;
        this.ld ??= findArticle(json);
        this.product ??= findProduct(json);
      } catch {
        // Broken JSON-LD is common; other sources still apply.
      }
    }
  }

  /** The metadata read so far, with URLs resolved against the page URL. */
  result(pageUrl: string): PageMetadata {
    const { meta, ld } = this;
    const m = (...keys: string[]): string | null => {
      for (const k of keys) {
        const v = meta.get(k);
        if (v) return v;
      }
      return null;
    };
    const ldString = (k: string): string | null => (ld && typeof ld[k] === "string" ? clean(ld[k] as string) : null);
    const ldPublisher = ld?.publisher;
    const metaAuthor = m("author", "dc.creator", "dc:creator", "article:author", "parsely-author", "sailthru.author");
    return {
      title:
        ldString("headline") ??
        ldString("name") ??
        m("og:title", "twitter:title", "dc.title", "dc:title", "title") ??
        this.titleTag,
      description:
        ldString("description") ??
        m("og:description", "description", "twitter:description", "dc.description", "dc:description"),
      language: this.lang ?? m("content-language", "og:locale", "dc.language", "language"),
      canonicalUrl:
        resolveUrl(this.canonicalHref ?? undefined, pageUrl) ?? resolveUrl(m("og:url") ?? undefined, pageUrl),
      siteName:
        m("og:site_name", "application-name") ??
        (ldPublisher && typeof ldPublisher === "object" && !Array.isArray(ldPublisher)
          ? jsonNames(ldPublisher.name)
          : null),
      byline:
        (ld ? jsonNames(ld.author) : null) ??
        (metaAuthor && !/^https?:/.test(metaAuthor) ? metaAuthor : null) ??
        this.relAuthor,
      publishedTime:
        ldString("datePublished") ??
        m(
          "article:published_time",
          "og:published_time",
          "datepublished",
          "date",
          "dc.date",
          "dc:date",
          "pubdate",
          "publish-date",
          "parsely-pub-date",
        ),
      baseHref: this.baseHref,
      isArticle: (m("og:type") ?? "").toLowerCase() === "article" || (ld !== null && ARTICLE_ONLY.test(ldType(ld))),
      isProduct:
        /^(?:og:)?product\b/i.test(m("og:type") ?? "") ||
        (ld !== null && PRODUCT_TYPES.test(ldType(ld))) ||
        this.product !== null,
      // Raw, not cleaned: its line breaks are the paragraph breaks.
      articleBody: ld && typeof ld.articleBody === "string" && ld.articleBody.trim() ? ld.articleBody : null,
      structured: this.product
        ? toStructured(productFacts(this.product))
        : this.microProducts === 1
          ? toStructured(this.micro)
          : null,
      productDescription: describes(
        this.product ? this.product.description : this.microProducts === 1 ? this.micro.description : null,
      ),
    };
  }
}
