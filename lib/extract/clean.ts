import { selectAll } from "css-select";
import type { AnyNode, Document, Element, ParentNode } from "domhandler";

/** Elements that never carry article text. */
const NEVER_CONTENT = new Set([
  "script",
  "style",
  "noscript",
  "template",
  "iframe",
  "object",
  "embed",
  "svg",
  "canvas",
  "button",
  "input",
  "select",
  "textarea",
  "option",
  "link",
  "meta",
  "head",
  "title",
  "dialog",
  "map",
  "area",
]);

function isHidden(el: Element): boolean {
  const a = el.attribs;
  if ("hidden" in a || a["aria-hidden"] === "true") return true;
  const style = a.style;
  return style !== undefined && /(?:display\s*:\s*none|visibility\s*:\s*hidden)/i.test(style);
}

/** Detaches a node from its parent (domutils' removeElement, without the import cost). */
export function detach(node: AnyNode): void {
  const parent = node.parent;
  if (!parent) return;
  const i = parent.children.indexOf(node as never);
  if (i >= 0) parent.children.splice(i, 1);
  if (node.prev) node.prev.next = node.next;
  if (node.next) node.next.prev = node.prev;
  node.parent = node.prev = node.next = null;
}

/** Removes scripts, styles, hidden elements and excluded selectors from the whole document. */
export function removeNonContent(doc: Document, excludeSelectors: readonly string[]): void {
  for (const sel of excludeSelectors) {
    for (const el of selectAll(sel, doc)) detach(el);
  }
  const stack: ParentNode[] = [doc];
  for (let n = stack.pop(); n; n = stack.pop()) {
    pruneChildren(n);
    for (const c of n.children) if (c.type === "tag" || c.type === "root") stack.push(c);
  }
}

/** Comments, scripts, styles, never-content tags and hidden elements. */
export function isNonContent(c: AnyNode): boolean {
  if (c.type === "comment" || c.type === "directive" || c.type === "script" || c.type === "style") return true;
  return c.type === "tag" && (NEVER_CONTENT.has(c.name) || isHidden(c));
}

/**
 * Removes one parent's non-content children (removeNonContent's step, for a walk that
 * visits every kept element anyway). Returns the children as they were before, so that
 * walk can still read inside what was removed.
 */
export function pruneChildren(n: ParentNode): AnyNode[] {
  const before = n.children;
  let i = 0;
  while (i < before.length && !isNonContent(before[i] as AnyNode)) i++;
  if (i === before.length) return before;
  const kept = before.slice(0, i);
  for (i++; i < before.length; i++) {
    const c = before[i] as AnyNode;
    if (!isNonContent(c)) kept.push(c);
  }
  relink(n, kept);
  return before;
}

/** Replaces a parent's children, fixing the sibling links domhandler keeps. */
export function relink(parent: ParentNode, children: AnyNode[]): void {
  parent.children = children;
  for (let i = 0; i < children.length; i++) {
    const c = children[i] as AnyNode;
    c.parent = parent;
    c.prev = children[i - 1] ?? null;
    c.next = children[i + 1] ?? null;
  }
}
