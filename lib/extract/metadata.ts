import type { AnyNode, Document, Element } from "domhandler";
import { isNonContent, pruneChildren } from "./clean";
import { resolveUrl } from "./urls";

/** Page metadata gathered from <head>, Open Graph, Dublin Core and JSON-LD. */
export interface PageMetadata {
  title: string | null;
  description: string | null;
  language: string | null;
  canonicalUrl: string | null;
  siteName: string | null;
  byline: string | null;
  publishedTime: string | null;
  baseHref: string | undefined;
  /** True when JSON-LD declares an article-like type: a hint that the page has one. */
  articleHint: boolean;
}

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

function textOf(node: AnyNode): string {
  if (node.type === "text") return node.data;
  if (node.type === "tag" || node.type === "script" || node.type === "style") return node.children.map(textOf).join("");
  return "";
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

/** Collects title, description, language, canonical URL, site name, byline and date from a document. */
export function readMetadata(doc: Document, pageUrl: string, removeNonContent = false): PageMetadata {
  const meta = new Map<string, string>();
  let titleTag: string | null = null;
  let lang: string | null = null;
  let canonical: string | null = null;
  let baseHref: string | undefined;
  let ld: Record<string, Json> | null = null;
  let relAuthor: string | null = null;
  // With removeNonContent, the walk also does removeNonContent's work: it visits every kept element,
  // and reads removed subtrees (their <meta>, <title>, JSON-LD) without pruning inside them.
  const top = removeNonContent ? pruneChildren(doc) : doc.children;
  const stack: AnyNode[] = [...top].reverse();
  const pruned = new Set<AnyNode>();
  if (top !== doc.children) for (const c of top) if (isNonContent(c)) pruned.add(c);
  for (let n = stack.pop(); n; n = stack.pop()) {
    if (n.type === "script") {
      if (!ld && /ld\+json/i.test(n.attribs.type ?? "")) {
        try {
          ld = findArticle(JSON.parse(textOf(n).replace(/^\s*<!\[CDATA\[|\]\]>\s*$/g, "")) as Json);
        } catch {
          // Broken JSON-LD is common; other sources still apply.
        }
      }
      continue;
    }
    if (n.type !== "tag") continue;
    const el: Element = n;
    switch (el.name) {
      case "html":
        lang = clean(el.attribs.lang ?? el.attribs["xml:lang"]);
        break;
      case "title":
        if (titleTag === null) titleTag = clean(textOf(el));
        continue;
      case "base":
        baseHref ??= el.attribs.href;
        break;
      case "meta": {
        const key = (el.attribs.property ?? el.attribs.name ?? el.attribs.itemprop ?? el.attribs["http-equiv"] ?? "")
          .toLowerCase()
          .trim();
        const content = clean(el.attribs.content);
        if (key && content) for (const k of key.split(/\s+/)) if (!meta.has(k)) meta.set(k, content);
        break;
      }
      case "link": {
        const rel = (el.attribs.rel ?? "").toLowerCase();
        if (rel.split(/\s+/).includes("canonical") && !canonical) canonical = resolveUrl(el.attribs.href, pageUrl);
        break;
      }
      case "a":
        if (!relAuthor && /\bauthor\b/i.test(el.attribs.rel ?? "")) relAuthor = clean(textOf(el));
        break;
    }
    let children = el.children;
    if (removeNonContent) {
      if (pruned.has(el)) {
        for (const c of children) pruned.add(c);
      } else {
        children = pruneChildren(el);
        if (children !== el.children) for (const c of children) if (isNonContent(c)) pruned.add(c);
      }
    }
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i] as AnyNode);
  }
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
      titleTag,
    description:
      ldString("description") ??
      m("og:description", "description", "twitter:description", "dc.description", "dc:description"),
    language: lang ?? m("content-language", "og:locale", "dc.language", "language"),
    canonicalUrl: canonical ?? resolveUrl(m("og:url") ?? undefined, pageUrl),
    siteName:
      m("og:site_name", "application-name") ??
      (ldPublisher && typeof ldPublisher === "object" && !Array.isArray(ldPublisher)
        ? jsonNames(ldPublisher.name)
        : null),
    byline:
      (ld ? jsonNames(ld.author) : null) ??
      (metaAuthor && !/^https?:/.test(metaAuthor) ? metaAuthor : null) ??
      relAuthor,
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
    baseHref,
    articleHint: ld !== null,
  };
}
