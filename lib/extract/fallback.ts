import type { AnyNode, Document, Element } from "domhandler";
import { Element as DomElement, Text } from "domhandler";
import { ElementMarks, linkDensity } from "./content-stats";
import type { MainContent } from "./main-content";
import { CHROME_TAGS } from "./tag-sets";

/** A paragraph shorter than this, or with more link text than this share, is not body text. */
const MIN_PARAGRAPH = 40;
const MAX_LINK_SHARE = 0.3;

/** Visible text length of the whole document (what the parser built). */
export function pageTextLength(doc: Document): number {
  let n = 0;
  const stack: AnyNode[] = [...doc.children];
  for (let c = stack.pop(); c; c = stack.pop()) {
    if (c.type === "text") n += c.data.trim().length;
    else if (c.type === "tag") for (const k of c.children) stack.push(k);
  }
  return n;
}

/**
 * A second method for pages where content detection found little: every paragraph of the
 * page outside nav, aside and footer that is long enough and not mostly links, in order.
 */
export function paragraphBaseline(doc: Document): MainContent {
  const roots: Element[] = [];
  let textLength = 0;
  const stack: AnyNode[] = [...doc.children].reverse();
  for (let n = stack.pop(); n; n = stack.pop()) {
    if (n.type !== "tag" || CHROME_TAGS.has(n.name)) continue;
    if (n.name === "p") {
      const { text, link } = measure(n);
      if (text >= MIN_PARAGRAPH && linkDensity({ text, link, commas: 0, hasBlock: false }) <= MAX_LINK_SHARE) {
        roots.push(n);
        textLength += text;
      }
      continue;
    }
    for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i] as AnyNode);
  }
  return { roots, removed: new ElementMarks(), textLength };
}

/** The page's JSON-LD article text as content: one paragraph per line. */
export function articleBodyContent(articleBody: string): MainContent {
  const root = new DomElement("div", {});
  let textLength = 0;
  for (const line of articleBody.split(/\n+/)) {
    const t = line.trim();
    if (!t) continue;
    const p = new DomElement("p", {}, [new Text(t)]);
    p.parent = root;
    for (const c of p.children) c.parent = p;
    root.children.push(p);
    textLength += t.length;
  }
  return { roots: [root], removed: new ElementMarks(), textLength };
}

function measure(el: Element): { text: number; link: number } {
  let text = 0;
  let link = 0;
  const stack: { n: AnyNode; inLink: boolean }[] = [{ n: el, inLink: false }];
  for (let f = stack.pop(); f; f = stack.pop()) {
    const { n, inLink } = f;
    if (n.type === "text") {
      const len = n.data.trim().length;
      text += len;
      if (inLink) link += len;
    } else if (n.type === "tag") for (const k of n.children) stack.push({ n: k, inLink: inLink || n.name === "a" });
  }
  return { text, link };
}
