/**
 * The R2 key layout, in one place. Every object of a batch lives under
 * `batches/<batchId>/`, so deleting a batch is one prefix.
 */
export const r2Keys = {
  /** Prefix of everything a batch wrote. */
  batchPrefix: (batchId: string) => `batches/${batchId}/`,
  /** An immutable NDJSON part: one attempt at one chunk. */
  part: (batchId: string, chunkId: number, attempt: number) =>
    `batches/${batchId}/parts/${String(chunkId).padStart(8, "0")}-${attempt}.ndjson`,
  /** A part the coordinator wrote: records of URLs that ended without a consumer's fetch, from `firstIndex` on. */
  recordsPart: (batchId: string, firstIndex: number) =>
    `batches/${batchId}/records/${String(firstIndex).padStart(10, "0")}.ndjson`,
  /** A part of removed records (URLs of the previous run not in this one), from the previous run's `firstIndex` on. */
  removedPart: (batchId: string, firstIndex: number) =>
    `batches/${batchId}/removed/${String(firstIndex).padStart(10, "0")}.ndjson`,
  /** Prefix of a batch's stored bodies (`keepRaw`). */
  rawPrefix: (batchId: string) => `batches/${batchId}/raw/`,
  /** A stored body, gzipped, named by the SHA-256 of its bytes: the same bytes are stored once per batch. */
  raw: (batchId: string, sha256: string) => `batches/${batchId}/raw/${sha256}.gz`,
  /** A part of near-duplicate marks (durable-objects/near-duplicates.ts), from `firstIndex` on. */
  duplicatesPart: (batchId: string, firstIndex: number) =>
    `batches/${batchId}/duplicates/${String(firstIndex).padStart(10, "0")}.ndjson`,
  /** The manifest, written once with a create-only put when the batch is final. */
  manifest: (batchId: string) => `batches/${batchId}/manifest.json`,
} as const;
