import { Parser, Tokenizer } from "htmlparser2";
import { describe, expect, it } from "vitest";
import { ScanningTokenizer } from "../../../lib/extract/parse";

// The scanning tokenizer only skips characters that cannot change state, so every parser
// event (and how text is split between events) must match htmlparser2's own tokenizer.
function events(html: string, tokenizer: typeof Tokenizer): string[] {
  const out: string[] = [];
  const rec =
    (name: string) =>
    (...args: unknown[]) =>
      out.push(`${name} ${JSON.stringify(args)}`);
  const parser = new Parser(
    {
      onopentag: rec("open"),
      onattribute: rec("attr"),
      ontext: rec("text"),
      onclosetag: rec("close"),
      oncomment: rec("comment"),
      oncdatastart: rec("cdata"),
      onprocessinginstruction: rec("pi"),
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true, Tokenizer: tokenizer },
  );
  parser.end(html);
  return out;
}

const CASES = [
  "<p>plain text &amp; more &lt;b&gt; &#38; &#x26; &notanentity; & trailing &</p>",
  `<a href="/x?a=1&amp;b=2&c" title='it&apos;s "quoted"' data-x=unquoted&amp;>link</a>`,
  "<script>if (a < b && c > d) { x = '</scr' + 'ipt>'; }</script><p>after</p>",
  "<style>p > a { content: '<&>' }</style><title>A &amp; B <not a tag></title>",
  "<!-- comment with <tags> & entities --><!----><!-- -- -->text<!--unterminated",
  "<textarea>raw &amp; <b>text</b></textarea><p>x",
  "<div class=\"a\nb\" id='c'>multi\nline\ttext   with  spaces</div>",
  "<![CDATA[ x < y ]]><?xml version='1.0'?><!DOCTYPE html>",
  "text at the end with no tag &amp",
  'unterminated <a href="never closed',
  "<p>caf\u00e9 \u201cquoted\u201d \u4e2d\u6587 &eacute;</p>",
];

/** Deterministic random markup over the characters that drive the tokenizer's states. */
function randomHtml(seed: number): string {
  const parts = [
    "<",
    ">",
    "&",
    '"',
    "'",
    "=",
    " ",
    "a",
    "/",
    "!",
    "-",
    "p",
    "script",
    "amp;",
    "#38;",
    "x",
    "\n",
    "</",
    "div ",
    "b=",
    "?",
  ];
  let s = seed;
  let out = "";
  for (let i = 0; i < 60; i++) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    out += parts[s % parts.length];
  }
  return out;
}

describe("scanning tokenizer", () => {
  it.each(CASES)("emits htmlparser2's events for %j", (html) => {
    expect(events(html, ScanningTokenizer)).toEqual(events(html, Tokenizer));
  });

  it("emits htmlparser2's events for 500 random markup strings", () => {
    for (let seed = 1; seed <= 500; seed++) {
      const html = randomHtml(seed);
      expect(events(html, ScanningTokenizer), html).toEqual(events(html, Tokenizer));
    }
  });
});
