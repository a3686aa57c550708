import type { Element } from "domhandler";

/**
 * Class and id tokens of customer-review widgets: "product-reviews", "customer-review",
 * "review-list", "jdgm-rev-widg__reviews". A lone "review" is left alone: a review
 * article's body, or a service page's testimonial card, is often classed so.
 */
const REVIEWS =
  /(?:^|[\s_-])(?:reviews|(?:customer|product|user)[_-]?reviews?|reviews?[_-]?(?:list|widget|card|item|text|container|section)s?)(?:$|[\s_-])/i;

/**
 * Whether an element holds customer reviews. On a product page they are other people's
 * words about the thing, as comments are to an article, and they are often the page's
 * longest prose: content detection must skip them, or it picks them as the content.
 */
export function isReviewBlock(el: Element): boolean {
  const names = `${el.attribs.class ?? ""} ${el.attribs.id ?? ""}`;
  return names.length > 1 && REVIEWS.test(names);
}
