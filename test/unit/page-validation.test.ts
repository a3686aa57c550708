import { describe, expect, it } from "vitest";
import { brokenRule, ValidationRules } from "../../lib/page-validation";

const page = {
  title: "A title",
  wordCount: 120,
  html: '<html><body><main><h1>T</h1><p class="price">9</p></main></body></html>',
};

describe("page validation rules", () => {
  it("passes a page that meets every rule set, and any page when none is", () => {
    expect(brokenRule(undefined, page)).toBeNull();
    expect(
      brokenRule({ minWords: 120, requireTitle: true, requireSelectors: ["main h1", "p.price"] }, page),
    ).toBeNull();
  });

  it("names the first rule a page breaks", () => {
    expect(brokenRule({ requireTitle: true }, { ...page, title: "  " })).toBe("requireTitle: the page has no title");
    expect(brokenRule({ minWords: 121 }, page)).toBe("minWords: 120 words, at least 121 required");
    expect(brokenRule({ requireSelectors: ["main h1", "div.stock"] }, page)).toBe(
      'requireSelectors: nothing matches "div.stock"',
    );
    expect(brokenRule({ requireSelectors: ["main"] }, { ...page, html: null })).toBe(
      "requireSelectors: the page is not HTML",
    );
  });

  it("refuses a selector that is not CSS, and unknown rules", () => {
    expect(ValidationRules.safeParse({ requireSelectors: ["main >>> p"] }).success).toBe(false);
    expect(ValidationRules.safeParse({ minWord: 3 }).success).toBe(false);
    expect(ValidationRules.safeParse({ minWords: 0 }).success).toBe(false);
  });
});
