import type { AnyNode, Element } from "domhandler";
import type { ElementSet } from "./content-stats";
import { LIMITS } from "./limits";
import {
  LAYOUT_BLOCKS,
  LINE_BREAKING,
  NOT_RENDERED,
  REAL_TEXT_BLOCKS,
  TABLE_PARTS,
  TD_BLOCK,
  TD_VOID,
  UNWRAPPED_INLINE,
} from "./tag-sets";
import { WordCounter } from "./text";
import { resolveUrl } from "./urls";

const NON_SPACE = /\S/;

/**
 * The small slice of the W3C DOM that turndown walks, built over our cleaned htmlparser2
 * tree. turndown normally parses the HTML again itself (domino in Node, DOMParser in a
 * browser, neither present in workerd); handing it this tree skips a second parse and
 * lets us normalise links, code blocks and tables on the way in.
 */
export class MdNode {
  parentNode: MdNode | null = null;
  firstChild: MdNode | null = null;
  lastChild: MdNode | null = null;
  nextSibling: MdNode | null = null;
  previousSibling: MdNode | null = null;
  // turndown stores its own flags on nodes.
  isBlock?: boolean;
  isCode?: boolean;
  isBlank?: boolean;
  flankingWhitespace?: unknown;
  private text: string | null = null;
  private nonBlank: boolean | null = null;
  /** Element children, cached until the next insertion or removal. */
  private elementKids: MdNode[] | null = null;

  constructor(
    readonly nodeType: 1 | 3,
    /** Mutable only so htmlToMarkdown can present the root to turndown as a PRE (see there). */
    public nodeName: string,
    public data: string,
    readonly attribs: Record<string, string>,
  ) {}

  get nodeValue(): string {
    return this.data;
  }

  get childNodes(): MdNode[] {
    const out: MdNode[] = [];
    for (let c = this.firstChild; c; c = c.nextSibling) out.push(c);
    return out;
  }

  // Cached: turndown asks an OL for it once per item (to number it), quadratic otherwise.
  get children(): MdNode[] {
    if (this.elementKids === null) {
      const out: MdNode[] = [];
      for (let c = this.firstChild; c; c = c.nextSibling) if (c.nodeType === 1) out.push(c);
      this.elementKids = out;
    }
    return this.elementKids;
  }

  /** Table rows in document order, as HTMLTableElement.rows gives them. */
  get rows(): MdNode[] {
    const rows: MdNode[] = [];
    for (let c = this.firstChild; c; c = c.nextSibling) {
      if (c.nodeName === "TR") rows.push(c);
      else if (c.nodeName === "THEAD" || c.nodeName === "TBODY" || c.nodeName === "TFOOT") {
        for (let r = c.firstChild; r; r = r.nextSibling) if (r.nodeName === "TR") rows.push(r);
      }
    }
    return rows;
  }

  get type(): string {
    return this.attribs.type ?? "";
  }

  get checked(): boolean {
    return "checked" in this.attribs;
  }

  /**
   * turndown reads a block's textContent only to test it for blankness (/^\s*$/): its
   * flanking-whitespace and sibling checks skip blocks. So a block answers with a stand-in
   * that is blank exactly when its text is, instead of concatenating (and the regex then
   * flattening) its whole subtree's text at every level. Inline nodes, and the table parts
   * the GFM plugin prints or tests, give their real text.
   */
  get textContent(): string {
    if (this.nodeType === 3) return this.data;
    if (TD_BLOCK.has(this.nodeName) && !REAL_TEXT_BLOCKS.has(this.nodeName)) return this.hasText() ? "x" : "";
    return this.fullText();
  }

  /** Whether any text below is not whitespace (as /\S/ sees it), cached. */
  private hasText(): boolean {
    if (this.nonBlank === null) {
      let found = false;
      for (let c = this.firstChild; c && !found; c = c.nextSibling)
        found = c.nodeType === 3 ? NON_SPACE.test(c.data) : c.hasText();
      this.nonBlank = found;
    }
    return this.nonBlank;
  }

  // Cached: the tree's text no longer changes once turndown starts asking.
  private fullText(): string {
    if (this.nodeType === 3) return this.data;
    if (this.text === null) {
      let s = "";
      for (let c = this.firstChild; c; c = c.nextSibling) s += c.fullText();
      this.text = s;
    }
    return this.text;
  }

  get outerHTML(): string {
    return this.fullText();
  }

  getAttribute(name: string): string | null {
    return this.attribs[name] ?? null;
  }

  getElementsByTagName(name: string): MdNode[] {
    const out: MdNode[] = [];
    const upper = name.toUpperCase();
    const stack: MdNode[] = [];
    for (let c = this.lastChild; c; c = c.previousSibling) stack.push(c);
    for (let n = stack.pop(); n; n = stack.pop()) {
      if (n.nodeName === upper) out.push(n);
      for (let c = n.lastChild; c; c = c.previousSibling) stack.push(c);
    }
    return out;
  }

  appendChild(child: MdNode): void {
    this.elementKids = null;
    child.parentNode = this;
    child.previousSibling = this.lastChild;
    child.nextSibling = null;
    if (this.lastChild) this.lastChild.nextSibling = child;
    else this.firstChild = child;
    this.lastChild = child;
  }

  insertBefore(child: MdNode, ref: MdNode): void {
    this.elementKids = null;
    child.parentNode = this;
    child.nextSibling = ref;
    child.previousSibling = ref.previousSibling;
    if (ref.previousSibling) ref.previousSibling.nextSibling = child;
    else this.firstChild = child;
    ref.previousSibling = child;
  }

  removeChild(child: MdNode): MdNode {
    this.elementKids = null;
    if (child.previousSibling) child.previousSibling.nextSibling = child.nextSibling;
    else this.firstChild = child.nextSibling;
    if (child.nextSibling) child.nextSibling.previousSibling = child.previousSibling;
    else this.lastChild = child.previousSibling;
    child.parentNode = child.nextSibling = child.previousSibling = null;
    return child;
  }

  /** turndown clones its input so it can mutate it; this tree is already ours to mutate. */
  cloneNode(): MdNode {
    return this;
  }
}

function isDataTable(table: Element): boolean {
  // Layout tables (one column, or cells full of blocks) read better as plain blocks than
  // as a GFM table, which cannot hold multi-line cells anyway.
  let maxCols = 0;
  let blocky = false;
  const stack: AnyNode[] = [...table.children];
  for (let n = stack.pop(); n; n = stack.pop()) {
    if (n.type !== "tag") continue;
    if (n.name === "tr") {
      let cols = 0;
      for (const c of n.children)
        if (c.type === "tag" && (c.name === "td" || c.name === "th"))
          cols += Math.max(Number(c.attribs.colspan) || 1, 1);
      maxCols = Math.max(maxCols, cols);
    }
    if (n.name === "table" && n !== table) return false;
    if (LAYOUT_BLOCKS.has(n.name) && n.name !== "p") blocky = true;
    if (n.name !== "table") for (const c of n.children) stack.push(c);
  }
  return maxCols >= 2 && !blocky;
}

function codeLanguage(el: Element): string | null {
  const cls = `${el.attribs.class ?? ""} ${el.attribs["data-lang"] ? `language-${el.attribs["data-lang"]}` : ""}`;
  const m =
    /(?:^|\s)(?:language|lang|highlight-source|brush:?)-?\s*([\w+#.-]+)/i.exec(cls) ??
    /(?:^|\s)highlight-([\w+#-]+)/.exec(cls);
  return m?.[1]?.toLowerCase() ?? null;
}

function codeText(el: Element): string {
  // <br> inside <pre> is a line break that textContent would lose.
  let s = "";
  const stack: AnyNode[] = [el];
  for (let n = stack.pop(); n; n = stack.pop()) {
    if (n.type === "text") s += n.data;
    else if (n.type === "tag") {
      if (n.name === "br") s += "\n";
      else for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i] as AnyNode);
    }
  }
  return s;
}

/** Builds the turndown tree from a cleaned content root, resolving URLs and bounding depth. */
export function toMarkdownDom(
  root: Element,
  baseUrl: string,
  removed: ElementSet = new Set<Element>(),
  images = true,
): MdNode {
  const out = new MdNode(1, "DIV", "", {});
  const tables: MdNode[] = [];
  /** src " " stands in for a line-breaking element flattened away (see LINE_BREAKING). */
  type Frame = { src: AnyNode | " "; parent: MdNode; depth: number; inTable: boolean };
  const stack: Frame[] = [];
  for (let i = root.children.length - 1; i >= 0; i--)
    stack.push({ src: root.children[i] as AnyNode, parent: out, depth: 1, inTable: false });
  for (let f = stack.pop(); f; f = stack.pop()) {
    const { src, parent, depth } = f;
    if (src === " ") {
      appendText(parent, src);
      continue;
    }
    if (src.type === "text") {
      // Whitespace between table parts would break the GFM table plugin's row checks.
      if (f.inTable && !src.data.trim()) continue;
      appendText(parent, src.data);
      continue;
    }
    if (src.type !== "tag") continue;
    if (NOT_RENDERED.has(src.name) || removed.has(src)) {
      // The parser dropped the layout whitespace after it: keep the words apart.
      if (LINE_BREAKING.has(src.name) && !f.inTable) appendText(parent, " ");
      continue;
    }
    let name = src.name;
    const attribs: Record<string, string> = {};
    const children: AnyNode[] = src.children;
    let inTable = false;
    if (name === "a") {
      const href = resolveUrl(src.attribs.href, baseUrl);
      if (href) attribs.href = href;
      if (src.attribs.title) attribs.title = src.attribs.title;
    } else if (name === "img") {
      if (!images) continue;
      const raw =
        src.attribs.src && !src.attribs.src.startsWith("data:")
          ? src.attribs.src
          : (src.attribs["data-src"] ?? firstSrcsetUrl(src.attribs.srcset ?? src.attribs["data-srcset"]));
      const url = resolveUrl(raw, baseUrl);
      if (!url) continue;
      attribs.src = url;
      if (src.attribs.alt) attribs.alt = src.attribs.alt.trim();
      if (src.attribs.title) attribs.title = src.attribs.title;
    } else if (name === "pre") {
      const pre = new MdNode(1, "PRE", "", {});
      const inner = src.children.find((c): c is Element => c.type === "tag" && c.name === "code");
      const language = codeLanguage(src) ?? (inner ? codeLanguage(inner) : null);
      const code = new MdNode(1, "CODE", "", language ? { class: `language-${language}` } : {});
      code.appendChild(new MdNode(3, "#text", codeText(src).replace(/^\n/, "").replace(/\s+$/, ""), {}));
      pre.appendChild(code);
      parent.appendChild(pre);
      continue;
    } else if (name === "table") {
      if (isDataTable(src)) inTable = true;
      else name = "div";
    } else if (TABLE_PARTS.has(name) || name === "td" || name === "th" || name === "caption") {
      if (f.inTable) {
        inTable = TABLE_PARTS.has(name);
        if (src.attribs.align) attribs.align = src.attribs.align;
      } else name = name === "td" || name === "th" ? "span" : "div";
    } else if (name === "ol" && src.attribs.start) {
      attribs.start = src.attribs.start;
    } else if (name === "code" || name === "input") {
      if (src.attribs.class) attribs.class = src.attribs.class;
      if (src.attribs.type) attribs.type = src.attribs.type;
      if ("checked" in src.attribs) attribs.checked = "";
    }
    if (name === "caption") name = "p";
    if (depth > LIMITS.maxMarkdownDepth || UNWRAPPED_INLINE.has(name)) {
      // Too deep for turndown's recursion, or a bare wrapper: keep the content, drop the element.
      if (LINE_BREAKING.has(name)) stack.push({ src: " ", parent, depth, inTable: f.inTable });
      for (let i = children.length - 1; i >= 0; i--)
        stack.push({ src: children[i] as AnyNode, parent, depth, inTable: f.inTable });
      continue;
    }
    const node = new MdNode(1, name.toUpperCase(), "", attribs);
    parent.appendChild(node);
    if (inTable && name === "table") tables.push(node);
    for (let i = children.length - 1; i >= 0; i--)
      stack.push({ src: children[i] as AnyNode, parent: node, depth: depth + 1, inTable });
  }
  for (const t of tables) ensureHeadingRow(t);
  return out;
}

/**
 * The GFM plugin prints a table only when its first row is a heading row, and otherwise
 * keeps it as HTML, which here means one run of text with no cell boundaries. A data table
 * whose first row holds <td>s gets an empty heading row instead, so every cell stays a cell.
 */
function ensureHeadingRow(table: MdNode): void {
  const rows = table.rows;
  const first = rows[0];
  if (!first || first.parentNode?.nodeName === "THEAD") return;
  if (first.children.length > 0 && first.children.every((c) => c.nodeName === "TH")) return;
  let cols = 0;
  for (const r of rows) cols = Math.max(cols, r.children.length);
  const head = new MdNode(1, "THEAD", "", {});
  const tr = new MdNode(1, "TR", "", {});
  for (let i = 0; i < cols; i++) tr.appendChild(new MdNode(1, "TH", "", {}));
  head.appendChild(tr);
  if (table.firstChild) table.insertBefore(head, table.firstChild);
  else table.appendChild(head);
}

/** Appends text, joined to a text node just before it: fewer nodes for turndown. */
function appendText(parent: MdNode, data: string): void {
  const last = parent.lastChild;
  if (last !== null && last.nodeType === 3) last.data += data;
  else parent.appendChild(new MdNode(3, "#text", data, {}));
}

function firstSrcsetUrl(srcset: string | undefined): string | undefined {
  if (!srcset) return undefined;
  return srcset.trim().split(/\s+/)[0];
}

const NEEDS_COLLAPSE = /[\r\n\t]| {2}/;

function nextInWalk(prev: MdNode | null, current: MdNode): MdNode | null {
  if ((prev && prev.parentNode === current) || current.nodeName === "PRE")
    return current.nextSibling ?? current.parentNode;
  return current.firstChild ?? current.nextSibling ?? current.parentNode;
}

function removeNode(node: MdNode): MdNode | null {
  const next = node.nextSibling ?? node.parentNode;
  node.parentNode?.removeChild(node);
  return next;
}

/** Whether the element ends a line for a reader (block or <br>): a word never runs across it. */
function endsLine(node: MdNode): boolean {
  return TD_BLOCK.has(node.nodeName) || node.nodeName === "BR";
}

/**
 * Words of a converted tree as a reader sees them: its text, code and image alt text.
 * This is what counting the plain text of its Markdown gives (less list numbers and
 * fence languages, which are syntax), without building that text: under half the cost.
 */
export function countContentWords(root: MdNode): number {
  const words = new WordCounter();
  let node: MdNode | null = root.firstChild;
  while (node) {
    if (node.nodeType === 3) words.add(node.data);
    else {
      if (endsLine(node)) words.boundary();
      if (node.nodeName === "IMG") {
        words.add(node.attribs.alt ?? "");
        words.boundary();
      }
      if (node.firstChild) {
        node = node.firstChild;
        continue;
      }
    }
    // Climb out of finished elements; leaving a block is a boundary too.
    while (node !== root && node.nextSibling === null) {
      node = node.parentNode as MdNode;
      if (endsLine(node)) words.boundary();
    }
    node = node === root ? null : node.nextSibling;
  }
  return words.count;
}

/**
 * turndown's collapseWhitespace (from collapse-whitespace), step for step, with set lookups
 * instead of its linear scans of tag-name arrays; htmlToMarkdown runs this and spares
 * turndown its own pass.
 */
export function collapseWhitespace(element: MdNode): void {
  if (!element.firstChild || element.nodeName === "PRE") return;
  let prevText: MdNode | null = null;
  let keepLeadingWs = false;
  let prev: MdNode | null = null;
  let node = nextInWalk(prev, element);
  while (node && node !== element) {
    if (node.nodeType === 3) {
      // Only tabs, line breaks and space runs change: most text has none, and replace()
      // would still copy it for every single space.
      let text = NEEDS_COLLAPSE.test(node.data) ? node.data.replace(/[ \r\n\t]+/g, " ") : node.data;
      if ((!prevText || prevText.data.endsWith(" ")) && !keepLeadingWs && text.charCodeAt(0) === 32)
        text = text.slice(1);
      if (!text) {
        node = removeNode(node);
        continue;
      }
      node.data = text;
      prevText = node;
    } else {
      const name = node.nodeName;
      if (TD_BLOCK.has(name) || name === "BR") {
        if (prevText?.data.endsWith(" ")) prevText.data = prevText.data.slice(0, -1);
        prevText = null;
        keepLeadingWs = false;
      } else if (TD_VOID.has(name) || name === "PRE") {
        prevText = null;
        keepLeadingWs = true;
      } else if (prevText) {
        keepLeadingWs = false;
      }
    }
    const next = nextInWalk(prev, node);
    prev = node;
    node = next;
  }
  if (prevText) {
    if (prevText.data.endsWith(" ")) prevText.data = prevText.data.slice(0, -1);
    if (!prevText.data) removeNode(prevText);
  }
}
