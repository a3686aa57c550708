export { chunkMarkdown } from "./chunk-markdown";
export { ChunkRow, type ChunkViewOptions, chunkLines, chunkRows } from "./chunk-view";
export { Chunk, ChunkingOptions, Tokenizer } from "./options";
