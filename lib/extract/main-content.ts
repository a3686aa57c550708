import type { AnyNode, Document, Element } from "domhandler";
import { textContent } from "domutils";
import { computeStats, ElementMarks, linkDensity, ScoreTable, type Stats, type StatsTable } from "./content-stats";
import { ARTICLE_MAIN_SHARE, contentArea, findLandmarks, isAncestor, PAGE_MAIN_SHARE, widenToMain } from "./landmarks";
import { classWeight, MAYBE_CANDIDATE, UNLIKELY, UNLIKELY_ROLES } from "./patterns";
import { cleanArticle } from "./prep-article";
import { isReviewBlock } from "./reviews";
import { CHROME_TAGS, PHRASING, TAGS_TO_SCORE } from "./tag-sets";

/** What content detection chose: the roots to render and the elements to leave out. */
export interface MainContent {
  roots: Element[];
  /** Valid until content detection runs again on the same document. */
  removed: ElementMarks;
  /** Characters of text the roots keep. */
  textLength: number;
  /** Characters of visible text on the page without its chrome, when content detection measured it. */
  pageText?: number;
}

interface Flags {
  /** Ancestors of the page's <main>: never chrome, whatever their tag or class says. */
  shells: ReadonlySet<Element>;
  /** The page's one <main> (or role=main), if it has exactly one. */
  main: Element | null;
  /** See widenToMain. */
  mainShare: number;
  /** A product page: its customer reviews are chrome (see isReviewBlock). */
  isProduct: boolean;
  stripUnlikely: boolean;
  weightClasses: boolean;
  cleanConditionally: boolean;
}

const CHAR_THRESHOLD = 500;
/** A choice under this share of the page's text and this many characters is one card of many (see wholeIfScattered). */
const SCATTERED_SHARE = 0.5;
const SCATTERED_MAX = 1500;
/**
 * Pages that say they are an article (shops' themes say so of every page) need a choice half
 * as long and half as large a share: a short story on a busy page stays a story.
 */
const ARTICLE_SCATTERED = 0.5;
/** Share of the chosen container's text that cleaning must leave (see attempt). */
const KEPT_SHARE = 0.5;
const PROSE_LINK_DENSITY = 0.25;

function findBody(doc: Document): Element | null {
  let html: Element | null = null;
  for (const c of doc.children) if (c.type === "tag" && c.name === "html") html = c;
  const scope = html ? html.children : doc.children;
  for (const c of scope) if (c.type === "tag" && c.name === "body") return c;
  return html;
}

function tagScore(name: string): number {
  switch (name) {
    case "div":
    case "article":
    case "main":
      return 5;
    case "pre":
    case "td":
    case "blockquote":
      return 3;
    case "address":
    case "ol":
    case "ul":
    case "dl":
    case "dd":
    case "dt":
    case "li":
    case "form":
      return -3;
    case "h1":
    case "h2":
    case "h3":
    case "h4":
    case "h5":
    case "h6":
    case "th":
      return -5;
    default:
      return 0;
  }
}

function isUnlikely(el: Element, flags: Flags, inTableOrCode: boolean): boolean {
  if (flags.shells.has(el)) return false;
  if (CHROME_TAGS.has(el.name)) return true;
  const role = el.attribs.role;
  if (role && UNLIKELY_ROLES.has(role)) return true;
  if (flags.isProduct && el.name !== "body" && el.name !== "main" && isReviewBlock(el)) return true;
  if (
    !flags.stripUnlikely ||
    inTableOrCode ||
    el.name === "body" ||
    el.name === "a" ||
    el.name === "article" ||
    el.name === "main"
  )
    return false;
  const match = `${el.attribs.class ?? ""} ${el.attribs.id ?? ""}`;
  return match.length > 1 && UNLIKELY.test(match) && !MAYBE_CANDIDATE.test(match);
}

/** What one attempt found, with the page's text left once its chrome is out. */
interface Attempt extends MainContent {
  pageText: number;
}

/**
 * One scoring attempt over the body, Readability style, without mutating the tree; with
 * whole set, only its chrome is left out and the rest (its <main>, or the body) is the content.
 */
function attempt(body: Element, flags: Flags, whole = false): Attempt {
  const removed = new ElementMarks();
  // Pass 1: mark unlikely candidates so scoring and rendering skip them.
  // The kept elements in pre-order (parents first) are what computeStats needs, so this
  // walk collects them and spares it a walk of its own.
  const order: Element[] = [];
  const walk: Element[] = [body];
  const guardedWalk: boolean[] = [false];
  for (let el = walk.pop(); el; el = walk.pop()) {
    const guarded = guardedWalk.pop() as boolean;
    order.push(el);
    for (const c of el.children) {
      if (c.type !== "tag") continue;
      if (isUnlikely(c, flags, guarded)) removed.add(c);
      else {
        walk.push(c);
        guardedWalk.push(guarded || c.name === "table" || c.name === "code" || c.name === "pre");
      }
    }
  }
  const stats = computeStats(order);
  const pageText = stats.get(body)?.text ?? 0;
  if (whole) {
    const root = flags.main && !removed.has(flags.main) ? flags.main : body;
    return { roots: [root], removed, textLength: visibleLength(root, removed), pageText };
  }
  const scores = new ScoreTable();
  const score = (el: Element): number => {
    let s = scores.get(el);
    if (s === undefined) {
      s = tagScore(el.name) + classWeight(el, flags.weightClasses);
      scores.set(el, s);
    }
    return s;
  };
  const addParagraph = (first: Element, length: number, commas: number): void => {
    if (length < 25) return;
    const content = 1 + commas + Math.min(Math.floor(length / 100), 3);
    let level = 0;
    for (let a: Element | null = first; a && level < 5; a = a.parent?.type === "tag" ? a.parent : null, level++) {
      if (!a.parent) break;
      const divider = level === 0 ? 1 : level === 1 ? 2 : level * 3;
      scores.set(a, score(a) + content / divider);
    }
  };
  // Pass 2: score paragraphs into their ancestors.
  const stack: Element[] = [body];
  for (let el = stack.pop(); el; el = stack.pop()) {
    const s = stats.get(el) as Stats;
    if (TAGS_TO_SCORE.has(el.name) || (el.name === "div" && !s.hasBlock)) {
      if (el.parent?.type === "tag") addParagraph(el.parent, s.text, s.commas);
      if (el.name !== "section" && el.name !== "td") continue;
    } else if (el.name === "div") {
      scorePhrasingRuns(el, stats, removed, addParagraph);
    }
    for (const c of el.children) if (c.type === "tag" && !removed.has(c)) stack.push(c);
  }
  const top = pickTopCandidate(body, scores, stats);
  const area = flags.main ?? contentArea(body, stats, removed);
  const roots = widenToMain(gatherSiblings(top, scores, stats, removed), stats, removed, area, flags.mainShare);
  const cleaned =
    flags.cleanConditionally || flags.weightClasses
      ? cleanArticle(roots, stats, removed, flags.cleanConditionally, flags.weightClasses)
      : [];
  let textLength = roots.reduce((n, r) => n + visibleLength(r, removed), 0);
  const chosen = roots.reduce((n, r) => n + (stats.get(r)?.text ?? 0), 0);
  if (textLength < KEPT_SHARE * chosen) {
    // Cleaning that leaves little of the chosen text took the body with the chrome: give
    // back what it removed that reads as prose (few links), keep the link lists out.
    for (const el of cleaned) if (linkDensity(stats.get(el)) < PROSE_LINK_DENSITY) removed.delete(el);
    textLength = roots.reduce((n, r) => n + visibleLength(r, removed), 0);
  }
  return { roots, removed, textLength, pageText };
}

function scorePhrasingRuns(
  div: Element,
  stats: StatsTable,
  removed: ElementMarks,
  add: (first: Element, len: number, commas: number) => void,
): void {
  // Readability wraps loose inline content of a block div in <p>s; score those runs directly.
  let len = 0;
  let commas = 0;
  let brs = 0;
  const flush = (): void => {
    add(div, len, commas);
    len = commas = 0;
  };
  for (const c of div.children as AnyNode[]) {
    if (c.type === "text") {
      const t = c.data.trim();
      if (t) {
        len += t.length + 1;
        for (const ch of t) if (ch === ",") commas++;
        brs = 0;
      }
    } else if (c.type === "tag") {
      if (removed.has(c)) continue;
      if (c.name === "br") {
        if (++brs >= 2) flush();
      } else if (PHRASING.has(c.name)) {
        const s = stats.get(c);
        len += (s?.text ?? 0) + 1;
        commas += s?.commas ?? 0;
        brs = 0;
      } else {
        flush();
      }
    }
  }
  flush();
}

function pickTopCandidate(body: Element, scores: ScoreTable, stats: StatsTable): Element {
  const ranked: { el: Element; score: number }[] = [];
  for (const el of scores.keys)
    ranked.push({ el, score: (scores.get(el) as number) * (1 - linkDensity(stats.get(el))) });
  ranked.sort((a, b) => b.score - a.score);
  const best = ranked[0];
  if (!best || best.el === body) return body;
  let top = best.el;
  const final = new Map(ranked.map((r) => [r.el, r.score]));
  const finalScore = (el: Element): number | undefined => final.get(el);
  // Several strong candidates under one ancestor: the ancestor is the article.
  const alternatives = ranked
    .slice(1, 5)
    .filter((r) => r.score / best.score >= 0.75)
    .map((r) => r.el);
  if (alternatives.length >= 3) {
    for (let p = top.parent; p && p.type === "tag" && p !== body; p = p.parent) {
      const covered = alternatives.filter((a) => isAncestor(p as Element, a)).length;
      if (covered >= 3) {
        top = p;
        break;
      }
    }
  }
  let last = finalScore(top) ?? best.score;
  const threshold = last / 3;
  for (let p = top.parent; p && p.type === "tag" && p !== body; p = p.parent) {
    const ps = finalScore(p);
    if (ps === undefined) continue;
    if (ps < threshold) break;
    if (ps > last) {
      top = p;
      break;
    }
    last = ps;
  }
  while (
    top.parent &&
    top.parent.type === "tag" &&
    top.parent !== body &&
    top.parent.children.filter((c) => c.type === "tag").length === 1
  )
    top = top.parent;
  return top;
}

function gatherSiblings(top: Element, scores: ScoreTable, stats: StatsTable, removed: ElementMarks): Element[] {
  const parent = top.parent;
  if (parent?.type !== "tag" || top.name === "body") return [top];
  const topScore = (scores.get(top) ?? 0) * (1 - linkDensity(stats.get(top)));
  const threshold = Math.max(10, topScore * 0.2);
  const out: Element[] = [];
  for (const sib of parent.children) {
    if (sib.type !== "tag" || removed.has(sib)) continue;
    if (sib === top) {
      out.push(sib);
      continue;
    }
    const bonus = top.attribs.class && sib.attribs.class === top.attribs.class ? topScore * 0.2 : 0;
    const s = scores.get(sib);
    if (s !== undefined && s * (1 - linkDensity(stats.get(sib))) + bonus >= threshold) {
      out.push(sib);
      continue;
    }
    if (sib.name === "p") {
      const st = stats.get(sib);
      const ld = linkDensity(st);
      const len = st?.text ?? 0;
      if ((len > 80 && ld < 0.25) || (len > 0 && len < 80 && ld === 0 && /\.( |$)/.test(textContent(sib))))
        out.push(sib);
    }
  }
  return out;
}

function visibleLength(root: Element, removed: ElementMarks): number {
  let n = 0;
  const stack: AnyNode[] = [root];
  for (let c = stack.pop(); c; c = stack.pop()) {
    if (c.type === "text") n += c.data.trim().length;
    else if (c.type === "tag" && !removed.has(c)) for (const k of c.children) stack.push(k);
  }
  return n;
}

/** Finds the main content: Readability's scoring, retried with looser rules on thin results. */
export function findMainContent(doc: Document, isArticle = false, isProduct = false): MainContent | null {
  const body = findBody(doc);
  if (!body) return null;
  const { shells, main } = findLandmarks(body);
  const mainShare = isArticle ? ARTICLE_MAIN_SHARE : PAGE_MAIN_SHARE;
  const tries: Flags[] = [
    { shells, main, mainShare, isProduct, stripUnlikely: true, weightClasses: true, cleanConditionally: true },
    { shells, main, mainShare, isProduct, stripUnlikely: false, weightClasses: true, cleanConditionally: true },
    { shells, main, mainShare, isProduct, stripUnlikely: false, weightClasses: false, cleanConditionally: true },
    { shells, main, mainShare, isProduct, stripUnlikely: false, weightClasses: false, cleanConditionally: false },
  ];
  let best: Attempt | null = null;
  let bestFlags: Flags | null = null;
  let last: Attempt | null = null;
  for (const flags of tries) {
    const r = attempt(body, flags);
    if (r.textLength >= CHAR_THRESHOLD) return wholeIfScattered(body, r, flags, isArticle);
    if (!best || r.textLength > best.textLength) {
      best = r;
      bestFlags = flags;
    }
    last = r;
  }
  if (!best || !bestFlags) return best;
  // Marks of earlier attempts are outdated by later ones: redo the best (it is deterministic).
  return wholeIfScattered(body, best !== last ? attempt(body, bestFlags) : best, bestFlags, isArticle);
}

/**
 * A listing, a shop's category or a home page of teasers: Readability's best container is one
 * card of many, short and a small share of the page. Then the page without its chrome (its
 * <main>, if that holds the choice) is the content. Any choice long enough to be an
 * article's body stays.
 */
function wholeIfScattered(body: Element, r: Attempt, flags: Flags, isArticle: boolean): MainContent {
  const k = isArticle ? ARTICLE_SCATTERED : 1;
  if (r.textLength >= k * SCATTERED_SHARE * r.pageText || r.textLength >= k * SCATTERED_MAX) return r;
  const main = flags.main;
  const inMain = main !== null && r.roots.every((x) => x === main || isAncestor(main, x));
  const whole = attempt(body, inMain ? flags : { ...flags, main: null }, true);
  // Less text than the choice (its chrome held the content): keep the choice, its marks redone.
  return whole.textLength >= CHAR_THRESHOLD && whole.textLength > r.textLength ? whole : attempt(body, flags);
}
