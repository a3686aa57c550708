/**
 * Hard bounds that keep one hostile page from taking the consumer's CPU, memory or stack.
 * A Worker has 128 MB and a bounded CPU budget; a parsed DOM costs roughly 10x its HTML.
 */
export const LIMITS = {
  /** Bytes of HTML we parse; the rest of a bigger body is ignored (result marked truncated). */
  maxHtmlBytes: 6 * 1024 * 1024,
  /** Bytes of text/plain or Markdown we pass through. */
  maxTextBytes: 8 * 1024 * 1024,
  /**
   * Elements kept in the DOM; parsing stops there (result marked truncated). An element
   * costs ~0.7 KB of heap through parsing, scoring and the Markdown tree: 200,000 needed
   * ~300 MB, past an isolate's 128 MB (test/node/delivery-memory.test.ts). The largest of
   * the 1,606 corpus pages has ~16,000.
   */
  maxElements: 50_000,
  /** Open-element depth at which parsing stops: real pages stay far below it. */
  maxParseDepth: 1_500,
  /** Budget of parser stack scans (stray close tags cost O(depth) each in htmlparser2). */
  maxParserWork: 40_000_000,
  /** Depth handed to the Markdown converter, which recurses; deeper nodes are flattened. */
  maxMarkdownDepth: 120,
  /** Characters of Markdown we return. */
  maxMarkdownChars: 2 * 1024 * 1024,
  /** Bytes sniffed for a meta charset (the HTML spec says 1024; real pages put it later). */
  charsetPrescanBytes: 4096,
} as const;
