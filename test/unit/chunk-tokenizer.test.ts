import { countTokens as cl100k } from "gpt-tokenizer/encoding/cl100k_base";
import { countTokens as o200k } from "gpt-tokenizer/encoding/o200k_base";
import { describe, expect, it } from "vitest";
import type { Tokenizer } from "../../lib/chunk/options";
import { rangeCounter, tokenCounter } from "../../lib/chunk/tokenizer";

// The fast counts (an in-place pre-token scan, an ASCII word path, a memo found by the
// piece's characters) against gpt-tokenizer called on the text itself, on the cases each
// shortcut has to get right. test/corpus/tokenizer.test.ts does the same on whole corpora.
const AS_TEXT = { disallowedSpecial: new Set<string>() };
const REFERENCE: Record<Tokenizer, (text: string) => number> = {
  cl100k_base: (text) => cl100k(text, AS_TEXT),
  o200k_base: (text) => o200k(text, AS_TEXT),
};
const TOKENIZERS = ["cl100k_base", "o200k_base"] as const;

const CASES = [
  "He's sure they'LL say we've done what you'RE told, isn't it? I'd. 'd' x'",
  "naïve café Straße über, word—word, Ünïcödé and ASCII mixed: fooé éfoo a\u0301b",
  "Москва — столица России. 東京は日本の首都です。서울은 한국의 수도입니다.",
  "emoji 😀 after words😀 and 𝐦𝐚𝐭𝐡 letters, a lone \ud800 surrogate and \udc00 low",
  "digits 1 12 123 1234 12345 ١٢٣٤٥ 3.14159 v2 x86_64",
  "spaces  two   three\t\ttabs \u00a0nbsp\u3000ideographic end   ",
  "line\nbreaks\r\nand\n\n\nruns  \n  \n\tindented\n- list item\n| a | b |\n```\ncode()\n```\n",
  'punctuation!!! ... ?! (parens) [brackets] {braces} "quotes" «guillemets» — dash\n\n',
  "special <|endoftext|> and <|fim_prefix|> text, <| not special",
  "/path/to/file.md\n/starts with a slash\n//comment\n  /indented slash",
  "ends in punctuation (",
  "a NUL \u0000 and \u0000( marks, ...\r\n",
  "x",
  " ",
  "\n",
  "",
];

describe("chunk token counts", () => {
  for (const tokenizer of TOKENIZERS) {
    it(`are gpt-tokenizer's on edge cases, whole and in every slice (${tokenizer})`, () => {
      const count = tokenCounter(tokenizer);
      const reference = REFERENCE[tokenizer];
      const problems: string[] = [];
      for (const text of CASES) {
        // Twice: the second time every piece comes from the memo.
        for (let pass = 0; pass < 2; pass++) {
          if (count(text) !== reference(text)) problems.push(`${JSON.stringify(text)}: ${count(text)}`);
        }
        const range = rangeCounter(text, tokenizer);
        for (let start = 0; start <= text.length; start++) {
          for (let end = start; end <= text.length; end++) {
            const expected = reference(text.slice(start, end));
            if (range(start, end) !== expected)
              problems.push(`${JSON.stringify(text)} ${start}..${end}: ${range(start, end)} != ${expected}`);
          }
        }
      }
      expect(problems.slice(0, 5)).toEqual([]);
    });
  }

  it("stay right when the memo fills up and starts over", () => {
    const count = tokenCounter("cl100k_base");
    // More distinct pieces than the memo keeps, so its table grows and then is cleared.
    const words = Array.from({ length: 120_000 }, (_, i) => ` w${i.toString(36)}q`);
    let sum = 0;
    for (const w of words) sum += count(w);
    expect(sum).toBe(words.reduce((s, w) => s + cl100k(w), 0));
    const text = `${words.slice(0, 2000).join("")} ${"é".repeat(50)}`;
    expect(count(text)).toBe(cl100k(text));
  });
});
