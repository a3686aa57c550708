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
}

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

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

/** What the collector is reading the text of, and how deep that element opened. */
type Capture = { kind: "title" | "jsonld" | "author"; depth: number; text: string };

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
        if (!this.ld && /ld\+json/i.test(attribs.type ?? "")) this.startCapture("jsonld", depth);
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

  private startCapture(kind: Capture["kind"], depth: number): void {
    // One at a time: the outer element's text already includes any inner one's.
    this.capture ??= { kind, depth, text: "" };
  }

  /** Text inside the captured element (call only while capture is set). */
  text(data: string): void {
    (this.capture as Capture).text += data;
  }

  /** An element at the given depth closed. */
  close(depth: number): void {
    const c = this.capture;
    if (!c || c.depth !== depth) return;
    this.capture = null;
    if (c.kind === "title") this.titleTag = clean(c.text);
    else if (c.kind === "author") this.relAuthor = clean(c.text);
    else {
      try {
        this.ld = findArticle(JSON.parse(c.text.replace(/^\s*<!\[CDATA\[|\]\]>\s*$/g, "")) as Json);
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
      isProduct: /^(?:og:)?product\b/i.test(m("og:type") ?? "") || (ld !== null && PRODUCT_TYPES.test(ldType(ld))),
      // Raw, not cleaned: its line breaks are the paragraph breaks.
      articleBody: ld && typeof ld.articleBody === "string" && ld.articleBody.trim() ? ld.articleBody : null,
    };
  }
}
