import { describe, expect, it } from "vitest";
import { extract } from "../../../lib/extract";

const ascii = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));
const hex = (h: string): number[] => h.split(" ").map((b) => Number.parseInt(b, 16));
const filler = " This sentence pads the page, so that the paragraph is long enough to read as an article body. ";

/** An HTML page whose body paragraph contains `word` as raw legacy-encoded bytes. */
function page(head: string, word: number[]): Uint8Array {
  return new Uint8Array([
    ...ascii(`<html><head>${head}</head><body><article><p>${filler}`),
    ...word,
    ...ascii(`${filler}</p></article></body></html>`),
  ]);
}

async function markdownOf(body: Uint8Array, contentType: string | null): Promise<string> {
  const r = await extract({ body, contentType, url: "https://example.com/" });
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value.markdown;
}

describe("decoding", () => {
  it("decodes windows-1252 declared in the Content-Type header", async () => {
    expect(await markdownOf(page("", hex("63 61 66 e9 20 80")), "text/html; charset=windows-1252")).toContain("café €");
  });
  it("decodes ISO-8859-2 declared in a meta charset", async () => {
    expect(await markdownOf(page('<meta charset="iso-8859-2">', hex("a3 f3 64 bc")), "text/html")).toContain("Łódź");
  });
  it("decodes Shift_JIS declared in a meta charset", async () => {
    expect(await markdownOf(page("<meta charset=Shift_JIS>", hex("93 fa 96 7b 8c ea")), "text/html")).toContain(
      "日本語",
    );
  });
  it("decodes EUC-KR declared by http-equiv Content-Type", async () => {
    const head = '<meta http-equiv="Content-Type" content="text/html; charset=euc-kr">';
    expect(await markdownOf(page(head, hex("c7 d1 b1 b9 be ee")), "text/html")).toContain("한국어");
  });
  it("decodes GBK declared with a gb2312 label", async () => {
    expect(await markdownOf(page('<meta charset="gb2312">', hex("d6 d0 ce c4")), null)).toContain("中文");
  });
  it("decodes windows-1251 declared in the header even when a meta tag disagrees", async () => {
    const body = page('<meta charset="utf-8">', hex("cf f0 e8 e2 e5 f2"));
    expect(await markdownOf(body, "text/html; charset=windows-1251")).toContain("Привет");
  });
  it("lets a UTF-8 byte order mark win over the declared charset", async () => {
    const body = new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode(`<p>${filler}naïve${filler}</p>`)]);
    expect(await markdownOf(body, "text/html; charset=windows-1252")).toContain("naïve");
  });
  it("decodes UTF-16LE announced by its byte order mark", async () => {
    const text = `<p>${filler}ünïcode${filler}</p>`;
    const bytes = [0xff, 0xfe];
    for (const ch of text) bytes.push(ch.charCodeAt(0) & 0xff, ch.charCodeAt(0) >> 8);
    expect(await markdownOf(new Uint8Array(bytes), "text/html")).toContain("ünïcode");
  });
  it("falls back to windows-1252 for undeclared bytes that are not UTF-8", async () => {
    expect(await markdownOf(page("", hex("e9 74 e9")), "text/html")).toContain("été");
  });
  it("reads undeclared UTF-8 as UTF-8", async () => {
    expect(await markdownOf(new TextEncoder().encode(`<p>${filler}Zürich — 東京${filler}</p>`), "text/html")).toContain(
      "Zürich — 東京",
    );
  });
});
