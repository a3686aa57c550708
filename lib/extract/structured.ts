import { z } from "zod";

/**
 * What a product page says about the thing it sells, in its own structured data (JSON-LD
 * `Product` / `ProductGroup`, or schema.org microdata): the fields a catalog or price crawl
 * reads. Every field is null when the page does not say it or says it in a shape we do not
 * trust (a price that is not a number, a currency that is not an ISO 4217 code).
 */
export const StructuredData = z.object({
  name: z.string().min(1).max(500).nullable().describe("The product's name."),
  /** The offer's price (the lowest, for a range of offers), as a number. */
  price: z
    .number()
    .nonnegative()
    .finite()
    .nullable()
    .describe("The offer's price (the lowest, for a range of offers)."),
  /** ISO 4217 code, upper case. */
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/)
    .nullable()
    .describe("ISO 4217 code, upper case."),
  /** schema.org ItemAvailability without its URL: `InStock`, `OutOfStock`, `PreOrder`... */
  availability: z
    .string()
    .regex(/^[A-Za-z]{2,40}$/)
    .nullable()
    .describe("schema.org ItemAvailability without its URL: `InStock`, `OutOfStock`, `PreOrder`..."),
  sku: z.string().min(1).max(200).nullable().describe("The product's SKU."),
  brand: z.string().min(1).max(200).nullable().describe("The brand's name."),
  /** The aggregate rating's value, on the page's own scale (usually 1-5). */
  rating: z.number().nonnegative().finite().nullable().describe("The aggregate rating's value."),
  /** How many ratings or reviews the aggregate counts. */
  ratingCount: z.number().int().nonnegative().nullable().describe("How many ratings it aggregates."),
});
export type StructuredData = z.infer<typeof StructuredData>;

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const PRODUCT_TYPES = /^(?:Product|ProductGroup|ProductModel|IndividualProduct|Vehicle|Book)$/;

function isObject(v: Json | undefined): v is JsonObject {
  return v != null && typeof v === "object" && !Array.isArray(v);
}

function types(v: JsonObject): string[] {
  const t = v["@type"];
  return (Array.isArray(t) ? t : [t]).filter((x): x is string => typeof x === "string");
}

/** The first JSON-LD object of a product type in value (top level, arrays or @graph). */
export function findProduct(value: Json | undefined, depth = 0): JsonObject | null {
  if (value == null || typeof value !== "object" || depth > 6) return null;
  if (Array.isArray(value)) {
    for (const v of value) {
      const found = findProduct(v, depth + 1);
      if (found) return found;
    }
    return null;
  }
  if (types(value).some((t) => PRODUCT_TYPES.test(t))) return value;
  return findProduct(value["@graph"], depth + 1) ?? findProduct(value.mainEntity, depth + 1);
}

const ENTITIES: Record<string, string> = { amp: "&", quot: '"', apos: "'", lt: "<", gt: ">", nbsp: " " };

/**
 * A JSON-LD string as text: sites often put HTML-escaped values ("Tom &amp; Jerry") and
 * stray tags ("<wbr/>") in it, which JSON does not undo. Whitespace collapsed.
 */
export function text(v: Json | undefined): string | null {
  if (typeof v === "number") return String(v);
  if (typeof v !== "string") return null;
  const s = v
    .replace(/<[^>]*>/g, "")
    .replace(/&(?:#(\d+)|#x([\da-f]+)|(\w+));/gi, (m, dec, hex, named) =>
      dec || hex
        ? String.fromCodePoint(Number.parseInt(dec ?? hex, dec ? 10 : 16))
        : (ENTITIES[named.toLowerCase()] ?? m),
    )
    .replace(/\s+/g, " ")
    .trim();
  return s ? s : null;
}

/** "1,299.00", "$19.99", 19.99 -> a number; anything else -> null. */
export function parsePrice(v: Json | undefined): number | null {
  if (typeof v === "number") return Number.isFinite(v) ? v : null;
  if (typeof v !== "string") return null;
  let s = v.replace(/[^\d.,]/g, "");
  // "1.299,00" (a comma for decimals) or "1,299.00" (a comma for thousands).
  if (/,\d{1,2}$/.test(s)) s = s.replace(/\./g, "").replace(",", ".");
  else s = s.replace(/,/g, "");
  const n = Number.parseFloat(s);
  return s && Number.isFinite(n) ? n : null;
}

function name(v: Json | undefined): string | null {
  if (Array.isArray(v)) return name(v[0]);
  if (isObject(v)) return text(v.name);
  return text(v);
}

/** "https://schema.org/InStock", "inStock" -> "InStock". */
function availability(s: string | null | undefined): string | null {
  const last = s?.split(/[/#]/).pop();
  return last ? last.charAt(0).toUpperCase() + last.slice(1) : null;
}

/** The offers of a product, flattened (an AggregateOffer counts as one, with its lowPrice). */
function offers(product: JsonObject): JsonObject[] {
  const out: JsonObject[] = [];
  const add = (v: Json | undefined): void => {
    if (Array.isArray(v)) for (const x of v) add(x);
    else if (isObject(v)) {
      out.push(v);
      if (v.offers) add(v.offers);
    }
  };
  add(product.offers);
  // A product group's offers are on its variants.
  if (!out.length && Array.isArray(product.hasVariant))
    for (const v of product.hasVariant) if (isObject(v)) add(v.offers);
  return out;
}

/** The raw values a page states, before validation: JSON-LD and microdata both fill one. */
export interface ProductFacts {
  name?: string | null;
  price?: Json;
  currency?: string | null;
  availability?: string | null;
  sku?: string | null;
  brand?: string | null;
  rating?: Json;
  ratingCount?: Json;
}

/** The facts a JSON-LD Product object states. */
export function productFacts(product: JsonObject): ProductFacts {
  const all = offers(product);
  const priced = all.find((o) => parsePrice(o.price ?? o.lowPrice) !== null);
  const offer = priced ?? all[0];
  const spec = offer && isObject(offer.priceSpecification) ? offer.priceSpecification : undefined;
  const rating = isObject(product.aggregateRating) ? product.aggregateRating : undefined;
  return {
    name: text(product.name),
    price: offer ? (offer.price ?? offer.lowPrice ?? spec?.price) : undefined,
    currency: offer ? text(offer.priceCurrency ?? spec?.priceCurrency) : null,
    availability: offer ? text(Array.isArray(offer.availability) ? offer.availability[0] : offer.availability) : null,
    sku: text(product.sku) ?? text(product.mpn) ?? text(product.gtin13) ?? text(product.productID),
    brand: name(product.brand) ?? name(product.manufacturer),
    rating: rating?.ratingValue,
    ratingCount: rating ? (rating.reviewCount ?? rating.ratingCount) : undefined,
  };
}

/** Validates the facts field by field: a value of the wrong shape becomes null, not an error. */
export function toStructured(f: ProductFacts): StructuredData | null {
  const num = (v: Json | undefined): number | null => parsePrice(v);
  const candidate: StructuredData = {
    name: f.name ?? null,
    price: num(f.price),
    currency: f.currency ? f.currency.toUpperCase() : null,
    availability: availability(f.availability),
    sku: f.sku ?? null,
    brand: f.brand ?? null,
    rating: num(f.rating),
    ratingCount: ((n) => (n === null ? null : Math.round(n)))(num(f.ratingCount)),
  };
  const shape = StructuredData.shape;
  const out = { ...candidate };
  for (const k of Object.keys(candidate) as (keyof StructuredData)[])
    if (!shape[k].safeParse(candidate[k]).success) (out as Record<string, unknown>)[k] = null;
  if (Object.values(out).every((v) => v === null)) return null;
  return StructuredData.parse(out);
}
