import { z } from "zod";

/** The encodings chunk token counts can come from (gpt-tokenizer's, as OpenAI's tiktoken defines them). */
export const Tokenizer = z.enum(["cl100k_base", "o200k_base"]);
export type Tokenizer = z.infer<typeof Tokenizer>;

/** Smallest chunk size we accept: below it a heading and a sentence no longer fit together. */
export const MIN_CHUNK_TOKENS = 32;
/** Largest chunk size: past it no embedding model takes the chunk whole. */
export const MAX_CHUNK_TOKENS = 8192;

/**
 * `chunking` on a batch: split each page's Markdown into chunks of at most `maxTokens`
 * tokens of `tokenizer`, consecutive pieces of one over-long section sharing
 * `overlapTokens` (at most half of `maxTokens`). See lib/chunk/chunk-markdown.ts.
 */
export const ChunkingOptions = z
  .object({
    maxTokens: z
      .number()
      .int()
      .min(MIN_CHUNK_TOKENS)
      .max(MAX_CHUNK_TOKENS)
      .default(512)
      .describe("The most tokens in one chunk (32-8192, default 512)."),
    overlapTokens: z
      .number()
      .int()
      .min(0)
      .default(0)
      .describe(
        "Tokens that consecutive pieces of one over-long section share (at most half of `maxTokens`, default 0).",
      ),
    tokenizer: Tokenizer.default("cl100k_base").describe(
      "The encoding tokens are counted in: `cl100k_base` (default) or `o200k_base`, as OpenAI's tiktoken defines them.",
    ),
  })
  .strict()
  .refine((o) => o.overlapTokens * 2 <= o.maxTokens, {
    message: "overlapTokens must be at most half of maxTokens",
    path: ["overlapTokens"],
  });
export type ChunkingOptions = z.infer<typeof ChunkingOptions>;

/** One chunk of a page's Markdown: `text` is exactly `markdown.slice(start, end)`. */
export const Chunk = z.object({
  index: z.number().int().nonnegative().describe("The chunk's 0-based position in the page."),
  headingPath: z
    .array(z.string())
    .describe(
      "The headings the chunk sits under (those its sections share), outermost first; empty before the first heading.",
    ),
  text: z.string().describe("The chunk's Markdown: exactly `markdown.slice(start, end)`."),
  tokens: z.number().int().nonnegative().describe("Tokens in `text`, counted by the batch's `chunking.tokenizer`."),
  start: z.number().int().nonnegative().describe("Offset of the chunk's first character in the page's Markdown."),
  end: z.number().int().nonnegative().describe("Offset just past the chunk's last character in the page's Markdown."),
  simhash: z
    .string()
    .nullable()
    .optional()
    .describe(
      "64-bit simhash of the chunk's text, 16 hex digits, as the page's (lib/simhash.ts): with `analysis` on; null for a chunk without words.",
    ),
});
export type Chunk = z.infer<typeof Chunk>;
