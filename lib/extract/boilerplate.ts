import type { AnyNode, Element } from "domhandler";
import type { ElementMarks } from "./content-stats";
import { CONTENT_CONTAINERS, LINE_BLOCKS } from "./tag-sets";

/** Lines longer than this are prose, whatever they start with. */
const MAX_LINE = 200;

/** "Photo: NAME / AGENCY", "(Image: AGENCY)", "Image credit: ...", "Credit: ...", "Source: Getty". */
const CREDIT =
  /^[([]?\s*(?:(?:photo|image|picture|illustration|video|foto|photograph)s?(?:\s+(?:credit|courtesy|source|by))?|(?:photo |image )?credits?|courtesy(?:\s+of)?)\s*[:/|]/i;
/** "5 min read", "Reading time: 8 minutes", "Bridgestone Team | 5 min read": article metadata. */
const READING_TIME =
  /^(?:estimated )?reading time:?(?:\s*\d+\s*(?:min(?:ute)?s?)?)?$|(?:^|[|·•]\s*)\d+\s*(?:min(?:ute)?s?|m)\.?\s+read(?:ing time)?$/i;
/** "Advertisement", "Advertisement - Continue Reading Below", "Story continues below advertisement". */
const AD_LABEL =
  /^(?:advertisement|advertising|sponsored(?: content)?)\b[\s.:\-–—]*(?:(?:scroll to )?continue reading(?: below)?|(?:page|story|article) continues below)?\.?$|^(?:story|article|page) continues below(?: advertisement)?$/i;
/** "Image 3 of 5", "3 / 12", "Slide 2 of 9". */
const GALLERY_COUNTER = /^(?:(?:image|photo|picture|slide|item)\s+)?\d{1,3}\s*(?:of|\/)\s*\d{1,3}$/i;
/** "By Jane Doe", "Written by ...", "Posted by ...". */
const BYLINE = /^(?:by|written by|posted by|words by|story by|author:)\s+\p{Lu}\S*(?:\s+\S+){0,5}$/iu;
const BYLINE_CLASS = /byline|\bauthor\b|author-?name|writer/i;
/** "Updated 3 May 2024", "Published: ...", "Last modified ...". */
const DATELINE =
  /^(?:updated|published|posted|last updated|last modified|modified|posted on|published on)\b\s*:?\s*\S/i;
const DATE_ONLY =
  /^(?:(?:mon|tue|wed|thu|fri|sat|sun)\w*,?\s+)?(?:\d{1,2}(?:st|nd|rd|th)?\s+[a-z]{3,9}\.?,?\s+\d{4}|[a-z]{3,9}\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}|\d{4}-\d{2}-\d{2}|\d{1,2}[/.]\d{1,2}[/.]\d{2,4})(?:\s*(?:at\s+)?\d{1,2}[:.]\d{2}\s*(?:am|pm)?(?:\s+[A-Z]{2,4})?)?$/i;
/** "Related: ...", "READ MORE: ...", "See also ...": a teaser for another page. */
const TEASER =
  /^(?:related(?:\s+(?:articles?|posts?|stories|reading|content|topics))?|read more|read also|also read|read next|see also|more from|more on this|recommended(?:\s+reading)?|you (?:may|might) also like|read (?:the )?full (?:review|article|story|post|guide)|continue reading|keep reading|further reading|more stories|related coverage|don't miss|must read)\b\s*[:\-–—]?/i;
/**
 * "Subscribe to our newsletter", "Sign up for ...", comment-policy notes, skip links, "Log in
 * to save this", "Create an account or sign in to comment" and cookie notices.
 */
const HOUSE_NOTE =
  /^(?:sign up|subscribe|join our|get our)\b.{0,120}\b(?:newsletter|inbox|email|updates)|comments? (?:are|is) (?:closed|moderated)|comment policy|community guidelines|leave a (?:comment|reply)|share this (?:article|story|post)|^(?:skip to|jump to) (?:main |the )?(?:content|navigation|main|search|product)|^(?:log|sign) ?in\b.{0,30}\bto (?:add|save|view|see|set|follow|continue|comment|reply|post|answer|access|get|update)\b|^(?:create an account or sign in|you must (?:log|sign) ?in) to\b|\b(?:we|this (?:site|website)) uses? cookies\b|\bcookie (?:policy|settings|preferences|consent)\b.{0,80}$/i;

/**
 * A line that is only a button's label ("Learn more", "Add to cart", "Apply now", "Show
 * more"): it asks the reader to act and says nothing of the page.
 */
const CALL_TO_ACTION =
  /^(?:learn more|read more|find out more|more info|apply now|get started|start now|shop now|shop all|buy now|order now|book now|add to (?:cart|bag|basket|wish ?list)|view (?:full )?details|view all|see (?:more|all|details)|show (?:more|less|all)|load more|loading(?: \w+)?|find a store|contact us|get a quote|request a (?:quote|demo)|download now|try (?:it )?(?:now|free|for free)|ask (?:a )?question)\W*$/i;
/**
 * A forum's prompts to join ("Create an account", "Already have an account? Sign in here.",
 * "Sign up for a new account in our community. It's easy!", "Start asking to get answers").
 */
const ACCOUNT_PROMPT =
  /^(?:create an account|register a new account|sign in now|sign in|log in|register|already have an account\??.{0,30}|don't have an account\??.{0,40}|sign up for a new account\b.{0,60}|start asking to get answers|find the answer to your question by asking\.?)$/i;
/**
 * A poster's counters beside each post ("Posts: 116", "Reaction score: 1,204", "Joined: Mar
 * 2019", "5,374 silver badges 22 bronze badges"): who is talking, not what they say.
 */
const MEMBER_STATS =
  /^(?:(?:posts|messages|reputation|reaction score|points|karma|threads|likes(?: received)?|solutions|joined|member since|registered)\s*:\s*[\w ,.'-]{1,20}|[\d.,k\s]*(?:\d+\s*(?:gold|silver|bronze)\s+badges?\s*)+)$/i;

/** What the lines dropped from the content said, for the metadata it lacks. */
export interface DroppedLines {
  byline: string | null;
  dateline: string | null;
}

/**
 * Marks short lines inside the chosen content that are not the content: photo credits and
 * gallery counters, a caption printed twice, bylines and datelines, teasers for other pages,
 * newsletter and comment-policy notes, short forms, a first heading that repeats the
 * page title, and text printed again in another container. Only short blocks
 * are candidates, never an article, main or section; if the marks would take more than a
 * third of the content's text, none is kept (a page of such lines is a listing, not noise).
 */
export function dropBoilerplate(
  roots: Element[],
  removed: ElementMarks,
  title: string | null,
  isProduct = false,
): DroppedLines {
  const found: { el: Element; len: number; kind: Kind }[] = [];
  const out: DroppedLines = { byline: null, dateline: null };
  const titleKey = title ? key(title) : "";
  let total = 0;
  let headingSeen = false;
  const seen = new Set<string>();
  const printed = new Map<string, Element>();
  const repeats: Element[] = [];
  const stack: AnyNode[] = [];
  for (let i = roots.length - 1; i >= 0; i--) stack.push(roots[i] as Element);
  for (let n = stack.pop(); n; n = stack.pop()) {
    if (n.type === "text") {
      total += n.data.trim().length;
      continue;
    }
    if (n.type !== "tag" || removed.has(n)) continue;
    if (n.name === "figcaption") trimCaptionCredit(n);
    if (LINE_BLOCKS.has(n.name) && !CONTENT_CONTAINERS.has(n.name) && !roots.includes(n)) {
      const text = shortText(n, removed);
      if (text === null && LONG_REPEAT_BLOCKS.has(n.name) && hasTemplateClass(n) && isLeafBlock(n)) {
        // A paragraph printed again by a template (a carousel's slides, a tab's mobile copy)
        // is long too. The copies are told by their markup, the same classes on them and on
        // what holds them: an author who repeats a paragraph does not style it alike.
        const whole = fullText(n, removed);
        const first = printed.get(whole);
        if (first === undefined) printed.set(whole, n);
        else if (first.parent !== n.parent && !within(n, first) && sameTemplate(first, n)) {
          repeats.push(n);
          continue;
        }
      }
      if (text !== null && (text !== "" || n.name === "form")) {
        let kind = classify(n, text, titleKey, headingSeen, isProduct);
        // A caption printed twice (a gallery's more/less toggle, a lightbox copy) reads once.
        if (!kind && n.name === "figcaption") {
          if (seen.has(text)) kind = "credit";
          else seen.add(text);
        }
        // A text block printed again in another container (a carousel's clones, a mobile
        // and a desktop copy of a section) reads once: a repeat never takes the first copy.
        // Repeats side by side are the author's own (a refrain, a list of equal items).
        if (!kind && text.length >= MIN_REPEAT && isLeafBlock(n)) {
          const first = printed.get(text);
          if (first === undefined) printed.set(text, n);
          else if (first.parent !== n.parent && !within(n, first)) {
            repeats.push(n);
            continue;
          }
        }
        if (n.name.length === 2 && n.name[0] === "h") headingSeen = true;
        if (kind) {
          found.push({ el: n, len: text.length, kind });
          total += text.length;
          if (kind === "byline")
            out.byline ??= text.replace(/^(?:by|written by|posted by|words by|story by|author:)\s+/i, "");
          if (kind === "dateline") out.dateline ??= text.replace(DATELINE_LEAD, "");
          continue;
        }
      }
    }
    if (n.name.length === 2 && n.name[0] === "h") headingSeen = true;
    for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i] as AnyNode);
  }
  // An article has one byline, a date or two and one reading time; more of them head the
  // posts of a thread or the items of a listing, where they are content.
  const bylines = found.filter((f) => f.kind === "byline").length;
  const datelines = found.filter((f) => f.kind === "dateline").length;
  const readingTimes = found.filter((f) => f.kind === "readingTime").length;
  const kept = found.filter(
    (f) =>
      !(f.kind === "byline" && bylines > 2) &&
      !(f.kind === "dateline" && datelines > 2) &&
      !(f.kind === "readingTime" && readingTimes > 2),
  );
  for (const el of repeats) removed.add(el);
  let dropped = 0;
  for (const f of kept) dropped += f.len;
  if (dropped > total / 3) return { byline: null, dateline: null };
  for (const f of kept) removed.add(f.el);
  return { byline: bylines > 2 ? null : out.byline, dateline: datelines > 2 ? null : out.dateline };
}

/** "... diner. (Photo Credit: Melissa Zink)", "... the hall. Photo: AP": a credit closing a caption. */
const TRAILING_CREDIT =
  /\s*[([]?\s*(?:(?:photo|image|picture)s?\s*(?:credit|courtesy|by|source)?|credits?|courtesy(?:\s+of)?)\s*:[^()[\]]{1,80}[)\]]?\s*$/i;
/** Blocks a long repeat is looked for in (a wrapper's text is its children's). */
const LONG_REPEAT_BLOCKS = new Set(["p", "li", "dd", "blockquote"]);

/** Cuts a credit off the end of a caption's last text, leaving the caption itself. */
function trimCaptionCredit(caption: Element): void {
  // Children pushed in order pop last first: the first non-blank text seen is the caption's last.
  const stack: AnyNode[] = [caption];
  for (let n = stack.pop(); n; n = stack.pop()) {
    if (n.type === "tag") for (const c of n.children) stack.push(c);
    else if (n.type === "text" && n.data.trim()) {
      const m = TRAILING_CREDIT.exec(n.data);
      // A caption that is only a credit is the line classifier's (CREDIT): keep what precedes.
      if (m && n.data.slice(0, m.index).trim()) n.data = n.data.slice(0, m.index);
      return;
    }
  }
}

/** Whether a block or its parent has a class: a template's copies need one (see sameTemplate). */
function hasTemplateClass(el: Element): boolean {
  return !!el.attribs.class || (el.parent?.type === "tag" && !!el.parent.attribs.class);
}

/** Whether two blocks come from one template: the same tag and classes, on them and their parents, some class set. */
function sameTemplate(a: Element, b: Element): boolean {
  const pa = a.parent?.type === "tag" ? a.parent : null;
  const pb = b.parent?.type === "tag" ? b.parent : null;
  if (!pa || !pb || a.name !== b.name || pa.name !== pb.name) return false;
  const ca = a.attribs.class ?? "";
  const cp = pa.attribs.class ?? "";
  return ca === (b.attribs.class ?? "") && cp === (pb.attribs.class ?? "") && (ca !== "" || cp !== "");
}

/** The element's visible text, whitespace collapsed, however long. */
function fullText(el: Element, removed: ElementMarks): string {
  let s = "";
  const stack: AnyNode[] = [el];
  for (let n = stack.pop(); n; n = stack.pop()) {
    if (n.type === "text") s += n.data;
    else if (n.type === "tag" && !removed.has(n)) {
      for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i] as AnyNode);
      if (n !== el && n.name !== "br") s += " ";
    }
  }
  return s.replace(/\s+/g, " ").trim();
}

/** Blocks shorter than this may repeat as content ("Add to cart", a price, "Reply"). */
const MIN_REPEAT = 25;

/** Whether el lies inside ancestor (a wrapper and its only paragraph share their text). */
function within(el: Element, ancestor: Element): boolean {
  for (let p = el.parent; p; p = p.parent) if (p === ancestor) return true;
  return false;
}

/** A block with no block inside: a paragraph, heading or list item, not a wrapper of them. */
function isLeafBlock(el: Element): boolean {
  for (const c of el.children) if (c.type === "tag" && LINE_BLOCKS.has(c.name)) return false;
  return true;
}

const DATELINE_LEAD =
  /^(?:updated|published|posted|last updated|last modified|modified|posted on|published on)\b\s*:?\s*/i;

type Kind = "credit" | "byline" | "dateline" | "readingTime" | "teaser" | "note" | "title";

function classify(el: Element, text: string, titleKey: string, headingSeen: boolean, isProduct: boolean): Kind | null {
  // A short form is a search box, a newsletter sign-up or a login; long ones wrap whole
  // pages (ASP.NET) or a thread's posts (forum software), and stay.
  if (el.name === "form") return "note";
  if (CREDIT.test(text)) return "credit";
  if (GALLERY_COUNTER.test(text)) return "credit";
  if (text.length < 100) {
    if (BYLINE.test(text)) return "byline";
    const cls = `${el.attribs.class ?? ""} ${el.attribs.id ?? ""} ${el.attribs.rel ?? ""}`;
    if (BYLINE_CLASS.test(cls) && !/^h\d$/.test(el.name)) return "byline";
  }
  if (text.length < 80 && (DATELINE.test(text) || DATE_ONLY.test(text))) return "dateline";
  if (text.length < 80 && READING_TIME.test(text)) return "readingTime";
  if (text.length < 80 && AD_LABEL.test(text)) return "note";
  if (text.length < 40 && CALL_TO_ACTION.test(text)) return "note";
  if (text.length < 100 && (ACCOUNT_PROMPT.test(text) || MEMBER_STATS.test(text))) return "note";
  if (TEASER.test(text) && hasLink(el)) return "teaser";
  if (HOUSE_NOTE.test(text)) return "note";
  if (!headingSeen && titleKey && /^h[1-4]$/.test(el.name) && repeatsTitle(key(text), titleKey, isProduct))
    return "title";
  return null;
}

/** Headings shorter than this (letters and digits) must equal the title: "Overview" may start one. */
const MIN_TITLE_PART = 15;

/**
 * Whether a heading is the page's title: the same words, or the title less a site name
 * before or after it ("What is Cloud Computing? | Google Cloud"). A product's name heads its
 * page as content, so there only the same words count.
 */
function repeatsTitle(heading: string, title: string, isProduct: boolean): boolean {
  if (heading === title) return true;
  return !isProduct && heading.length >= MIN_TITLE_PART && (title.startsWith(heading) || title.endsWith(heading));
}

/** Lower-cased letters and digits only, for comparing a heading with the title. */
function key(s: string): string {
  return s.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, "");
}

function hasLink(el: Element): boolean {
  const stack: AnyNode[] = [...el.children];
  for (let n = stack.pop(); n; n = stack.pop()) {
    if (n.type !== "tag") continue;
    if (n.name === "a") return true;
    for (const c of n.children) stack.push(c);
  }
  return false;
}

/** The element's visible text, whitespace collapsed ("" when it has none), or null past MAX_LINE characters. */
function shortText(el: Element, removed: ElementMarks): string | null {
  let s = "";
  const stack: AnyNode[] = [el];
  for (let n = stack.pop(); n; n = stack.pop()) {
    if (n.type === "text") {
      s += n.data;
      if (s.length > MAX_LINE * 3 && s.replace(/\s+/g, " ").trim().length > MAX_LINE) return null;
    } else if (n.type === "tag" && !removed.has(n)) {
      if (CONTENT_CONTAINERS.has(n.name)) return null;
      for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i] as AnyNode);
      if (n !== el && n.name !== "br") s += " ";
    }
  }
  const t = s.replace(/\s+/g, " ").trim();
  return t.length <= MAX_LINE ? t : null;
}
