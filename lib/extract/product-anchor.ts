import type { AnyNode, Document, Element, Text } from "domhandler";
import { uniqueSort } from "domutils";
import type { MainContent } from "./main-content";

/** Descriptions shorter than this ("Blue, size M") find nothing worth anchoring on. */
const MIN_DESCRIPTION = 100;
/** Characters of the description (letters and digits only) that must be found in the page. */
const KEY_LENGTH = 60;
/** A choice this much longer than the description block is a whole product page: the block joins it. */
const REPLACE_BELOW = 2;

/** Lower-cased letters and digits: markup, punctuation and spacing differ between JSON-LD and HTML. */
function norm(s: string): string {
  return s.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, "");
}

/** The kept text nodes under the roots, in document order. */
function textNodes(roots: readonly AnyNode[], skip?: (el: Element) => boolean): Text[] {
  const out: Text[] = [];
  const stack: AnyNode[] = [...roots].reverse();
  for (let n = stack.pop(); n; n = stack.pop()) {
    if (n.type === "text") out.push(n);
    else if (n.type === "tag" && !skip?.(n))
      for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i] as AnyNode);
  }
  return out;
}

function ancestors(n: AnyNode): Element[] {
  const out: Element[] = [];
  for (let p = n.parent; p && p.type === "tag"; p = p.parent) out.push(p);
  return out;
}

function normLength(el: Element): number {
  let n = 0;
  for (const t of textNodes([el])) n += norm(t.data).length;
  return n;
}

/**
 * On a product page, the description its structured data states is the one text we know is
 * content. When the chosen content lacks it (a shop theme's grid, its footer or a
 * recommendation carousel scored higher), find the block that holds it in the page: it
 * replaces a short choice and joins a long one.
 */
export function anchorProductDescription(doc: Document, content: MainContent, description: string): MainContent {
  const key = norm(description).slice(0, KEY_LENGTH);
  if (description.length < MIN_DESCRIPTION || key.length < KEY_LENGTH / 2) return content;
  const chosen = textNodes(content.roots, (el) => content.removed.has(el))
    .map((t) => norm(t.data))
    .join("");
  if (chosen.includes(key)) return content;
  // Where the key starts and ends in the page's text, then the smallest element holding both.
  const nodes = textNodes(doc.children);
  let all = "";
  const starts: number[] = [];
  for (const t of nodes) {
    starts.push(all.length);
    all += norm(t.data);
  }
  const at = all.indexOf(key);
  // Not in the HTML at all (a script renders it): the stated copy standing in lost more than
  // it won on wcxb-dev, where the truth often words the description otherwise.
  if (at < 0) return content;
  const nodeAt = (offset: number): Text => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((starts[mid] as number) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return nodes[lo] as Text;
  };
  const endAncestors = new Set(ancestors(nodeAt(at + key.length - 1)));
  let block = ancestors(nodeAt(at)).find((a) => endAncestors.has(a));
  if (!block || block.name === "body" || block.name === "html") return content;
  // The key is the description's start: widen to the element that holds all of it.
  const whole = norm(description).length;
  for (
    let p = block.parent;
    p && p.type === "tag" && p.name !== "body" && normLength(block) < 0.8 * whole;
    p = p.parent
  )
    block = p;
  const blockLength = normLength(block);
  const textLength = content.textLength;
  // Content detection's marks on the block, or on what holds it, are wrong by the page's own word.
  const holder = content.roots.find((r) => r === block || ancestors(block as Element).includes(r));
  for (let p: Element | null = block; p && p !== holder; p = p.parent?.type === "tag" ? p.parent : null)
    content.removed.delete(p);
  if (holder) return { ...content, textLength: textLength + blockLength };
  if (textLength < REPLACE_BELOW * blockLength || content.roots.length === 0)
    return { roots: [block], removed: content.removed, textLength: blockLength };
  // A root inside the block is already part of it.
  const roots = uniqueSort([block, ...content.roots.filter((r) => !ancestors(r).includes(block as Element))]);
  return { roots: roots as Element[], removed: content.removed, textLength: textLength + blockLength };
}
