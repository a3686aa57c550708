import { selectAll } from "css-select";
import type { Document } from "domhandler";
import { removeElement } from "domutils";

/**
 * Removes the elements a caller's excludeSelectors match. They see the tree as parsed,
 * which already lacks scripts, styles, hidden elements and the rest of parse.ts's
 * NEVER_CONTENT: selectors that count siblings count only what is left.
 */
export function removeExcluded(doc: Document, excludeSelectors: readonly string[]): void {
  for (const sel of excludeSelectors) {
    for (const el of selectAll(sel, doc)) removeElement(el);
  }
}
