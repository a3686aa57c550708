// Per-batch quality rules for fetched pages. A page that breaks one is quarantined:
// it ends `failed` with code `validation_failed` naming the rule, and its record keeps
// everything extracted, so the page can be inspected (and the rule tuned) without
// fetching it again.
import { compile, selectOne } from "css-select";
import { parseDocument } from "htmlparser2";
import { z } from "zod";

const Selector = z
  .string()
  .min(1)
  .max(500)
  .refine(
    (selector) => {
      try {
        compile(selector);
        return true;
      } catch {
        return false;
      }
    },
    { message: "is not a CSS selector" },
  );

/** `options.validate`: every rule is optional; a page must pass all that are set. */
export const ValidationRules = z
  .object({
    /** The extracted content holds at least this many words. */
    minWords: z
      .number()
      .int()
      .min(1)
      .max(1_000_000)
      .optional()
      .describe("The extracted content holds at least this many words."),
    /** The page has a non-empty title. */
    requireTitle: z.boolean().optional().describe("The page has a non-empty title."),
    /** Each selector matches at least one element of the fetched page (the whole page, not only its main content). */
    requireSelectors: z
      .array(Selector)
      .min(1)
      .max(20)
      .optional()
      .describe(
        "Each selector matches at least one element of the fetched page (the whole page, not only its main content).",
      ),
  })
  .strict();
export type ValidationRules = z.infer<typeof ValidationRules>;

/** What the rules look at: the extraction, and the page's HTML when a selector rule needs it. */
export interface ValidatedPage {
  title: string | null;
  wordCount: number | null;
  /** The body as text, or null when it is not HTML (then selector rules fail). */
  html: string | null;
}

/** The first rule `page` breaks, as a message naming it; null when it passes every rule. */
export function brokenRule(rules: ValidationRules | undefined, page: ValidatedPage): string | null {
  if (!rules) return null;
  if (rules.requireTitle && !page.title?.trim()) return "requireTitle: the page has no title";
  if (rules.minWords !== undefined && (page.wordCount ?? 0) < rules.minWords) {
    return `minWords: ${page.wordCount ?? 0} words, at least ${rules.minWords} required`;
  }
  if (rules.requireSelectors) {
    if (page.html === null) return "requireSelectors: the page is not HTML";
    const document = parseDocument(page.html);
    const missing = rules.requireSelectors.find((selector) => selectOne(selector, document) === null);
    if (missing !== undefined) return `requireSelectors: nothing matches ${JSON.stringify(missing)}`;
  }
  return null;
}
