import { describe, expect, it } from "vitest";
import { globMatches, urlFilter } from "../../lib/url-patterns";

describe("globMatches", () => {
  it.each([
    ["https://example.com/blog/*", "https://example.com/blog/2026/post", true],
    ["https://example.com/blog/*", "https://example.com/blogs/post", false],
    ["*.pdf", "https://example.com/a/b.pdf", true],
    ["*.pdf", "https://example.com/a/b.pdf?x=1", false],
    ["*/products/*?*", "https://shop.example/products/9?color=red", true],
    ["https://example.com/a", "https://example.com/a", true],
    ["https://example.com/a", "https://example.com/ab", false],
    ["https://example.com/a.c", "https://example.com/abc", false],
    ["*", "", true],
    ["**a**", "xxaxx", true],
    ["a*b*c", "aXbYbZc", true],
    ["a*b*c", "aXbYbZ", false],
  ])("%j against %j is %s", (pattern, url, expected) => {
    expect(globMatches(pattern, url)).toBe(expected);
  });

  it("answers a many-star pattern against a long URL without backtracking for ever", () => {
    const url = `https://example.com/${"a".repeat(8000)}`;
    expect(globMatches(`${"*a".repeat(40)}*b`, url)).toBe(false);
  });
});

describe("urlFilter", () => {
  it("keeps what matches an include and no exclude; no include keeps everything", () => {
    const some = urlFilter(["https://example.com/docs/*"], ["*/draft/*"]);
    expect(
      ["https://example.com/docs/a", "https://example.com/docs/draft/b", "https://example.com/blog/c"].map(
        some.accepts,
      ),
    ).toEqual([true, false, false]);
    expect(urlFilter([], ["*.pdf"]).accepts("https://example.com/x")).toBe(true);
  });
});
