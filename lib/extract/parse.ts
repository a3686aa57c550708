import type { Document, Element, ParentNode } from "domhandler";
import { DomHandler, Parser, Tokenizer } from "htmlparser2";
import { LIMITS } from "./limits";
import { MetadataCollector, type PageMetadata } from "./metadata";
import { HIDDEN_CLASS } from "./patterns";
import { STREAM_PART, STREAM_SLOT, spliceStreamedParts } from "./streamed";
import {
  HEAD_CONTENT,
  LINE_BREAKING,
  METADATA_TAGS,
  NEVER_CONTENT,
  NEVER_REVEALED,
  UNREAD_BY_METADATA,
} from "./tag-sets";

/** Only the whitespace turndown collapses (spaces, tabs, line breaks; not U+00A0 or form feeds). */
function isLayoutWhitespace(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c !== 32 && c !== 10 && c !== 9 && c !== 13) return false;
  }
  return true;
}

/** Thrown inside the parser callbacks to stop a page that exceeds a bound. */
class StopParsing extends Error {}

/**
 * Hidden by attribute, inline style or a utility class that means display:none (the
 * stylesheet is not read, but "hidden" or "d-none" mean the same on every site): a reader
 * never sees it, so neither does the extractor. It holds a product's raw data, a desktop
 * copy of the mobile menu, a filter panel. <html> and <body> are exempt: pages hide them
 * until a script has run.
 */
function isHidden(name: string, attribs: Record<string, string>): boolean {
  if (name === "body" || name === "html") return false;
  if ("hidden" in attribs || attribs["aria-hidden"] === "true") return !isFoldedPanel(attribs);
  if (attribs.class !== undefined && HIDDEN_CLASS.test(attribs.class)) return !isFoldedPanel(attribs);
  const style = attribs.style;
  return (
    style !== undefined && /(?:display\s*:\s*none|visibility\s*:\s*hidden)/i.test(style) && !isFoldedPanel(attribs)
  );
}

/**
 * A collapsed accordion panel or a tab not yet chosen (a region labelled by its trigger, a
 * tabpanel): hidden until a click, but the page's own text, which a reader opens; FAQ
 * answers and service details live there.
 */
const FOLDED_CLASS = /accordion|collaps|faq|tab-?pane|tab-?content|answer/i;

const OVERLAY_CLASS = /modal|popup|pop-up|dialog|overlay|drawer|cookie|consent|newsletter|menu/i;

function isFoldedPanel(attribs: Record<string, string>): boolean {
  // A closed dialog (a cookie banner, a newsletter pop-up) is labelled by its title too.
  if (attribs.role === "dialog" || attribs.role === "alertdialog") return false;
  if (attribs.class !== undefined && OVERLAY_CLASS.test(attribs.class)) return false;
  return (
    attribs["aria-labelledby"] !== undefined ||
    attribs.role === "tabpanel" ||
    attribs.role === "region" ||
    (attribs.class !== undefined && FOLDED_CLASS.test(attribs.class))
  );
}

/**
 * The attributes any pass reads (metadata, cleaning, scoring, Markdown). When no caller
 * selector could name another one, the rest (data-*, on*, aria-*, srcset variants...) are
 * not stored: fewer, smaller attribute objects that stay in V8's fast mode.
 */
const KEPT_ATTRIBUTES = new Set([
  "class",
  "id",
  "href",
  "src",
  "srcset",
  "data-src",
  "data-srcset",
  "alt",
  "title",
  "rel",
  "type",
  "lang",
  "xml:lang",
  "content",
  "name",
  "property",
  "itemprop",
  "itemscope",
  "itemtype",
  "http-equiv",
  "charset",
  "role",
  "style",
  "hidden",
  "aria-hidden",
  "aria-labelledby",
  "checked",
  "colspan",
  "align",
  "start",
  "data-lang",
  "datatable",
  "summary",
]);

/** schema.org types of one post of a thread: the question, its answers, the replies. */
const POST_TYPE = /schema\.org\/(?:DiscussionForumPosting|Comment|Answer|Question)$/i;

/** A link to a script file (a preload or modulepreload of the page's code). */
const SCRIPT_HREF = /\.m?js(?:$|[?#])/;

/** htmlparser2 members that its typings mark private or internal. */
interface ParserInternals {
  tagname: string;
  openTagStart: number;
  attribname: string;
  attribvalue: string;
  emitOpenTag(name: string): void;
  onattribend(quote: number, endIndex: number): void;
  onattribdata(start: number, endIndex: number): void;
  onattribentity(cp: number): void;
  isVoidElement(name: string): boolean;
  readTagName(start: number, endIndex: number): string;
}
const base = Parser.prototype as unknown as ParserInternals;

/**
 * A DomHandler that counts depth and elements, stops the parse at the element and work
 * bounds keeping what was built so far, feeds the metadata collector, and does not build
 * non-content subtrees (NEVER_CONTENT, hidden elements) or comments at all.
 */
class BoundedHandler extends DomHandler {
  /** Set to also build hidden elements and <noscript>/<template> content (see parseHtml). */
  reveal = false;
  depth = 0;
  elements = 0;
  truncated = false;
  work = 0;
  readonly metadata = new MetadataCollector();
  /** Depth inside a subtree that is not built; 0 when building. */
  private skip = 0;
  /** Depth inside a subtree the collector does not read either (always inside a skipped one). */
  private blind = 0;
  /** Open <pre> elements: whitespace inside them is content. */
  private pre = 0;
  /** Depth of the open <head> while it is being skipped; 0 when none is. */
  private head = 0;
  /** Set when content ended an unclosed <head> early: its close tag then closes nothing built. */
  private headLeft = false;
  /**
   * <script> elements and preloaded script files seen (a saved page may have lost its
   * scripts but not their preloads): a page that runs none cannot need rendering.
   */
  scripts = 0;
  /** Elements that say they are one post of a discussion (schema.org microdata), in document order. */
  readonly posts: Element[] = [];
  /** React's streamed parts and their placeholders (see streamed.ts). */
  readonly streamSlots = new Map<string, Element>();
  readonly streamParts: Element[] = [];

  override onopentag(name: string, attribs: Record<string, string>): void {
    this.depth++;
    this.elements++;
    this.work += this.depth;
    if (this.depth > LIMITS.maxParseDepth || this.elements > LIMITS.maxElements || this.work > LIMITS.maxParserWork)
      this.stop();
    if (this.blind === 0) {
      if (METADATA_TAGS.has(name)) this.metadata.open(name, attribs, this.depth);
      if (attribs.itemprop !== undefined || attribs.itemscope !== undefined)
        this.metadata.microdata(attribs, this.depth);
    }
    if (name === "script" || (name === "link" && SCRIPT_HREF.test(attribs.href ?? ""))) this.scripts++;
    if (this.skip === 1 && this.head > 0 && this.head === this.depth - 1 && !HEAD_CONTENT.has(name)) this.leaveHead();
    if (this.skip === 0 && !this.reveal && attribs.id !== undefined && this.streamed(name, attribs)) return;
    if (
      this.skip === 0 &&
      (this.reveal ? !NEVER_REVEALED.has(name) : !NEVER_CONTENT.has(name) && !isHidden(name, attribs))
    ) {
      if (name === "pre") this.pre++;
      // Revealed wrappers become plain blocks, so every later pass treats them as content.
      super.onopentag(name === "noscript" || name === "template" ? "div" : name, attribs);
      if (attribs.itemtype !== undefined && POST_TYPE.test(attribs.itemtype))
        this.posts.push(this.tagStack[this.tagStack.length - 1] as Element);
    } else this.skipElement(name);
  }

  /** Builds a streamed part or its placeholder (see streamed.ts); false for any other element. */
  private streamed(name: string, attribs: Record<string, string>): boolean {
    const id = attribs.id as string;
    if (name === "template" && STREAM_SLOT.test(id)) {
      super.onopentag("div", attribs);
      if (!this.streamSlots.has(id)) this.streamSlots.set(id, this.tagStack[this.tagStack.length - 1] as Element);
      return true;
    }
    if (name === "div" && "hidden" in attribs && STREAM_PART.test(id)) {
      super.onopentag("div", attribs);
      this.streamParts.push(this.tagStack[this.tagStack.length - 1] as Element);
      return true;
    }
    return false;
  }

  private stop(): never {
    this.truncated = true;
    throw new StopParsing("page exceeds parse bounds");
  }

  /**
   * Content in a <head> that was never closed (no </head>, no <body>): a browser ends the
   * head there and starts the body, so the content is built from here on, not skipped.
   */
  private leaveHead(): void {
    this.skip = 0;
    this.headLeft = true;
  }

  /** Opens an element that is not built: the root of a skipped subtree, or inside one. */
  private skipElement(name: string): void {
    if (name === "head" && this.skip === 0) this.head = this.depth;
    if (this.blind > 0) this.blind++;
    else if (UNREAD_BY_METADATA.has(name) && this.metadata.capture?.depth !== this.depth) this.blind = 1;
    // Text on either side stays two nodes, as it would after removing the element.
    if (this.skip === 0) this.lastNode = null;
    this.skip++;
  }

  override onclosetag(): void {
    if (this.depth === this.head) {
      this.head = 0;
      if (this.headLeft) {
        this.headLeft = false;
        this.depth--;
        return;
      }
    }
    if (this.blind > 0) {
      this.blind--;
      this.skip--;
    } else {
      if (this.metadata.capture || this.metadata.inProduct) this.metadata.close(this.depth);
      if (this.skip > 0) this.skip--;
      else {
        if (this.pre > 0 && (this.tagStack[this.tagStack.length - 1] as Element).name === "pre") this.pre--;
        super.onclosetag();
      }
    }
    this.depth--;
  }

  override ontext(data: string): void {
    if (this.blind > 0) return;
    if (this.metadata.capture) this.metadata.text(data);
    if (this.skip === 1 && this.head > 0 && this.head === this.depth && !isLayoutWhitespace(data)) this.leaveHead();
    if (this.skip > 0) return;
    // Indentation between blocks: a quarter of a pretty-printed page's nodes, none of its text.
    if (this.lastNode === null && this.pre === 0 && isLayoutWhitespace(data) && this.atLineStart()) return;
    super.ontext(data);
  }

  /** True when the next text starts a line: first in a line-breaking element, or after one. */
  private atLineStart(): boolean {
    const parent = this.tagStack[this.tagStack.length - 1] as ParentNode;
    const prev = parent.children[parent.children.length - 1];
    if (prev) return prev.type === "tag" && LINE_BREAKING.has(prev.name);
    return parent.type !== "tag" || LINE_BREAKING.has(parent.name);
  }

  override oncomment(): void {
    this.lastNode = null;
  }

  override oncommentend(): void {
    this.lastNode = null;
  }

  /** Doctypes and processing instructions carry nothing the extractor reads. */
  override onprocessinginstruction(): void {}
}

/**
 * A parser that charges each close tag the stack scan htmlparser2 performs for it, and
 * flattens nesting beyond maxParseDepth: deeper open tags are ignored (with their close
 * tags), so their content lands in the element at the cap instead of being lost.
 * htmlparser2 keeps its open-element stack in an array it unshifts, so letting it grow
 * would cost O(depth) per tag.
 */
class BoundedParser extends Parser {
  /** Open tags ignored beyond the depth cap whose close tags are still to come. */
  private ignored = 0;

  constructor(
    private readonly bounded: BoundedHandler,
    options: ConstructorParameters<typeof Parser>[1],
    private readonly filterAttributes: boolean,
  ) {
    super(bounded, options);
  }

  override onclosetag(start: number, endIndex: number): void {
    if (this.ignored > 0) {
      this.ignored--;
      this.endIndex = endIndex;
      this.startIndex = endIndex + 1;
      return;
    }
    // A browser keeps building content after a premature </body> or </html> into the body:
    // closing them here would leave the rest of the page outside it.
    if (endIndex - start === 4 && this.bounded.depth > 0) {
      const name = (this as unknown as ParserInternals).readTagName(start, endIndex);
      if (name === "body" || name === "html") {
        this.endIndex = endIndex;
        this.startIndex = endIndex + 1;
        return;
      }
    }
    this.bounded.work += this.bounded.depth + 1;
    if (this.bounded.work > LIMITS.maxParserWork) {
      this.bounded.truncated = true;
      throw new StopParsing("page exceeds parser work budget");
    }
    super.onclosetag(start, endIndex);
  }

  /** Values of attributes that will not be kept are not sliced and concatenated at all. */
  onattribdata(start: number, endIndex: number): void {
    const self = this as unknown as ParserInternals;
    if (this.filterAttributes && !KEPT_ATTRIBUTES.has(self.attribname)) return;
    base.onattribdata.call(this, start, endIndex);
  }

  onattribentity(cp: number): void {
    const self = this as unknown as ParserInternals;
    if (this.filterAttributes && !KEPT_ATTRIBUTES.has(self.attribname)) return;
    base.onattribentity.call(this, cp);
  }

  onattribend(quote: number, endIndex: number): void {
    const self = this as unknown as ParserInternals;
    if (this.filterAttributes && !KEPT_ATTRIBUTES.has(self.attribname)) {
      this.endIndex = endIndex;
      self.attribvalue = "";
      return;
    }
    base.onattribend.call(this, quote, endIndex);
  }

  /** Replaces htmlparser2's private emitOpenTag (installed below: its typings hide it). */
  flattenOrEmit(name: string): void {
    const self = this as unknown as ParserInternals;
    if (this.bounded.depth >= LIMITS.maxParseDepth && !self.isVoidElement(name)) {
      // As htmlparser2 does for a nested <form>: an empty tagname makes the tag a no-op.
      // The text stays, the structure below the cap does not: the record says truncated.
      this.bounded.truncated = true;
      this.ignored++;
      self.openTagStart = this.startIndex;
      self.tagname = "";
      return;
    }
    base.emitOpenTag.call(this, name);
  }
}
(BoundedParser.prototype as unknown as ParserInternals).emitOpenTag = BoundedParser.prototype.flattenOrEmit;

/** htmlparser2 Tokenizer members that its typings mark private. */
interface TokenizerInternals {
  buffer: string;
  index: number;
  offset: number;
  decodeEntities: boolean;
  stateText(c: number): void;
  stateInAttributeValueDoubleQuotes(c: number): void;
  stateInAttributeValueSingleQuotes(c: number): void;
  stateInTagName(c: number): void;
  stateInClosingTagName(c: number): void;
  stateInAttributeName(c: number): void;
  fastForwardTo(c: number): boolean;
  stateCDATASequence(c: number): void;
  state: number;
  sequenceIndex: number;
  xmlMode: boolean;
  cbs: { isInForeignContext?(): boolean };
}

const LT = 0x3c;
const AMP = 0x26;
const DQ = 0x22;
const SQ = 0x27;

/**
 * htmlparser2's tokenizer, with its character-at-a-time waits turned into tight scans:
 * in text and quoted attribute values it dispatches a state call per character even when
 * only "<", "&" or the quote can change anything, and fastForwardTo (script and style
 * bodies, comments) steps with charCodeAt. These skip straight to the next character that
 * matters; the tokens and callbacks are exactly the same.
 */
export class ScanningTokenizer extends Tokenizer {
  /** The buffer the positions below were found in. */
  scanned: string | null = null;
  /** Next position of "<", "&", '"' and "'" at or after where it was last asked for (length: none). */
  readonly next = [-1, -1, -1, -1];
}
const tokenizerBase = Tokenizer.prototype as unknown as TokenizerInternals;
const scanning = ScanningTokenizer.prototype as unknown as TokenizerInternals;
type Scanning = TokenizerInternals & Pick<ScanningTokenizer, "scanned" | "next">;

const STOP_CHARS = ["<", "&", '"', "'"];
const I_LT = 0;
const I_AMP = 1;
const I_DQ = 2;
const I_SQ = 3;

/**
 * Position of the next stop character of kind k at or after from (buffer length if none).
 * indexOf scans at memchr speed, and each kind's answer is kept until the scan passes it,
 * so the buffer is searched about once per kind overall.
 */
function nextStop(t: Scanning, k: number, from: number): number {
  const buf = t.buffer;
  if (t.scanned !== buf) {
    t.scanned = buf;
    t.next.fill(-1);
  }
  let at = t.next[k] as number;
  if (at < from) {
    at = buf.indexOf(STOP_CHARS[k] as string, from);
    if (at < 0) at = buf.length;
    t.next[k] = at;
  }
  return at;
}

/** Index of the first of two stop kinds at or after from, or the buffer length. */
function scanTo(t: Scanning, from: number, a: number, b: number): number {
  return Math.min(nextStop(t, a, from), nextStop(t, b, from));
}

scanning.stateText = function (this: Scanning, c: number): void {
  if (c === LT || c === AMP || !this.decodeEntities) {
    tokenizerBase.stateText.call(this, c);
    return;
  }
  // The parse loop advances past index: land on the character before the next stop.
  this.index = scanTo(this, this.index - this.offset + 1, I_LT, I_AMP) - 1 + this.offset;
};
scanning.stateInAttributeValueDoubleQuotes = function (this: Scanning, c: number): void {
  if (c === DQ || c === AMP || !this.decodeEntities) {
    tokenizerBase.stateInAttributeValueDoubleQuotes.call(this, c);
    return;
  }
  this.index = scanTo(this, this.index - this.offset + 1, I_DQ, I_AMP) - 1 + this.offset;
};
scanning.stateInAttributeValueSingleQuotes = function (this: Scanning, c: number): void {
  if (c === SQ || c === AMP || !this.decodeEntities) {
    tokenizerBase.stateInAttributeValueSingleQuotes.call(this, c);
    return;
  }
  this.index = scanTo(this, this.index - this.offset + 1, I_SQ, I_AMP) - 1 + this.offset;
};

/** Characters that end a tag name (whitespace, "/", ">"), and an attribute name ("=" too). */
const TAG_NAME_END = new Uint8Array(128);
for (const c of [9, 10, 12, 13, 32, 0x2f, 0x3e]) TAG_NAME_END[c] = 1;
const ATTRIBUTE_NAME_END = TAG_NAME_END.slice();
ATTRIBUTE_NAME_END[0x3d] = 1;

/** Index of the first character at or after from that ends a name, or the buffer length. */
function nameEnd(buf: string, from: number, ends: Uint8Array): number {
  let i = from;
  for (const len = buf.length; i < len; i++) {
    const c = buf.charCodeAt(i);
    if (c < 128 && ends[c] === 1) break;
  }
  return i;
}

// Names: one tight loop instead of a trip round the parse loop per character.
scanning.stateInTagName = function (this: TokenizerInternals, c: number): void {
  if (c < 128 && TAG_NAME_END[c] === 1) tokenizerBase.stateInTagName.call(this, c);
  else this.index = nameEnd(this.buffer, this.index - this.offset + 1, TAG_NAME_END) - 1 + this.offset;
};
scanning.stateInClosingTagName = function (this: TokenizerInternals, c: number): void {
  if (c < 128 && TAG_NAME_END[c] === 1) tokenizerBase.stateInClosingTagName.call(this, c);
  else this.index = nameEnd(this.buffer, this.index - this.offset + 1, TAG_NAME_END) - 1 + this.offset;
};
scanning.stateInAttributeName = function (this: TokenizerInternals, c: number): void {
  if (c < 128 && ATTRIBUTE_NAME_END[c] === 1) tokenizerBase.stateInAttributeName.call(this, c);
  else this.index = nameEnd(this.buffer, this.index - this.offset + 1, ATTRIBUTE_NAME_END) - 1 + this.offset;
};

const CHARS: string[] = [];
scanning.fastForwardTo = function (this: TokenizerInternals, c: number): boolean {
  let ch = CHARS[c];
  if (ch === undefined) {
    ch = String.fromCharCode(c);
    CHARS[c] = ch;
  }
  const i = this.buffer.indexOf(ch, this.index - this.offset + 1);
  if (i >= 0) {
    this.index = i + this.offset;
    return true;
  }
  // As the original: the parse loop's increment then ends the buffer.
  this.index = this.buffer.length + this.offset - 1;
  return false;
};

/** htmlparser2's State.InSpecialComment: a bogus comment, ended by the next ">". */
const IN_BOGUS_COMMENT = 21;
/** Index of the last character of "CDATA[" after "<![". */
const CDATA_LAST = 5;

/**
 * The scanning tokenizer, reading <![CDATA[ as a browser does in HTML content: a bogus
 * comment that the next ">" ends. htmlparser2 reads on to "]]>", so a stray CDATA opener
 * (forum templates print one) swallowed the rest of the page. Kept apart from
 * ScanningTokenizer, whose events must stay exactly htmlparser2's (tokenizer.test.ts).
 */
export class BrowserTokenizer extends ScanningTokenizer {}
(BrowserTokenizer.prototype as unknown as TokenizerInternals).stateCDATASequence = function (
  this: TokenizerInternals,
  c: number,
): void {
  if (this.sequenceIndex === CDATA_LAST && c === 0x5b && !this.xmlMode && !this.cbs.isInForeignContext?.()) {
    this.sequenceIndex = 0;
    this.state = IN_BOGUS_COMMENT;
    return;
  }
  tokenizerBase.stateCDATASequence.call(this, c);
};

export interface Parsed {
  document: Document;
  truncated: boolean;
  /** How many <script> elements and preloaded script files the page has. */
  scripts: number;
  /** Elements marked up as posts of a discussion (schema.org DiscussionForumPosting, Comment, Answer, Question), in document order. */
  posts: Element[];
  /** Resolves the page's metadata, read during the parse, against its URL. */
  metadata(pageUrl: string): PageMetadata;
}

/**
 * Parses HTML into a domhandler Document within the depth, element and work bounds.
 * keepAllAttributes: a caller's CSS selectors may name any attribute, so keep them all.
 * reveal: also build hidden elements and <noscript>/<template> content, for pages that
 * ship their text there (hydration payloads, crawler views) and show it only by script.
 */
export function parseHtml(html: string, xhtml: boolean, keepAllAttributes = false, reveal = false): Parsed {
  const parsed = parseBounded(html, xhtml, keepAllAttributes, reveal);
  // htmlparser2 does not synthesise <body> for fragments; content detection needs one.
  return hasBody(parsed.document) ? parsed : parseBounded(`<body>${html}</body>`, xhtml, keepAllAttributes, reveal);
}

function hasBody(doc: Document): boolean {
  for (const c of doc.children) {
    if (c.type !== "tag") continue;
    if (c.name === "body") return true;
    if (c.name === "html") return c.children.some((k) => k.type === "tag" && k.name === "body");
  }
  return false;
}

function parseBounded(html: string, xhtml: boolean, keepAllAttributes: boolean, reveal: boolean): Parsed {
  const handler = new BoundedHandler(null, { withStartIndices: false, withEndIndices: false });
  handler.reveal = reveal;
  const parser = new BoundedParser(
    handler,
    {
      decodeEntities: true,
      lowerCaseTags: true,
      lowerCaseAttributeNames: true,
      recognizeSelfClosing: xhtml,
      Tokenizer: BrowserTokenizer,
    },
    !keepAllAttributes,
  );
  try {
    parser.end(html);
  } catch (err) {
    if (!(err instanceof StopParsing)) throw err;
  }
  if (handler.streamParts.length) spliceStreamedParts(handler.streamSlots, handler.streamParts);
  return {
    document: handler.root,
    truncated: handler.truncated,
    scripts: handler.scripts,
    posts: handler.posts,
    metadata: (pageUrl) => handler.metadata.result(pageUrl),
  };
}
