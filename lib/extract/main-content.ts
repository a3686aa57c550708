import type { Document, Element } from "domhandler";
import { findOne } from "domutils";

const CHROME = new Set(["nav", "header", "footer", "aside", "form"]);

/** Picks the element holding the page's main content (first version: semantic tags only). */
export function findMainContent(doc: Document, _meta?: unknown): Element | null {
  const byTag = findOne((el) => el.name === "article" || el.name === "main" || el.attribs.role === "main", doc.children, true);
  if (byTag) return byTag;
  const body = findOne((el) => el.name === "body", doc.children, true);
  if (!body) return findOne((el) => el.name === "html", doc.children, true);
  body.children = body.children.filter((c) => !(c.type === "tag" && CHROME.has(c.name)));
  return body;
}
