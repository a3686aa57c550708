import { selectAll } from "css-select";
import type { AnyNode, Document } from "domhandler";

/** Detaches a node from its parent (domutils' removeElement, without the import cost). */
function detach(node: AnyNode): void {
  const parent = node.parent;
  if (!parent) return;
  const i = parent.children.indexOf(node as never);
  if (i >= 0) parent.children.splice(i, 1);
  if (node.prev) node.prev.next = node.next;
  if (node.next) node.next.prev = node.prev;
  node.parent = node.prev = node.next = null;
}

/**
 * Removes the elements a caller's excludeSelectors match. They see the tree as parsed,
 * which already lacks scripts, styles, hidden elements and the rest of parse.ts's
 * NEVER_CONTENT: selectors that count siblings count only what is left.
 */
export function removeExcluded(doc: Document, excludeSelectors: readonly string[]): void {
  for (const sel of excludeSelectors) {
    for (const el of selectAll(sel, doc)) detach(el);
  }
}
