import type { Element } from "domhandler";
import { type ElementMarks, linkDensity, type StatsTable } from "./content-stats";

/**
 * Below this share of <main>'s text, the chosen container is one section of many (see
 * widenToMain). Pages that say they are an article keep a narrower choice: their <main>
 * also holds related links and comments. Both measured on the two corpora.
 */
export const PAGE_MAIN_SHARE = 0.5;
export const ARTICLE_MAIN_SHARE = 0.4;

/**
 * The page's <main> when it has exactly one, and the elements that hold a <main> (shells):
 * a page wrapped whole in an unclosed <aside> or a "header" shell would otherwise lose
 * everything to the chrome rules.
 */
export function findLandmarks(body: Element): { shells: Set<Element>; main: Element | null } {
  const shells = new Set<Element>();
  const mains: Element[] = [];
  const stack: Element[] = [body];
  for (let el = stack.pop(); el; el = stack.pop()) {
    if (el.name === "main" || el.attribs.role === "main") {
      mains.push(el);
      for (let p = el.parent; p && p.type === "tag" && !shells.has(p); p = p.parent) shells.add(p);
      continue;
    }
    for (const c of el.children) if (c.type === "tag") stack.push(c);
  }
  return { shells, main: mains.length === 1 ? (mains[0] as Element) : null };
}

/**
 * Services, products, listings and forums spread their content over several sibling
 * sections, and Readability's best container holds only one of them. When the page has one
 * <main>, the choice lies inside it and holds under a set share of its text, and <main> is
 * not mostly links, the whole <main> is the content.
 */
export function widenToMain(
  roots: Element[],
  stats: StatsTable,
  removed: ElementMarks,
  main: Element | null,
  share: number,
): Element[] {
  if (!main || removed.has(main) || !roots.every((r) => isAncestor(main, r))) return roots;
  const ms = stats.get(main);
  let chosen = 0;
  for (const r of roots) chosen += stats.get(r)?.text ?? 0;
  return ms && chosen < share * ms.text && linkDensity(ms) < 0.5 ? [main] : roots;
}

/** Share of its parent's text a child must hold to be the content area in its place. */
const AREA_SHARE = 0.8;

/**
 * The page's content area when it marks no <main>: going down from <body>, the child that
 * holds most of its parent's text (chrome already left out), while one does. Pages without
 * a <main> still wrap their content in one column; widenToMain treats it as their <main>.
 * Null when <body> itself is the area.
 */
export function contentArea(body: Element, stats: StatsTable, removed: ElementMarks): Element | null {
  let area = body;
  for (;;) {
    const text = stats.get(area)?.text ?? 0;
    let next: Element | null = null;
    let most = 0;
    for (const c of area.children) {
      if (c.type !== "tag" || removed.has(c)) continue;
      const t = stats.get(c)?.text ?? 0;
      if (t > most) {
        most = t;
        next = c;
      }
    }
    if (!next || most < AREA_SHARE * text) return area === body ? null : area;
    area = next;
  }
}

/** Whether a is a proper ancestor of node. */
export function isAncestor(a: Element, node: Element): boolean {
  for (let p = node.parent; p; p = p.parent) if (p === a) return true;
  return false;
}
