/**
 * Every set of tag names the extractor tests, in one place: which elements the parser never
 * builds, which ones break a line, which ones content detection scores, cleans or drops, and
 * which ones the Markdown tree renders, unwraps or leaves out. Lower-case names are
 * htmlparser2's; upper-case ones are the W3C DOM names turndown reads.
 */

// Parsing

/**
 * Subtrees the metadata collector does not read either: their <title>s, <meta>s and links
 * are not the page's. A JSON-LD <script> is the exception (metadata reads its text).
 */
export const UNREAD_BY_METADATA = new Set([
  "script",
  "style",
  "noscript",
  "template",
  "svg",
  "iframe",
  "object",
  "embed",
  "canvas",
  "textarea",
  "select",
]);

/** What a <head> may hold; anything else in an unclosed one starts the body, as in a browser. */
export const HEAD_CONTENT = new Set(["title", "meta", "link", "script", "style", "base", "noscript", "template"]);

/** Elements the metadata collector reads. */
export const METADATA_TAGS = new Set(["html", "title", "script", "base", "meta", "link", "a"]);

/**
 * Elements that never carry article text, and so are never built into the tree: the
 * metadata collector reads what it needs of them (<head>, <title>, <meta>, <link>) as
 * they are parsed.
 */
export const NEVER_CONTENT = new Set([
  ...UNREAD_BY_METADATA,
  "button",
  "input",
  "option",
  "link",
  "meta",
  "head",
  "title",
  "dialog",
  "map",
  "area",
]);

/** What even a revealing parse leaves out: <noscript> and <template> content is built then. */
export const NEVER_REVEALED = new Set([...NEVER_CONTENT].filter((n) => n !== "noscript" && n !== "template"));

// Layout and text

/**
 * Elements that end a line wherever they sit: each stays a block (or a <br>) in the
 * Markdown tree, and when one is left out, toMarkdownDom puts a space in its place.
 * Layout whitespace right after one, or first inside one, is collapsed away by turndown,
 * so the parser does not build it. <td>/<th> are not here: in layout tables they become
 * inline. Nor is <pre>'s content: the parser keeps all whitespace inside it.
 */
export const LINE_BREAKING = new Set([
  "address",
  "article",
  "aside",
  "blockquote",
  "br",
  "caption",
  "dd",
  "div",
  "dl",
  "dt",
  "fieldset",
  "figcaption",
  "figure",
  "footer",
  "form",
  "h1",
  "h2",
  "h3",
  "h4",
  "h5",
  "h6",
  "header",
  "hr",
  "li",
  "main",
  "nav",
  "ol",
  "p",
  "pre",
  "section",
  "table",
  "tbody",
  "tfoot",
  "thead",
  "tr",
  "ul",
]);

export const PHRASING = new Set([
  "abbr",
  "audio",
  "b",
  "bdo",
  "br",
  "button",
  "cite",
  "code",
  "data",
  "datalist",
  "dfn",
  "em",
  "embed",
  "i",
  "img",
  "input",
  "kbd",
  "label",
  "mark",
  "math",
  "meter",
  "noscript",
  "object",
  "output",
  "progress",
  "q",
  "ruby",
  "samp",
  "script",
  "select",
  "small",
  "span",
  "strong",
  "sub",
  "sup",
  "textarea",
  "time",
  "var",
  "wbr",
  "a",
  "del",
  "ins",
  "font",
  "u",
  "s",
  "strike",
  "tt",
  "big",
]);

export const BLOCKS_IN_DIV = new Set([
  "blockquote",
  "dl",
  "div",
  "img",
  "ol",
  "p",
  "pre",
  "table",
  "ul",
  "section",
  "article",
  "figure",
  "h1",
  "h2",
  "h3",
  "h4",
  "h5",
  "h6",
]);

// Content detection

/** Tags that hold navigation or page furniture wherever they appear. */
export const CHROME_TAGS = new Set(["nav", "aside", "footer"]);

export const TAGS_TO_SCORE = new Set(["section", "h2", "h3", "h4", "h5", "h6", "p", "td", "pre"]);

export const CLEANED_CONDITIONALLY = new Set(["form", "fieldset", "table", "ul", "div", "section"]);

export const HEADINGS = new Set(["h1", "h2", "h3", "h4", "h5", "h6"]);

/** Containers that hold a whole article or part of one: never dropped as a byline, credit or teaser. */
export const CONTENT_CONTAINERS = new Set(["body", "article", "main", "section", "table", "pre", "code", "blockquote"]);

/** Short blocks that may be a credit, byline, dateline or teaser line inside the content. */
export const LINE_BLOCKS = new Set([
  "p",
  "div",
  "figcaption",
  "li",
  "ul",
  "ol",
  "dl",
  "h1",
  "h2",
  "h3",
  "h4",
  "h5",
  "h6",
  "header",
  "address",
  "form",
]);

// Markdown tree

export const NOT_RENDERED = new Set([
  "script",
  "style",
  "noscript",
  "template",
  "iframe",
  "object",
  "embed",
  "svg",
  "canvas",
  "button",
  "input",
  "select",
  "textarea",
  "link",
  "meta",
  "head",
  "title",
]);

// Inline wrappers with no Markdown form: turndown would only return their content, so
// skipping them saves a node (and turndown's per-node regexes) each.
export const UNWRAPPED_INLINE = new Set([
  "span",
  "font",
  "abbr",
  "small",
  "big",
  "u",
  "ins",
  "mark",
  "time",
  "label",
  "bdi",
  "bdo",
  "data",
  "var",
  "dfn",
  "cite",
  "acronym",
  "nobr",
]);

export const TABLE_PARTS = new Set(["table", "thead", "tbody", "tfoot", "tr"]);

export const LAYOUT_BLOCKS = new Set([
  "p",
  "div",
  "table",
  "ul",
  "ol",
  "dl",
  "h1",
  "h2",
  "h3",
  "h4",
  "h5",
  "h6",
  "pre",
  "blockquote",
  "section",
  "article",
  "figure",
  "hr",
]);

// turndown's block element list (turndown.cjs.js), as a set.
export const TD_BLOCK = new Set([
  "ADDRESS",
  "ARTICLE",
  "ASIDE",
  "AUDIO",
  "BLOCKQUOTE",
  "BODY",
  "CANVAS",
  "CENTER",
  "DD",
  "DIR",
  "DIV",
  "DL",
  "DT",
  "FIELDSET",
  "FIGCAPTION",
  "FIGURE",
  "FOOTER",
  "FORM",
  "FRAMESET",
  "H1",
  "H2",
  "H3",
  "H4",
  "H5",
  "H6",
  "HEADER",
  "HGROUP",
  "HR",
  "HTML",
  "ISINDEX",
  "LI",
  "MAIN",
  "MENU",
  "NAV",
  "NOFRAMES",
  "NOSCRIPT",
  "OL",
  "OUTPUT",
  "P",
  "PRE",
  "SECTION",
  "TABLE",
  "TBODY",
  "TD",
  "TFOOT",
  "TH",
  "THEAD",
  "TR",
  "UL",
]);

/** Blocks whose text turndown or the GFM plugin reads beyond a blank test (kept tables print it). */
export const REAL_TEXT_BLOCKS = new Set(["TABLE", "THEAD", "TBODY", "TFOOT", "TR", "TD", "TH"]);

// turndown's void element list (turndown.cjs.js), as a set.
export const TD_VOID = new Set([
  "AREA",
  "BASE",
  "BR",
  "COL",
  "COMMAND",
  "EMBED",
  "HR",
  "IMG",
  "INPUT",
  "KEYGEN",
  "LINK",
  "META",
  "PARAM",
  "SOURCE",
  "TRACK",
  "WBR",
]);

/**
 * Blocks whose rule ignores where they sit (no index among siblings, no parent test), so
 * they may move up out of a wrapping DIV. LI (numbered by index) and table parts are not.
 */
export const MOVABLE_BLOCKS = new Set([
  "P",
  "DIV",
  "H1",
  "H2",
  "H3",
  "H4",
  "H5",
  "H6",
  "BLOCKQUOTE",
  "PRE",
  "UL",
  "OL",
  "TABLE",
  "HR",
  "FIGURE",
  "FIGCAPTION",
  "SECTION",
  "ARTICLE",
  "HEADER",
  "FOOTER",
  "MAIN",
  "ASIDE",
  "NAV",
  "ADDRESS",
  "DL",
  "CENTER",
]);

/** Parents whose rules count or test their children: a DIV under them stays. */
export const KEEPS_CHILDREN = new Set(["OL", "UL", "TABLE", "THEAD", "TBODY", "TFOOT", "TR", "PRE"]);

// HTML output

export const VOID_ELEMENTS = new Set([
  "AREA",
  "BASE",
  "BR",
  "COL",
  "EMBED",
  "HR",
  "IMG",
  "INPUT",
  "LINK",
  "META",
  "SOURCE",
  "TRACK",
  "WBR",
]);
