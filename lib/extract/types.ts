import type { ErrorCode } from "../error-codes";
import type { Failure, Result } from "../result";
import type { DocumentLimits } from "./document-limits";
import type { QualitySignals } from "./quality";
import type { StructuredData } from "./structured";

/** Options a batch passes to the extractor for every page. */
export interface ExtractOptions {
  /** Keep only the main content (article, docs section, product), default true. */
  onlyMainContent?: boolean;
  /** CSS selectors whose elements are kept even when not main content. */
  includeSelectors?: string[];
  /** CSS selectors whose elements are always removed. */
  excludeSelectors?: string[];
  /** Also return the cleaned HTML of the main content. */
  includeHtml?: boolean;
  /** Also return plain text. */
  includeText?: boolean;
  /** Also return the absolute links found in the main content. */
  includeLinks?: boolean;
  /** Keep images in the Markdown (default true); false gives text only, without alt text. */
  images?: boolean;
  /** Bounds on a PDF or DOCX (page cap, time budget, inflated bytes); the defaults when absent. */
  documents?: DocumentLimits;
  /** Add the simhash, the detected language and the quality score (default true; analysis.ts). */
  analyze?: boolean;
  /** Keep a first heading that repeats the page title (default false: the title is metadata). */
  keepTitleHeading?: boolean;
}

export interface ExtractInput {
  /** The raw response body (already size-capped by the fetcher). */
  body: Uint8Array;
  /** The Content-Type header as received, or null. */
  contentType: string | null;
  /** The final URL after redirects: base for relative links. */
  url: string;
  options?: ExtractOptions;
}

/** What a page says about itself (its <head>, Open Graph, Dublin Core, JSON-LD). */
export interface PageFields {
  title: string | null;
  description: string | null;
  language: string | null;
  canonicalUrl: string | null;
  siteName: string | null;
  byline: string | null;
  publishedTime: string | null;
}

export interface Extraction extends PageFields {
  markdown: string;
  html?: string;
  text?: string;
  links?: string[];
  wordCount: number;
  /** Hex SHA-256 of the Markdown, so unchanged content is recognisable across runs. */
  contentHash: string;
  /** Set when the page exceeded a size, depth or element bound and only its start was used. */
  truncated?: boolean;
  /** The product the page's structured data describes; absent when it describes none. */
  structured?: StructuredData;
  /** Set when the HTML holds next to no content but runs scripts: a browser would show more. */
  needsRendering?: true;
  /** A PDF's number of pages (all of them, also past `maxPages`). */
  pageCount?: number;
  /** 64-bit simhash of the main text (16 hex digits); absent when `analyze` is false. */
  simhash?: string | null;
  /** ISO 639-1 language detected from the main text, and the detector's score for it. */
  detectedLanguage?: string | null;
  languageConfidence?: number | null;
  /** How far to trust this extraction, 0..1 (quality.ts). */
  extractionQuality?: number;
  /** What the score was computed from: for calibration, not written to records. */
  qualitySignals?: QualitySignals;
}

/** A failed extraction may still say the page builds its content with scripts. */
export type ExtractResult = Result<Extraction, Failure<ErrorCode> & { needsRendering?: true }>;
