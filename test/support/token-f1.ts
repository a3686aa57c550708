import type { AnyNode } from "domhandler";
import { parseDocument } from "htmlparser2";

/** Lower-cased word tokens; each CJK character is a token since those scripts have no spaces. */
export function tokens(text: string): string[] {
  return text.toLowerCase().match(/[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]|[\p{L}\p{N}\p{M}]+/gu) ?? [];
}

/** Token-level F1 (multiset overlap) of a candidate text against a reference text. */
export function tokenF1(candidate: string, reference: string): { f1: number; precision: number; recall: number } {
  const cand = tokens(candidate);
  const ref = tokens(reference);
  if (cand.length === 0 || ref.length === 0) {
    const same = cand.length === ref.length;
    return { f1: same ? 1 : 0, precision: same ? 1 : 0, recall: same ? 1 : 0 };
  }
  const counts = new Map<string, number>();
  for (const t of ref) counts.set(t, (counts.get(t) ?? 0) + 1);
  let overlap = 0;
  for (const t of cand) {
    const c = counts.get(t) ?? 0;
    if (c > 0) {
      overlap++;
      counts.set(t, c - 1);
    }
  }
  const precision = overlap / cand.length;
  const recall = overlap / ref.length;
  return { f1: overlap === 0 ? 0 : (2 * precision * recall) / (precision + recall), precision, recall };
}

const BLOCK = /^(p|div|h[1-6]|li|tr|td|th|pre|blockquote|section|article|figure|figcaption|br|dd|dt|table|ul|ol)$/;

/** Visible text of an HTML fragment (the reference side of the F1 measure). */
export function htmlText(html: string): string {
  const out: string[] = [];
  const stack: AnyNode[] = [...parseDocument(html).children].reverse();
  for (let n = stack.pop(); n; n = stack.pop()) {
    if (n.type === "text") out.push(n.data);
    else if (n.type === "tag") {
      if (BLOCK.test(n.name)) out.push("\n");
      for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i] as AnyNode);
    }
  }
  return out
    .join("")
    .replace(/[ \t\u00a0]+/g, " ")
    .replace(/\s*\n\s*/g, "\n")
    .trim();
}
