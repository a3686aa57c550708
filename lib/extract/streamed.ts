import type { AnyNode, Element, ParentNode } from "domhandler";

/**
 * React's streamed server rendering (Next.js and others) sends a page in parts: where a
 * part is not ready, an empty `<template id="B:n">` holds its place (after a fallback such
 * as "Loading..."), and the part arrives later, at the end of the body, as
 * `<div hidden id="S:n">`, which an inline script moves into the placeholder (a part may
 * hold placeholders `<template id="P:n">` of its own, filled the same way). The page's
 * article is often in those parts. A browser shows them in place, so the parser builds
 * them and spliceStreamedParts moves each into its placeholder, as the script would.
 */
export const STREAM_SLOT = /^[BP]:[0-9a-z]+$/i;
export const STREAM_PART = /^S:[0-9a-z]+$/i;

/**
 * Moves each streamed part's children to its placeholder. A part `S:n` fills the segment
 * placeholder `P:n` of the same number; the rest fill the boundary placeholders `B:m` in
 * document order, the order React completes them in when its inline calls
 * (`$RC("B:m","S:n")`) are not at hand. A part with no placeholder left is dropped.
 */
export function spliceStreamedParts(slots: ReadonlyMap<string, Element>, parts: readonly Element[]): void {
  const boundaries = [...slots.entries()].filter(([id]) => id[0] === "B").map(([, el]) => el);
  let next = 0;
  for (const part of parts) {
    const slot = slots.get(`P:${(part.attribs.id as string).slice(2)}`) ?? boundaries[next++];
    const parent = slot?.parent;
    detach(part);
    if (!slot || !parent) continue;
    const kids = part.children;
    part.children = [];
    const at = parent.children.indexOf(slot);
    parent.children.splice(at, 1, ...kids);
    for (const k of kids) k.parent = parent;
    relink(parent, at - 1, at + kids.length);
    slot.parent = null;
  }
}

function detach(el: Element): void {
  const parent = el.parent;
  if (!parent) return;
  const at = parent.children.indexOf(el);
  if (at >= 0) parent.children.splice(at, 1);
  el.parent = null;
  relink(parent, at - 1, at);
}

/** Restores prev/next links of parent's children from index `from` to index `to`, inclusive. */
function relink(parent: ParentNode, from: number, to: number): void {
  const c = parent.children;
  for (let i = Math.max(0, from); i <= Math.min(c.length - 1, to); i++) {
    const n = c[i] as AnyNode;
    n.prev = i > 0 ? (c[i - 1] as AnyNode) : null;
    n.next = i < c.length - 1 ? (c[i + 1] as AnyNode) : null;
  }
}
