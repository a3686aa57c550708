import type { AnyNode, Element } from "domhandler";
import { BLOCKS_IN_DIV } from "./tag-sets";

/** Text measures of one element's subtree, ignoring subtrees marked as removed. */
export interface Stats {
  text: number;
  link: number;
  commas: number;
  /** True when a block-level element (per Readability's BLOCKS_IN_DIV list) is inside. */
  hasBlock: boolean;
}

function textLength(s: string): number {
  // Cheap stand-in for Readability's whitespace-normalised length.
  let start = 0;
  let end = s.length;
  while (start < end && s.charCodeAt(start) <= 32) start++;
  while (end > start && s.charCodeAt(end - 1) <= 32) end--;
  return end - start;
}

function commaCount(s: string): number {
  let n = 0;
  for (let i = s.indexOf(","); i >= 0; i = s.indexOf(",", i + 1)) n++;
  // CJK and Arabic commas count too, as in Readability.
  for (const ch of ["\uFF0C", "\u3001", "\u060C"]) for (let i = s.indexOf(ch); i >= 0; i = s.indexOf(ch, i + 1)) n++;
  return n;
}

/** Per-element slots that StatsTable and ScoreTable keep on the elements themselves. */
interface Slots {
  trawlStats?: Stats;
  trawlStatsGen?: number;
  trawlScore?: number;
  trawlScoreGen?: number;
  trawlMarkGen?: number;
}

/** Each table gets its own generation, so a slot left by an earlier table reads as empty. */
let generation = 0;

/**
 * Stats by element, stored on the element (a field read instead of a Map lookup keyed by
 * identity hash: content detection does several per element).
 */
export class StatsTable {
  private readonly gen = ++generation;

  get(el: Element): Stats | undefined {
    const m = el as Element & Slots;
    return m.trawlStatsGen === this.gen ? m.trawlStats : undefined;
  }

  set(el: Element, s: Stats): void {
    const m = el as Element & Slots;
    m.trawlStats = s;
    m.trawlStatsGen = this.gen;
  }
}

/** Read side of a set of elements: what the tree walks ask of "removed". */
export interface ElementSet {
  has(el: Element): boolean;
}

/**
 * A set of elements kept as a mark on the elements themselves (a field compare instead of
 * a Set lookup; every walk asks it once per element). Only the newest ElementMarks of a
 * page is valid for reading: a newer one does not clear older marks, it outdates them.
 */
export class ElementMarks implements ElementSet {
  private readonly gen = ++generation;

  has(el: Element): boolean {
    return (el as Element & Slots).trawlMarkGen === this.gen;
  }

  add(el: Element): void {
    (el as Element & Slots).trawlMarkGen = this.gen;
  }

  delete(el: Element): void {
    if (this.has(el)) (el as Element & Slots).trawlMarkGen = 0;
  }
}

/** Candidate scores by element, stored on the element, with the scored elements in insertion order. */
export class ScoreTable {
  private readonly gen = ++generation;
  readonly keys: Element[] = [];

  get(el: Element): number | undefined {
    const m = el as Element & Slots;
    return m.trawlScoreGen === this.gen ? m.trawlScore : undefined;
  }

  set(el: Element, score: number): void {
    const m = el as Element & Slots;
    if (m.trawlScoreGen !== this.gen) {
      m.trawlScoreGen = this.gen;
      this.keys.push(el);
    }
    m.trawlScore = score;
  }
}

/**
 * Computes Stats for a subtree in one post-order pass, given its kept elements in pre-order
 * (each parent before its children; elements left out are skipped as removed).
 */
export function computeStats(order: readonly Element[]): StatsTable {
  const stats = new StatsTable();
  for (let i = order.length - 1; i >= 0; i--) {
    const el = order[i] as Element;
    const s: Stats = { text: 0, link: 0, commas: 0, hasBlock: false };
    for (const c of el.children as AnyNode[]) {
      if (c.type === "text") {
        const len = textLength(c.data);
        s.text += len;
        // Most text nodes are indentation: no length, no commas, no four indexOf scans.
        if (len > 0 && (c.data.length > 1 || c.data === ",")) s.commas += commaCount(c.data);
      } else if (c.type === "tag") {
        const cs = stats.get(c);
        if (!cs) continue;
        // Word boundaries between elements count as one space.
        s.text += cs.text + (cs.text > 0 && s.text > 0 ? 1 : 0);
        s.link += cs.link;
        s.commas += cs.commas;
        if (cs.hasBlock || BLOCKS_IN_DIV.has(c.name)) s.hasBlock = true;
      }
    }
    if (el.name === "a") {
      // In-page anchors (footnotes, tables of contents) count as weaker links.
      const href = el.attribs.href ?? "";
      s.link = s.text * (href.startsWith("#") ? 0.3 : 1);
    }
    stats.set(el, s);
  }
  return stats;
}

/** Link text share of an element's text (0 when it has none). */
export function linkDensity(s: Stats | undefined): number {
  return s && s.text > 0 ? Math.min(1, s.link / s.text) : 0;
}
