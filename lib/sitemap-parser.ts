// Streaming reader of sitemaps, sitemap indexes and feeds (RSS 2.0, RSS 1.0, Atom).
//
// Built on htmlparser2's Parser in xmlMode, already a pinned dependency: it takes the
// document in pieces of any size and keeps only the unfinished token, so a 50 MB
// sitemap costs one network chunk of memory. It is also forgiving where real sitemaps
// are broken (a bare `&` in a URL, a missing close tag); a strict parser such as saxes
// would refuse the whole file for one such byte and lose every URL in it.
//
// Its cost is bounded per document, as the page extractor's is: elements nested past
// `maxDepth` or more than `maxElements` of them end the read with TooComplex, so the
// work per character stays constant (no path longer than the deepest address, no
// parser stack to search past the cap) and a hostile document costs what its bytes do.
import { Parser } from "htmlparser2";
import { MAX_URL_LENGTH } from "./schemas";

/** What the document's root element says it is. */
export type FeedRoot = "urlset" | "sitemapindex" | "rss" | "rdf" | "atom";

/** One address read from the document: a page, or (in an index) a child sitemap. */
export type FoundLink = { kind: "page" | "sitemap"; url: string };

export interface SitemapParser {
  /** Feeds the next piece of the document (any length, a single character too); throws TooComplex past a limit. */
  write(text: string): void;
  /** Ends the document; answers the root element it had, or null when it was none of ours. */
  end(): FeedRoot | null;
}

/** Where an address sits in each kind of document, as the path of local element names below the root. */
const PATHS: Record<FeedRoot, { path: string; kind: FoundLink["kind"] }> = {
  urlset: { path: "url/loc", kind: "page" },
  sitemapindex: { path: "sitemap/loc", kind: "sitemap" },
  rss: { path: "channel/item/link", kind: "page" },
  rdf: { path: "item/link", kind: "page" },
  atom: { path: "entry/link", kind: "page" },
};

const ROOTS: Record<string, FeedRoot> = {
  urlset: "urlset",
  sitemapindex: "sitemapindex",
  rss: "rss",
  rdf: "rdf",
  feed: "atom",
};

/** Elements nested deeper than this end the read: addresses sit 3 below the root, extensions a few more. */
export const MAX_XML_DEPTH = 64;
/** Elements per document past which the read ends: 50,000 URLs with a dozen extension elements each fit well. */
export const MAX_XML_ELEMENTS = 2_000_000;

/** The document passed a nesting or size limit: the read ends, the addresses found before it stay. */
export class TooComplex extends Error {
  override name = "TooComplex";
}

export interface ParserLimits {
  maxDepth: number;
  maxElements: number;
}

/** `image:loc` → `loc`: sitemap extensions reuse names under a prefix, and the path tells them apart. */
function localName(name: string): string {
  const colon = name.indexOf(":");
  return (colon >= 0 ? name.slice(colon + 1) : name).toLowerCase();
}

/**
 * A streaming parser calling `onLink` for every address in a sitemap (`<url><loc>`),
 * a sitemap index (`<sitemap><loc>`), an RSS item's `<link>` or an Atom entry's
 * `<link href>` (rel `alternate` or none). Nothing else is kept: an element's text is
 * collected only where an address is expected, and only a little past the longest URL
 * (so one that is too long still arrives too long, to be counted invalid).
 */
export function createSitemapParser(
  onLink: (link: FoundLink) => void,
  limits: ParserLimits = { maxDepth: MAX_XML_DEPTH, maxElements: MAX_XML_ELEMENTS },
): SitemapParser {
  let root: FeedRoot | null = null;
  let rootSeen = false;
  let elements = 0;
  // Local names below the root. Only the first few can spell an address's path, so only
  // those are joined ("url/loc"): the cost of an open tag never grows with the depth.
  const stack: string[] = [];
  const deepestPath = Math.max(...Object.values(PATHS).map((p) => p.path.split("/").length));
  let collecting = false;
  let text = "";
  // Atom entries may carry several links; the first alternate one is the entry's page.
  let entryLinked = false;

  const path = () => (stack.length <= deepestPath ? stack.join("/") : "");
  const emit = (raw: string) => {
    const url = raw.trim();
    if (url && root) onLink({ kind: PATHS[root].kind, url });
  };

  const parser = new Parser(
    {
      onopentag(name, attributes) {
        elements++;
        if (elements > limits.maxElements) {
          throw new TooComplex(`more than ${limits.maxElements} XML elements`);
        }
        if (stack.length >= limits.maxDepth) {
          throw new TooComplex(`XML elements nested more than ${limits.maxDepth} deep`);
        }
        const local = localName(name);
        if (!rootSeen) {
          rootSeen = true;
          root = ROOTS[local] ?? null;
          return;
        }
        stack.push(local);
        if (!root) return;
        const here = path();
        if (root === "atom") {
          if (here === "entry") entryLinked = false;
          const rel = attributes.rel ?? "alternate";
          if (here === "entry/link" && !entryLinked && rel === "alternate" && attributes.href) {
            entryLinked = true;
            emit(attributes.href);
          }
          return;
        }
        if (here === PATHS[root].path) {
          collecting = true;
          text = "";
        }
      },
      ontext(data) {
        // Past the longest URL we accept the rest is not kept: the caller refuses it as too long.
        if (collecting && text.length <= MAX_URL_LENGTH) text += data;
      },
      onclosetag() {
        if (collecting) {
          collecting = false;
          emit(text);
          text = "";
        }
        stack.pop();
      },
    },
    { xmlMode: true, decodeEntities: true },
  );

  // Once past a limit the parser's state is cut mid-token: every later call says so again.
  let failure: TooComplex | null = null;
  const guarded = (work: () => void) => {
    if (failure) throw failure;
    try {
      work();
    } catch (error) {
      if (error instanceof TooComplex) failure = error;
      throw error;
    }
  };
  return {
    write: (piece) => guarded(() => parser.write(piece)),
    end() {
      guarded(() => parser.end());
      return root;
    },
  };
}
