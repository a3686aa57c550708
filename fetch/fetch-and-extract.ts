import type { Chunk, ChunkingOptions } from "../lib/chunk/options";
import type { ClaimEntry } from "../lib/coordinator-protocol";
import type { ErrorCode } from "../lib/error-codes";
import { extract, loadReader } from "../lib/extract";
import { classifyContentType } from "../lib/extract/content-type";
import { extractorOf } from "../lib/extract/provenance";
import { brokenRule } from "../lib/page-validation";
import { unfetchedRecord } from "../lib/result-parts";
import { pageRetryDelay } from "../lib/retry-policy";
import type { BatchOptions, RawRef, ResultRecord } from "../lib/schemas";
import { withRangeSimhashes } from "../lib/simhash";
import type { DocumentBudget } from "./document-budget";
import { ExtractionBudget } from "./extraction-budget";
import { type FetchedPage, type FetchLimits, type FetchOutcome, fetchPage } from "./fetcher";

/** The previous run's record of a URL: its validators go with the request, and a 304 carries its content forward. */
export interface Previous {
  headers: Record<string, string>;
  /** Null when the record is gone (its run expired): the page is then fetched whole. */
  load(): Promise<ResultRecord | null>;
}

/**
 * Where a page's bytes come from and where they are kept: the origin by default; a
 * re-extraction reads them back from the first batch's stored bodies (workers/stored-pages.ts).
 */
export interface PageSource {
  read(url: string, limits: FetchLimits, conditional: Record<string, string> | null): Promise<FetchOutcome>;
  /** With `keepRaw`: stores (or finds) a fetched body; the record keeps the reference. */
  keep?(page: FetchedPage): Promise<RawRef>;
  /** With `keepRaw`: whether a 304's carried body is still stored (else the page is fetched whole). */
  kept?(raw: RawRef): Promise<boolean>;
}

const ORIGIN: PageSource = { read: fetchPage };

/** What became of one URL in this attempt. `fetched`: a request went out for it. */
export type UrlOutcome =
  | { kind: "terminal"; record: ResultRecord; fetched: boolean }
  | {
      kind: "retry";
      afterSeconds: number;
      fetched: boolean;
      rateLimited: boolean;
      /** Why a fetched URL is tried again (its HTTP status and code), for the host gate's pace. */
      cause?: { status: number | null; code: ErrorCode };
    };

/** The outcome of a URL that ends without a (further) fetch. */
export function recordWithoutFetch(
  entry: ClaimEntry,
  status: "failed" | "skipped",
  code: ErrorCode,
  message: string,
): UrlOutcome {
  return { kind: "terminal", record: unfetchedRecord(entry, status, code, message), fetched: false };
}

/**
 * Body bytes extracted at once in this isolate (fetch/extraction-budget.ts): a page at the
 * body cap alone, or many small pages side by side.
 */
const EXTRACTION_BUDGET_BYTES = 4 * 1024 * 1024;
const extracting = new ExtractionBudget(EXTRACTION_BUDGET_BYTES);

/**
 * The chunker, loaded on first use: its tokenizers' rank tables are 3.6 MB of code, and a
 * Worker that never chunks should not evaluate them at startup (the bundler keeps a
 * module reached only by `import()` unevaluated until then).
 */
function chunker() {
  return import("../lib/chunk/chunk-markdown");
}

/** The page's chunks, each with its simhash when the batch analyses pages. */
async function chunksOf(markdown: string, chunking: ChunkingOptions, options: BatchOptions): Promise<Chunk[]> {
  const chunks = (await chunker()).chunkMarkdown(markdown, chunking);
  if (options.analysis === false) return chunks;
  // From the page's own scan, which its analysis has just made (lib/simhash.ts).
  return withRangeSimhashes(markdown, chunks);
}

/** Fetches and extracts one URL (conditionally, given its previous record), or says when to try it again. */
export async function fetchAndExtract(
  entry: ClaimEntry,
  options: BatchOptions,
  limits: FetchLimits,
  previous: Previous | null = null,
  source: PageSource = ORIGIN,
  documentBudget: DocumentBudget | null = null,
): Promise<UrlOutcome> {
  const attempts = entry.attempts + 1;
  const page = await source.read(entry.url, limits, previous?.headers ?? null);
  const base = {
    index: entry.index,
    id: entry.id,
    url: entry.url,
    finalUrl: page.finalUrl,
    redirects: page.redirects,
    httpStatus: page.status,
    contentType: page.contentType,
    fetchedAt: page.fetchedAt,
    durationMs: page.durationMs,
    attempts,
  };
  if (page.ok && page.notModified) {
    const carried = await previous?.load();
    // A kept batch refers to the stored body a 304 confirms; with none left, it fetches the page whole.
    const keptBody = options.keepRaw && carried?.raw && (await source.kept?.(carried.raw)) ? carried.raw : null;
    if (!carried || (options.keepRaw && !keptBody)) {
      return fetchAndExtract(entry, options, limits, null, source, documentBudget);
    }
    const { raw: _raw, reextract: _reextract, ...content } = carried;
    // The content, metadata and hash are the previous record's; the exchange is this one's.
    const record: ResultRecord = {
      ...content,
      ...(keptBody && { raw: keptBody }),
      ...base,
      contentType: page.contentType ?? carried.contentType,
      etag: page.etag ?? carried.etag,
      lastModified: page.lastModified ?? carried.lastModified,
    };
    return { kind: "terminal", record, fetched: true };
  }
  if (!page.ok) {
    const afterSeconds = page.transient ? pageRetryDelay(attempts, options.maxAttempts, page.retryAfterSeconds) : null;
    if (afterSeconds !== null) {
      const cause = { status: page.status, code: page.code };
      return { kind: "retry", afterSeconds, fetched: true, rateLimited: page.code === "rate_limited", cause };
    }
    // A redirect into a path robots.txt forbids is skipped, as the path itself would be.
    const state = page.code === "robots_disallowed" ? "skipped" : "failed";
    const record = unfetchedRecord(entry, state, page.code, page.message);
    return { kind: "terminal", record: { ...record, ...base }, fetched: true };
  }
  const kind = classifyContentType(page.contentType, page.body);
  const isDocument = kind === "pdf" || kind === "docx";
  if (isDocument) await loadReader(kind);
  const read = () =>
    extract({
      body: page.body,
      contentType: page.contentType,
      url: page.finalUrl,
      options: {
        onlyMainContent: options.onlyMainContent,
        images: options.images,
        includeSelectors: options.includeSelectors,
        excludeSelectors: options.excludeSelectors,
        includeHtml: options.formats.includes("html"),
        includeText: options.formats.includes("text"),
        includeLinks: options.formats.includes("links"),
        analyze: options.analysis !== false,
        keepTitleHeading: options.keepTitleHeading,
        documents: limits.documents && {
          ...limits.documents,
          maxPages: Math.min(options.maxPages ?? limits.documents.maxPages, limits.documents.maxPages),
        },
      },
    });
  const extracted = await extracting.run(page.body.byteLength, () =>
    isDocument && documentBudget ? documentBudget.read(read) : read(),
  );
  // This delivery's documents have had their time: this one waits for the next, uncounted.
  if (extracted === null) return { kind: "retry", afterSeconds: 0, fetched: false, rateLimited: false };
  const raw = options.keepRaw && source.keep ? { raw: await source.keep(page) } : null;
  const validators = { etag: page.etag, lastModified: page.lastModified, ...raw };
  if (!extracted.ok) {
    const record = unfetchedRecord(entry, "failed", extracted.error.code, extracted.error.message);
    const rendering = extracted.error.needsRendering && { needsRendering: true };
    const extractor = { extractor: extractorOf(options) };
    return {
      kind: "terminal",
      record: { ...record, ...base, ...validators, ...rendering, ...extractor },
      fetched: true,
    };
  }
  const x = extracted.value;
  // Selector rules read the fetched page itself, decoded only when one is set. As UTF-8
  // whatever its charset: tag, class and attribute names are ASCII, so it matches alike.
  const html =
    options.validate?.requireSelectors && /html/i.test(page.contentType ?? "")
      ? new TextDecoder("utf-8").decode(page.body)
      : null;
  const broken = brokenRule(options.validate, { title: x.title, wordCount: x.wordCount, html });
  return {
    kind: "terminal",
    fetched: true,
    record: {
      ...base,
      ...validators,
      // Quarantined, not dropped: the record keeps everything extracted below.
      status: broken === null ? "succeeded" : "failed",
      error: broken === null ? null : { code: "validation_failed", message: broken },
      title: x.title,
      description: x.description,
      language: x.language,
      canonicalUrl: x.canonicalUrl,
      siteName: x.siteName,
      byline: x.byline,
      publishedTime: x.publishedTime,
      markdown: options.formats.includes("markdown") ? x.markdown : null,
      ...(x.html !== undefined && { html: x.html }),
      ...(x.text !== undefined && { text: x.text }),
      ...(x.links !== undefined && { links: x.links }),
      wordCount: x.wordCount,
      ...(x.truncated && { truncated: true }),
      ...(x.structured && { structured: x.structured }),
      ...(x.needsRendering && { needsRendering: true }),
      ...(x.pageCount !== undefined && { pageCount: x.pageCount }),
      contentHash: x.contentHash,
      ...(x.extractionQuality !== undefined && {
        simhash: x.simhash ?? null,
        detectedLanguage: x.detectedLanguage ?? null,
        languageConfidence: x.languageConfidence ?? null,
        extractionQuality: x.extractionQuality,
      }),
      ...(options.chunking && { chunks: await chunksOf(x.markdown, options.chunking, options) }),
      extractor: extractorOf(options),
    },
  };
}
