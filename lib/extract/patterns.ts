import type { Element } from "domhandler";

/** Class/id patterns for page chrome and for content, after Mozilla Readability's. */
export const UNLIKELY =
  /-ad-|ai2html|banner|breadcrumbs|combx|comment|community|cover-wrap|disqus|extra|footer|gdpr|cookie|consent|header|legends|menu|related|remark|replies|rss|shoutbox|sidebar|skyscraper|social|sponsor|supplemental|ad-break|agegate|pagination|pager|popup|yom-remote|newsletter/i;
export const MAYBE_CANDIDATE = /and|article|body|column|content|main|mathjax|shadow/i;
export const POSITIVE = /article|body|content|entry|hentry|h-entry|main|page|pagination|post|text|blog|story/i;
export const NEGATIVE =
  /-ad-|hidden|^hid$| hid$| hid |^hid |banner|combx|comment|com-|contact|footer|gdpr|masthead|media|meta|outbrain|promo|related|scroll|share|shoutbox|sidebar|skyscraper|sponsor|shopping|tags|widget/i;
export const SHARE = /(\b|_)(share|sharedaddy)(\b|_)/i;
export const UNLIKELY_ROLES = new Set([
  "menu",
  "menubar",
  "complementary",
  "navigation",
  "alert",
  "alertdialog",
  "dialog",
]);

/** Utility class names that mean display:none or screen-reader-only text (Bootstrap, Tailwind, WordPress). */
export const HIDDEN_CLASS =
  /(?:^|\s)(?:hide|hidden|d-none|is-hidden|sr-only|visually-hidden|screen-reader-text)(?:\s|$)/;

/** Class and id weight: +/-25 each for content-like or chrome-like names. */
export function classWeight(el: Element, enabled = true): number {
  if (!enabled) return 0;
  let w = 0;
  for (const v of [el.attribs.class, el.attribs.id]) {
    if (!v) continue;
    if (NEGATIVE.test(v)) w -= 25;
    if (POSITIVE.test(v)) w += 25;
  }
  if (el.attribs.itemprop === "articleBody") w += 25;
  return w;
}
