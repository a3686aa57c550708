import type { AnyNode, Element } from "domhandler";
import type { ElementMarks } from "./content-stats";
import { HEADINGS } from "./tag-sets";

/**
 * A heading that introduces other pages or other products, not more of this one; or a
 * table of contents or an author box, which repeat or sit beside the text.
 */
const RECOMMENDS =
  /^(?:you (?:may|might) also (?:like|enjoy)|(?:customers|people)(?: who [^.]{1,40})? also (?:bought|viewed|liked|searched(?: for)?)|similar (?:items|products)|related (?:products|items|articles|posts|stories|content|reading)|recently viewed(?: items| products)?|frequently bought together|more from (?:this|the) (?:seller|shop|store|author|brand)|recommended (?:for you|products|articles|reading|stories)|more (?:stories|articles|like this|to explore)|more (?:articles|posts|stories) (?:by|from) [^.]{1,60}|(?:our )?related services|helpful links|you may be interested in|read next|popular (?:posts|articles|products|stories)|table of contents|contents|in this (?:article|post|guide)|on this page|jump to|about the author|explore related (?:questions|topics|posts|items)|(?:see )?similar questions(?: with these tags)?|related questions|linked questions|hot network questions)\s*\.?:?$/i;

/** Recommendation blocks may take up to this share of the content's text; past it, they are the content. */
const MAX_SHARE = 0.5;

/**
 * Marks "You may also like", "Customers also viewed", "Related articles", "Table of
 * contents" and "About the author" blocks inside the chosen content as removed: the heading
 * and the container it opens (the largest one it is the first text of). A heading alone in
 * its container takes its following siblings up to the next heading of its rank or higher.
 */
export function dropRecommendations(roots: Element[], removed: ElementMarks): void {
  const headings: Element[] = [];
  const stack: Element[] = [...roots];
  for (let el = stack.pop(); el; el = stack.pop()) {
    if (HEADINGS.has(el.name)) {
      if (RECOMMENDS.test(textOf(el).replace(/\s+/g, " ").trim())) headings.push(el);
      continue;
    }
    for (const c of el.children) if (c.type === "tag" && !removed.has(c)) stack.push(c);
  }
  if (!headings.length) return;
  const total = roots.reduce((n, r) => n + textLength(r, removed), 0);
  let budget = MAX_SHARE * total;
  for (const h of headings) {
    let block = h;
    for (let p = h.parent; p && p.type === "tag" && !roots.includes(p); p = p.parent) {
      if (p.name === "article" || p.name === "main" || firstText(p, removed) !== firstText(h, removed)) break;
      if (textLength(p, removed) > budget) break;
      block = p;
    }
    const marks = block === h ? [h, ...following(h)] : [block];
    const len = marks.reduce((n, m) => n + textLength(m, removed), 0);
    if (len > budget) continue;
    budget -= len;
    for (const m of marks) removed.add(m);
  }
}

/** The siblings after a heading, up to the next heading of its rank or higher. */
function following(h: Element): Element[] {
  const out: Element[] = [];
  const parent = h.parent;
  if (!parent) return out;
  const rank = Number(h.name[1]);
  for (let i = parent.children.indexOf(h) + 1; i < parent.children.length; i++) {
    const c = parent.children[i] as AnyNode;
    if (c.type !== "tag") continue;
    if (HEADINGS.has(c.name) && Number(c.name[1]) <= rank) break;
    out.push(c);
  }
  return out;
}

function textOf(el: Element): string {
  let s = "";
  const stack: AnyNode[] = [el];
  for (let n = stack.pop(); n; n = stack.pop()) {
    if (n.type === "text") s += n.data;
    else if (n.type === "tag") for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i] as AnyNode);
  }
  return s;
}

/** The first non-blank text node under el that is kept, or null. */
function firstText(el: Element, removed: ElementMarks): AnyNode | null {
  const stack: AnyNode[] = [el];
  for (let n = stack.pop(); n; n = stack.pop()) {
    if (n.type === "text") {
      if (n.data.trim()) return n;
    } else if (n.type === "tag" && !removed.has(n))
      for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i] as AnyNode);
  }
  return null;
}

function textLength(el: Element, removed: ElementMarks): number {
  let len = 0;
  const stack: AnyNode[] = [el];
  for (let n = stack.pop(); n; n = stack.pop()) {
    if (n.type === "text") len += n.data.trim().length;
    else if (n.type === "tag" && !removed.has(n)) for (const c of n.children) stack.push(c);
  }
  return len;
}
