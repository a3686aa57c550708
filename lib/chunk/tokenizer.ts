// Token counts from gpt-tokenizer, OpenAI's BPE encodings in plain JavaScript (no WASM,
// no Node API), so the count a chunk carries is the one the embedding API will bill.
// Special-token text such as "<|endoftext|>" on a page is counted as ordinary text:
// gpt-tokenizer would otherwise throw on it, and a page must never crash the chunker.
import { countTokens as cl100k } from "gpt-tokenizer/encoding/cl100k_base";
import { countTokens as o200k } from "gpt-tokenizer/encoding/o200k_base";
import type { Tokenizer } from "./options";

const AS_TEXT = { disallowedSpecial: new Set<string>() };

// Options are worked out again on every call given them, so only text that needs them gets them.
const COUNTERS: Record<Tokenizer, (text: string) => number> = {
  cl100k_base: (text) => (text.includes("<|") ? cl100k(text, AS_TEXT) : cl100k(text)),
  o200k_base: (text) => (text.includes("<|") ? o200k(text, AS_TEXT) : o200k(text)),
};

/** A function counting `tokenizer`'s tokens in a string. */
export function tokenCounter(tokenizer: Tokenizer): (text: string) => number {
  return COUNTERS[tokenizer];
}
