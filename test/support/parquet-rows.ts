// Reads a Parquet export back with an independent reader (hyparquet) and says what
// each row should be for an NDJSON record, column by column, written out by hand here
// rather than taken from lib/parquet-export.ts, so the two can disagree.
import { parquetReadObjects } from "hyparquet/src/index.js";
import type { ResultRecord } from "../../lib/schemas";

/** Every row of a Parquet file, as plain objects keyed by column name. */
export async function readParquet(bytes: ArrayBuffer): Promise<Record<string, unknown>[]> {
  return (await parquetReadObjects({ file: bytes })) as Record<string, unknown>[];
}

/** The row an NDJSON record must become. */
export function expectedRow(r: ResultRecord): Record<string, unknown> {
  return {
    index: r.index,
    id: r.id,
    url: r.url,
    status: r.status,
    change: r.change ?? null,
    error_code: r.error?.code ?? null,
    error_message: r.error?.message ?? null,
    final_url: r.finalUrl,
    redirects: r.redirects,
    http_status: r.httpStatus,
    content_type: r.contentType,
    title: r.title,
    description: r.description,
    language: r.language,
    canonical_url: r.canonicalUrl,
    site_name: r.siteName,
    byline: r.byline,
    published_time: r.publishedTime,
    markdown: r.markdown,
    html: r.html ?? null,
    text: r.text ?? null,
    links: r.links ?? null,
    word_count: r.wordCount,
    truncated: r.truncated ?? null,
    content_hash: r.contentHash,
    simhash: r.simhash ?? null,
    detected_language: r.detectedLanguage ?? null,
    language_confidence: r.languageConfidence ?? null,
    extraction_quality: r.extractionQuality ?? null,
    near_duplicate_of: r.nearDuplicateOf ?? null,
    near_duplicate_distance: r.nearDuplicateDistance ?? null,
    duplicate_of: r.duplicateOf ?? null,
    etag: r.etag,
    last_modified: r.lastModified,
    fetched_at: r.fetchedAt === null ? null : new Date(r.fetchedAt),
    duration_ms: r.durationMs,
    attempts: r.attempts,
    structured_name: r.structured?.name ?? null,
    structured_price: r.structured?.price ?? null,
    structured_currency: r.structured?.currency ?? null,
    structured_availability: r.structured?.availability ?? null,
    structured_sku: r.structured?.sku ?? null,
    structured_brand: r.structured?.brand ?? null,
    structured_rating: r.structured?.rating ?? null,
    structured_rating_count: r.structured?.ratingCount ?? null,
    needs_rendering: r.needsRendering ?? null,
    page_count: r.pageCount ?? null,
    raw_key: r.raw?.key ?? null,
    raw_sha256: r.raw?.sha256 ?? null,
    raw_bytes: r.raw?.bytes ?? null,
    raw_date: r.raw?.date ?? null,
    reextract_batch_id: r.reextract?.batchId ?? null,
    reextract_from: r.reextract?.from ?? null,
    reextract_message: r.reextract?.message ?? null,
    chunks: r.chunks ?? null,
    extractor_version: r.extractor?.version ?? null,
    extractor_options_hash: r.extractor?.optionsHash ?? null,
  };
}
