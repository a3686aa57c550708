// Which extractor, with which options, made a record: so a result set can be reproduced
// and a re-extraction compared with the run it re-extracts. The version is the package's
// (package.json, bumped on release) plus EXTRACTOR_REVISION, bumped by any change that
// alters what the extractor or the chunker outputs for the same input between releases.
import { createHash } from "node:crypto";
import { version as packageVersion } from "../../package.json";
import type { BatchOptions } from "../schemas";

/** Bump when the Markdown, metadata or chunks made from the same page change (2: language detected on a shorter sample; 3: each chunk has its simhash; 4: every CJK character of a long run counts in the simhash, not the first half). */
export const EXTRACTOR_REVISION = 4;

/** `<package version>+r<revision>`, e.g. `0.1.0+r1`. */
export const EXTRACTOR_VERSION = `${packageVersion}+r${EXTRACTOR_REVISION}`;

/**
 * The options that shape a record's content, canonical: lists whose order does not
 * matter sorted, absent chunking null. `validate`, retries, robots, webhooks and
 * retention decide what happens to a record, not what it holds, so they are not here.
 */
export function extractionOptions(options: BatchOptions) {
  return {
    analysis: options.analysis !== false,
    chunking: options.chunking ?? null,
    excludeSelectors: [...options.excludeSelectors].sort(),
    formats: [...options.formats].sort(),
    images: options.images,
    includeSelectors: [...options.includeSelectors].sort(),
    keepTitleHeading: options.keepTitleHeading ?? false,
    maxPages: options.maxPages ?? null,
    onlyMainContent: options.onlyMainContent,
  };
}
export type ExtractionOptions = ReturnType<typeof extractionOptions>;

/** JSON with every object's keys sorted: the same options always give the same text. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** The first 16 hex digits of SHA-256 over the canonical JSON of the extraction options. */
export function optionsHash(options: ExtractionOptions): string {
  return createHash("sha256").update(canonicalJson(options), "utf8").digest("hex").slice(0, 16);
}

const cache = new WeakMap<BatchOptions, { version: string; optionsHash: string }>();

/** A record's `extractor` field for a batch's options (worked out once per options object). */
export function extractorOf(options: BatchOptions): { version: string; optionsHash: string } {
  let found = cache.get(options);
  if (!found) {
    found = { version: EXTRACTOR_VERSION, optionsHash: optionsHash(extractionOptions(options)) };
    cache.set(options, found);
  }
  return found;
}
