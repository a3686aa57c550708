import type { Document } from "domhandler";
import { DomHandler, Parser } from "htmlparser2";
import { LIMITS } from "./limits";

/** Thrown inside the parser callbacks to stop a page that exceeds a bound. */
class StopParsing extends Error {}


/**
 * A DomHandler that counts depth and elements and stops the parse at the bounds, keeping
 * what was built so far. Stopping (rather than flattening) matters: htmlparser2 keeps its
 * open-element stack in an array it unshifts, so deep pages cost it O(depth) per tag.
 */
class BoundedHandler extends DomHandler {
  depth = 0;
  elements = 0;
  truncated = false;
  work = 0;

  override onopentag(name: string, attribs: Record<string, string>): void {
    this.depth++;
    this.elements++;
    this.work += this.depth;
    if (this.depth > LIMITS.maxParseDepth || this.elements > LIMITS.maxElements || this.work > LIMITS.maxParserWork) {
      this.truncated = true;
      throw new StopParsing("page exceeds parse bounds");
    }
    super.onopentag(name, attribs);
  }

  override onclosetag(): void {
    this.depth--;
    super.onclosetag();
  }
}

/** A parser that charges each close tag the stack scan htmlparser2 performs for it. */
class BoundedParser extends Parser {
  constructor(private readonly bounded: BoundedHandler, options: ConstructorParameters<typeof Parser>[1]) {
    super(bounded, options);
  }

  override onclosetag(start: number, endIndex: number): void {
    this.bounded.work += this.bounded.depth + 1;
    if (this.bounded.work > LIMITS.maxParserWork) {
      this.bounded.truncated = true;
      throw new StopParsing("page exceeds parser work budget");
    }
    super.onclosetag(start, endIndex);
  }
}

export interface Parsed {
  document: Document;
  truncated: boolean;
}

/** Parses HTML into a domhandler Document within the depth, element and work bounds. */
export function parseHtml(html: string, xhtml: boolean): Parsed {
  const parsed = parseBounded(html, xhtml);
  // htmlparser2 does not synthesise <body> for fragments; content detection needs one.
  return hasBody(parsed.document) ? parsed : parseBounded(`<body>${html}</body>`, xhtml);
}

function hasBody(doc: Document): boolean {
  for (const c of doc.children) {
    if (c.type !== "tag") continue;
    if (c.name === "body") return true;
    if (c.name === "html") return c.children.some((k) => k.type === "tag" && k.name === "body");
  }
  return false;
}

function parseBounded(html: string, xhtml: boolean): Parsed {
  const handler = new BoundedHandler(null, { withStartIndices: false, withEndIndices: false });
  const parser = new BoundedParser(handler, {
    decodeEntities: true,
    lowerCaseTags: true,
    lowerCaseAttributeNames: true,
    recognizeSelfClosing: xhtml,
  });
  try {
    parser.end(html);
  } catch (err) {
    if (!(err instanceof StopParsing)) throw err;
  }
  return { document: handler.root, truncated: handler.truncated };
}

