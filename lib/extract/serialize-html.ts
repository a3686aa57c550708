import type { MdNode } from "./markdown-dom";
import { VOID_ELEMENTS } from "./tag-sets";

function escapeText(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** Serialises the cleaned content tree (chrome removed, URLs absolute) back to HTML. */
export function serializeHtml(root: MdNode): string {
  let out = "";
  type Frame = { node: MdNode; close: boolean };
  const stack: Frame[] = [];
  for (let c = root.lastChild; c; c = c.previousSibling) stack.push({ node: c, close: false });
  for (let f = stack.pop(); f; f = stack.pop()) {
    const n = f.node;
    const tag = n.nodeName.toLowerCase();
    if (f.close) {
      out += `</${tag}>`;
      continue;
    }
    if (n.nodeType === 3) {
      out += escapeText(n.data);
      continue;
    }
    out += `<${tag}`;
    for (const [k, v] of Object.entries(n.attribs)) out += ` ${k}="${escapeText(v).replace(/"/g, "&quot;")}"`;
    out += ">";
    if (VOID_ELEMENTS.has(n.nodeName)) continue;
    stack.push({ node: n, close: true });
    for (let c = n.lastChild; c; c = c.previousSibling) stack.push({ node: c, close: false });
  }
  return out;
}
