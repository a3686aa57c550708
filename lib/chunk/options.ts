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
    maxTokens: z.number().int().min(MIN_CHUNK_TOKENS).max(MAX_CHUNK_TOKENS).default(512),
    overlapTokens: z.number().int().min(0).default(0),
    tokenizer: Tokenizer.default("cl100k_base"),
  })
  .strict()
  .refine((o) => o.overlapTokens * 2 <= o.maxTokens, {
    message: "overlapTokens must be at most half of maxTokens",
    path: ["overlapTokens"],
  });
export type ChunkingOptions = z.infer<typeof ChunkingOptions>;

/** One chunk of a page's Markdown: `text` is exactly `markdown.slice(start, end)`. */
export const Chunk = z.object({
  index: z.number().int().nonnegative(),
  headingPath: z.array(z.string()),
  text: z.string(),
  tokens: z.number().int().nonnegative(),
  start: z.number().int().nonnegative(),
  end: z.number().int().nonnegative(),
});
export type Chunk = z.infer<typeof Chunk>;
