import TurndownService from "turndown";
import { tables, taskListItems } from "turndown-plugin-gfm";
import { collapseWhitespace, type MdNode } from "./markdown-dom";
import { KEEPS_CHILDREN, MOVABLE_BLOCKS } from "./tag-sets";

type Rule = TurndownService.Rule;
type TNode = TurndownService.Node;

function attr(node: TNode, name: string): string {
  return (node as unknown as MdNode).getAttribute(name) ?? "";
}

const linkRule: Rule = {
  filter: (node) => node.nodeName === "A" && attr(node, "href") !== "",
  replacement: (content, node) => {
    const text = content.trim();
    // A link with no text is invisible to a reader and noise to a model.
    if (!text) return "";
    const href = attr(node, "href")
      .replace(/([()])/g, "\\$1")
      .replace(/ /g, "%20");
    const title = attr(node, "title").replace(/"/g, '\\"').replace(/\s+/g, " ").trim();
    const lead = /^\s/.test(content) ? " " : "";
    const trail = /\s$/.test(content) ? " " : "";
    return `${lead}[${text}](${href}${title ? ` "${title}"` : ""})${trail}`;
  },
};

const headingRule: Rule = {
  filter: ["h1", "h2", "h3", "h4", "h5", "h6"],
  replacement: (content, node) => {
    const level = Number(node.nodeName.charAt(1));
    const text = content.replace(/\s+/g, " ").trim();
    return text ? `\n\n${"#".repeat(level)} ${text}\n\n` : "";
  },
};

const strikeRule: Rule = {
  filter: ["del", "s", "strike"] as TurndownService.Filter,
  replacement: (content) => (content.trim() ? `~~${content}~~` : ""),
};

const figcaptionRule: Rule = {
  filter: "figcaption",
  replacement: (content) => (content.trim() ? `\n\n${content.trim()}\n\n` : ""),
};

/**
 * turndown's own escape runs 13 regexes over every text node; this does the same escapes
 * with one regex for the characters that matter anywhere and a check of the first character,
 * plus two turndown misses: "15) " and a bare "1." start a list too, and "<Word" reads as
 * an HTML tag that a Markdown renderer would swallow.
 */
export function escapeMarkdown(text: string): string {
  let s = text.replace(/[\\*_`[\]]/g, "\\$&");
  if (s.includes("<")) s = s.replace(/<(?=[A-Za-z/!?])/g, "\\<");
  const c = s.charCodeAt(0);
  // - + = # > ~ and digits are only special at the start of a line.
  if (c === 45 || c === 43 || c === 61 || c === 35 || c === 62 || c === 126 || (c >= 48 && c <= 57)) {
    s = s
      .replace(/^-/, "\\-")
      .replace(/^\+ /, "\\+ ")
      .replace(/^(=+)/, "\\$1")
      .replace(/^(#{1,6}) /, "\\$1 ")
      .replace(/^~~~/, "\\~~~")
      .replace(/^>/, "\\>")
      .replace(/^(\d+)([.)])(?=\s|$)/, "$1\\$2");
  }
  return s;
}

// The GFM plugin's cell rule leaves "|" and line breaks in cells, which split the row.
const cellRule: Rule = {
  filter: ["th", "td"],
  replacement: (content, node) => {
    const first = node.previousSibling === null;
    const text = content
      .replace(/\s*\n\s*/g, " ")
      .replace(/\|/g, "\\|")
      .trim();
    return `${first ? "| " : " "}${text} |`;
  },
};

let service: TurndownService | null = null;

function turndownService(): TurndownService {
  if (service) return service;
  const s = new TurndownService({
    headingStyle: "atx",
    codeBlockStyle: "fenced",
    bulletListMarker: "-",
    emDelimiter: "_",
    strongDelimiter: "**",
    hr: "---",
    linkStyle: "inlined",
  });
  s.escape = escapeMarkdown;
  s.use([tables, taskListItems]);
  s.addRule("trawlLink", linkRule);
  s.addRule("trawlHeading", headingRule);
  s.addRule("trawlStrike", strikeRule);
  s.addRule("trawlFigcaption", figcaptionRule);
  s.addRule("trawlCell", cellRule);
  indexRules(s);
  service = s;
  return s;
}

interface RulesInternals {
  array: Rule[];
  _keep: Rule[];
  _remove: Rule[];
  blankRule: Rule;
  defaultRule: Rule;
  options: TurndownService.Options;
  forNode(node: TNode): Rule;
}

/**
 * turndown picks a node's rule by testing every rule in order, lower-casing the tag name
 * for each; this tests, in the same order, only the rules whose tag-name filter can match
 * (function filters always stay in), cached per tag name. Same rule chosen, fewer tests.
 */
function indexRules(s: TurndownService): void {
  const rules = (s as unknown as { rules: RulesInternals }).rules;
  const byName = new Map<string, Rule[]>();
  rules.forNode = function (this: RulesInternals, node: TNode): Rule {
    if ((node as { isBlank?: boolean }).isBlank) return this.blankRule;
    let list = byName.get(node.nodeName);
    if (!list) {
      const lower = node.nodeName.toLowerCase();
      list = [...this.array, ...this._keep, ...this._remove].filter((r) => {
        const f = r.filter;
        return typeof f === "function" || (typeof f === "string" ? f === lower : (f as string[]).includes(lower));
      });
      byName.set(node.nodeName, list);
    }
    for (const r of list) {
      const f = r.filter;
      if (
        typeof f !== "function" ||
        (f as (n: TNode, o: TurndownService.Options) => boolean).call(r, node, this.options)
      )
        return r;
    }
    return this.defaultRule;
  };
}

/**
 * Converts a prepared content tree to Markdown with GFM tables, strikethrough and fenced code.
 * Whitespace is collapsed here (same algorithm, faster), and turndown is shown the root as
 * a PRE, the one case in which it skips its own collapsing pass; it only ever converts the
 * root's children, which toMarkdownDom makes block wrappers, so the name has no other effect.
 */
export function htmlToMarkdown(root: MdNode, unwrapBlocks = true): string {
  collapseWhitespace(root);
  if (unwrapBlocks) unwrapBlockDivs(root);
  const name = root.nodeName;
  root.nodeName = "PRE";
  try {
    return tidyMarkdown(turndownService().turndown(root as unknown as TNode));
  } finally {
    root.nodeName = name;
  }
}

/**
 * Replaces each DIV that holds only movable blocks (after whitespace collapsing) by its
 * children. turndown renders such a DIV as "\n\n" + blocks + "\n\n", and its join caps
 * newline runs at two, so the Markdown is the same with one node fewer to convert (and no
 * flanking or blank checks for it). Empty DIVs stay: they render as a paragraph break.
 */
function unwrapBlockDivs(node: MdNode): void {
  for (let c = node.firstChild; c; ) {
    const next = c.nextSibling;
    if (c.nodeType === 1 && c.nodeName !== "PRE") {
      unwrapBlockDivs(c);
      if (c.nodeName === "DIV" && c.firstChild && !KEEPS_CHILDREN.has(node.nodeName) && onlyMovableBlocks(c)) {
        for (let k: MdNode | null = c.firstChild; k; ) {
          const after: MdNode | null = k.nextSibling;
          c.removeChild(k);
          if (k.nodeType === 1) node.insertBefore(k, c);
          k = after;
        }
        node.removeChild(c);
      }
    }
    c = next;
  }
}

function onlyMovableBlocks(div: MdNode): boolean {
  for (let k = div.firstChild; k; k = k.nextSibling) {
    if (k.nodeType === 3 ? k.data !== "" : !MOVABLE_BLOCKS.has(k.nodeName)) return false;
  }
  return true;
}

/** Whitespace other than line breaks, spaces and tabs: what a line may still hold once trimLineEnds ran. */
const OTHER_SPACE = /[^\S\n \t]/;

/**
 * /[ \t]+$/gm -> "": the regex tries a match at every space between words; this looks
 * only at line ends and copies only around the lines it shortens.
 */
function trimLineEnds(s: string): string {
  let out = "";
  let kept = 0;
  for (let nl = s.indexOf("\n"); ; nl = s.indexOf("\n", nl + 1)) {
    const end = nl < 0 ? s.length : nl;
    let e = end;
    while (e > kept && (s.charCodeAt(e - 1) === 32 || s.charCodeAt(e - 1) === 9)) e--;
    if (e < end) {
      out += s.slice(kept, e);
      kept = end;
    }
    if (nl < 0) break;
  }
  return kept === 0 ? s : out + s.slice(kept);
}

/** Collapses blank runs and trailing spaces outside fenced code, and drops stray entities. */
export function tidyMarkdown(md: string): string {
  let s = md.includes("\r") ? md.replace(/\r\n?/g, "\n") : md;
  if (s.includes("\u00a0")) s = s.replace(/\u00a0/g, " ");
  // Without fences every line is tidied alike, so whole-string rewrites do the line loop's
  // work. (Multiline ^ and $ also match at U+2028/2029, which split() does not split on.)
  if (!s.includes("```") && !s.includes("~~~") && !s.includes("\u2028") && !s.includes("\u2029")) {
    s = trimLineEnds(s);
    if (OTHER_SPACE.test(s)) s = s.replace(/^[^\S\n]+$/gm, "");
    if (s.includes("\n\n\n")) s = s.replace(/\n{3,}/g, "\n\n");
    return s.trim();
  }
  const lines = s.split("\n");
  const out: string[] = [];
  let inFence = false;
  let blank = 0;
  for (const raw of lines) {
    if (/^\s*(```|~~~)/.test(raw)) inFence = !inFence;
    const line = inFence ? raw : raw.replace(/[ \t]+$/, "");
    if (!inFence && line.trim() === "") {
      blank++;
      if (blank > 1) continue;
      out.push("");
      continue;
    }
    blank = 0;
    out.push(line);
  }
  return out.join("\n").trim();
}
