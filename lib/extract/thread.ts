import type { AnyNode, Element } from "domhandler";
import type { MainContent } from "./main-content";

/** What a forum's own markup calls the thread and its replies. */
const THREAD_POST = /schema\.org\/(?:DiscussionForumPosting|Comment)$/i;

/**
 * A discussion whose posts say what they are (schema.org microdata) is all of them, in
 * order, with their authors and times: the content is the smallest element holding every
 * post, not the one post that scored best. Posts are the outermost marked items: a
 * DiscussionForumPosting or Comment that holds replies of its own is the thread; comments
 * under a Question or Answer (a Q&A site's asides) leave the content as it was, and so does
 * content beside the thread (an article above its comments). Content detection's marks on
 * the posts (a "comment" class reads as chrome) are undone.
 */
export function gatherThread(content: MainContent, items: readonly Element[]): MainContent {
  if (items.length < 2) return content;
  const marked = new Set(items);
  const outermost = items.filter((el) => !hasAncestorIn(el, marked));
  if (!outermost.every((el) => THREAD_POST.test(el.attribs.itemtype ?? ""))) return content;
  const holder = outermost.length === 1 ? outermost[0] : commonAncestor(outermost);
  if (!holder || holder.name === "body" || holder.name === "html") return content;
  const outer = content.roots.find((r) => r === holder || isAncestor(r, holder));
  if (!outer && !content.roots.every((r) => isAncestor(holder, r))) return content;
  const root = outer ?? holder;
  for (const post of items)
    for (let el: Element | null = post; el && el !== root; el = el.parent?.type === "tag" ? el.parent : null)
      content.removed.delete(el);
  content.removed.delete(root);
  const roots = root === holder ? [holder] : content.roots;
  return { roots, removed: content.removed, textLength: roots.reduce((n, r) => n + visibleLength(r, content), 0) };
}

function hasAncestorIn(el: Element, set: ReadonlySet<Element>): boolean {
  for (let p = el.parent; p && p.type === "tag"; p = p.parent) if (set.has(p)) return true;
  return false;
}

function isAncestor(ancestor: Element, el: Element): boolean {
  for (let p = el.parent; p; p = p.parent) if (p === ancestor) return true;
  return false;
}

function commonAncestor(els: readonly Element[]): Element | null {
  const first = els[0];
  if (!first) return null;
  const chain: Element[] = [];
  for (let p = first.parent; p && p.type === "tag"; p = p.parent) chain.push(p);
  let depth = 0;
  for (const el of els.slice(1)) {
    // The first of the chain's ancestors that also holds el.
    while (depth < chain.length && !isAncestor(chain[depth] as Element, el)) depth++;
  }
  return chain[depth] ?? null;
}

function visibleLength(root: Element, content: MainContent): number {
  let n = 0;
  const stack: AnyNode[] = [root];
  for (let c = stack.pop(); c; c = stack.pop()) {
    if (c.type === "text") n += c.data.trim().length;
    else if (c.type === "tag" && !content.removed.has(c)) for (const k of c.children) stack.push(k);
  }
  return n;
}
