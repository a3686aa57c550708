import type { Element } from "domhandler";
import { type ElementMarks, linkDensity, type Stats, type StatsTable } from "./content-stats";
import { classWeight, SHARE } from "./patterns";
import { CLEANED_CONDITIONALLY, HEADINGS } from "./tag-sets";

interface Counts {
  p: number;
  img: number;
  li: number;
  input: number;
  embed: number;
  headingText: number;
  listText: number;
}

/** Counts kept on the element for the current pass (a field read instead of a Map lookup). */
type Counted = Element & { trawlCounts?: Counts; trawlCountsPass?: number };
let pass = 0;

/** Readability's data-table test: real tables are kept whatever their link density. */
export function looksLikeDataTable(table: Element): boolean {
  const a = table.attribs;
  if (a.role === "presentation" || a.datatable === "0") return false;
  if (a.summary) return true;
  let rows = 0;
  let cols = 0;
  const stack: Element[] = [table];
  for (let el = stack.pop(); el; el = stack.pop()) {
    for (const c of el.children) {
      if (c.type !== "tag") continue;
      if (c.name === "caption" || c.name === "thead" || c.name === "tfoot" || c.name === "colgroup" || c.name === "th")
        return true;
      if (c.name === "table") return false;
      if (c.name === "tr") {
        rows++;
        cols = Math.max(
          cols,
          c.children.filter((x) => x.type === "tag" && (x.name === "td" || x.name === "th")).length,
        );
      }
      stack.push(c);
    }
  }
  return rows >= 10 || cols > 4 || rows * cols > 10;
}

/**
 * Marks chrome inside the chosen article as removed (Readability's _prepArticle, in one
 * pass); returns the elements that conditional cleaning removed, so a guard can undo them.
 */
export function cleanArticle(
  roots: Element[],
  stats: StatsTable,
  removed: ElementMarks,
  conditionally: boolean,
  weighted: boolean,
): Element[] {
  const cleaned: Element[] = [];
  for (const root of roots) {
    type Frame = { el: Element; guarded: boolean; inFigure: boolean };
    const order: Frame[] = [];
    const stack: Frame[] = [{ el: root, guarded: false, inFigure: false }];
    for (let f = stack.pop(); f; f = stack.pop()) {
      order.push(f);
      for (const c of f.el.children) {
        if (c.type !== "tag" || removed.has(c)) continue;
        const guarded =
          f.guarded || c.name === "pre" || c.name === "code" || (c.name === "table" && looksLikeDataTable(c));
        stack.push({ el: c, guarded, inFigure: f.inFigure || c.name === "figure" });
      }
    }
    const gen = ++pass;
    for (let i = order.length - 1; i >= 0; i--) {
      const { el, guarded, inFigure } = order[i] as Frame;
      const c: Counts = { p: 0, img: 0, li: 0, input: 0, embed: 0, headingText: 0, listText: 0 };
      for (const k of el.children) {
        if (k.type !== "tag" || removed.has(k)) continue;
        const kc = (k as Counted).trawlCountsPass === gen ? (k as Counted).trawlCounts : undefined;
        if (!kc) continue;
        c.p += kc.p;
        c.img += kc.img;
        c.li += kc.li;
        c.input += kc.input;
        c.embed += kc.embed;
        c.headingText += kc.headingText;
        c.listText += kc.listText;
      }
      const s = stats.get(el);
      const text = s?.text ?? 0;
      if (el.name === "p") c.p++;
      else if (el.name === "img") c.img++;
      else if (el.name === "li") c.li++;
      else if (el.name === "input") c.input++;
      else if (el.name === "video" || el.name === "audio") c.embed++;
      if (HEADINGS.has(el.name)) c.headingText += text;
      if (el.name === "ul" || el.name === "ol") c.listText = text;
      (el as Counted).trawlCounts = c;
      (el as Counted).trawlCountsPass = gen;
      if (el === root || guarded) continue;
      const id = `${el.attribs.class ?? ""} ${el.attribs.id ?? ""}`;
      if (SHARE.test(id) && text < 500) {
        removed.add(el);
        continue;
      }
      if (weighted && (el.name === "h1" || el.name === "h2") && classWeight(el) < 0) {
        removed.add(el);
        continue;
      }
      if (el.name === "p" && text === 0 && c.img === 0 && c.embed === 0) {
        removed.add(el);
        continue;
      }
      if (conditionally && CLEANED_CONDITIONALLY.has(el.name) && shouldRemove(el, c, s, weighted, inFigure)) {
        removed.add(el);
        cleaned.push(el);
      }
    }
  }
  return cleaned;
}

function shouldRemove(el: Element, c: Counts, s: Stats | undefined, weighted: boolean, inFigure: boolean): boolean {
  const text = s?.text ?? 0;
  const isList = el.name === "ul" || el.name === "ol" || (text > 0 && c.listText / text > 0.9);
  const weight = weighted ? classWeight(el) : 0;
  if (weight < 0) return true;
  if ((s?.commas ?? 0) >= 10) return false;
  const li = c.li - 100;
  const ld = linkDensity(s);
  const headingDensity = text > 0 ? c.headingText / text : 0;
  return (
    (c.img > 1 && c.p / c.img < 0.5 && !inFigure) ||
    (!isList && li > c.p) ||
    c.input > Math.floor(c.p / 3) ||
    (!isList && headingDensity < 0.9 && text < 25 && (c.img === 0 || c.img > 2) && !inFigure) ||
    (!isList && weight < 25 && ld > 0.2) ||
    (weight >= 25 && ld > 0.5) ||
    (c.embed === 1 && text < 75) ||
    c.embed > 1
  );
}
