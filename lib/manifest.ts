// Building and checking manifest.json, the one object readers of a finished batch
// trust. Pure: the coordinator gathers the facts, these functions shape and check them.

import type { CostView } from "./cost-ledger";
import { EXTRACTOR_VERSION, extractionOptions, optionsHash } from "./extract/provenance";
import { r2Keys } from "./r2-keys";
import { Manifest, type ManifestChanges, type ManifestPart, type Totals } from "./schemas";

export interface ManifestFacts {
  batchId: string;
  status: Manifest["status"];
  createdAt: number;
  finishedAt: number;
  /** Epoch ms when the results are deleted; null keeps them. */
  expiresAt: number | null;
  retryOf?: Manifest["retryOf"];
  totals: Totals;
  options: Manifest["options"];
  parts: ManifestPart[];
  changes?: ManifestChanges;
  reextractOf?: string | null;
  analysis?: Manifest["analysis"];
  cost?: CostView;
}

/** The manifest for `facts`, parts in input order; throws when the facts do not add up. */
export function buildManifest(facts: ManifestFacts): Manifest {
  const manifest: Manifest = {
    version: 2,
    batchId: facts.batchId,
    status: facts.status,
    createdAt: new Date(facts.createdAt).toISOString(),
    finishedAt: new Date(facts.finishedAt).toISOString(),
    ...(facts.expiresAt !== null && { expiresAt: new Date(facts.expiresAt).toISOString() }),
    ...(facts.retryOf && { retryOf: facts.retryOf }),
    totals: facts.totals,
    options: facts.options,
    parts: [...facts.parts].sort((a, b) => a.first - b.first || a.last - b.last || a.key.localeCompare(b.key)),
    ...(facts.changes && { changes: facts.changes }),
    ...(facts.reextractOf && { reextractOf: facts.reextractOf }),
    ...(facts.options.keepRaw && { raw: { prefix: r2Keys.rawPrefix(facts.batchId) } }),
    ...(facts.analysis && { analysis: facts.analysis }),
    extractor: provenance(facts.options),
    ...(facts.cost && { cost: facts.cost }),
  };
  const problems = manifestProblems(manifest);
  if (problems.length > 0) throw new Error(`manifest of ${facts.batchId} does not add up: ${problems.join("; ")}`);
  return manifest;
}

/** The manifest's `extractor`: the version and the options the records' `optionsHash` is over. */
function provenance(options: Manifest["options"]): NonNullable<Manifest["extractor"]> {
  const extraction = extractionOptions(options);
  return { version: EXTRACTOR_VERSION, optionsHash: optionsHash(extraction), options: extraction };
}

/**
 * What is wrong with a manifest, if anything: totals that do not add up, parts whose
 * records do not sum to the total, or a part outside the input's index range.
 */
export function manifestProblems(manifest: Manifest): string[] {
  const problems: string[] = [];
  const { total, succeeded, failed, skipped } = manifest.totals;
  if (succeeded + failed + skipped !== total) {
    problems.push(`succeeded ${succeeded} + failed ${failed} + skipped ${skipped} != total ${total}`);
  }
  const records = manifest.parts.reduce((sum, part) => sum + part.records, 0);
  if (records !== total) problems.push(`parts hold ${records} records, total is ${total}`);
  for (const part of manifest.parts) {
    if (part.first < 0 || part.last >= total || part.first > part.last) {
      problems.push(`part ${part.key} covers ${part.first}..${part.last}, outside 0..${total - 1}`);
    }
    if (part.records > part.last - part.first + 1) {
      problems.push(`part ${part.key} holds ${part.records} records in a range of ${part.last - part.first + 1}`);
    }
  }
  if (manifest.changes) problems.push(...changeProblems(manifest.changes, total));
  return problems;
}

/** Removed records sit past the list (indices from `total` on) and their parts hold exactly `removed` of them. */
function changeProblems(changes: ManifestChanges, total: number): string[] {
  const problems: string[] = [];
  const pages = changes.new + changes.changed + changes.unchanged;
  if (pages > total) problems.push(`new + changed + unchanged = ${pages} exceeds total ${total}`);
  const removed = changes.removedParts.reduce((sum, part) => sum + part.records, 0);
  if (removed !== changes.removed)
    problems.push(`removed parts hold ${removed} records, removed is ${changes.removed}`);
  for (const part of changes.removedParts) {
    if (part.first < total || part.last >= total + changes.removed) {
      problems.push(
        `removed part ${part.key} covers ${part.first}..${part.last}, outside ${total}..${total + changes.removed - 1}`,
      );
    }
  }
  return problems;
}

/** Parses a stored manifest; version 1 (parts per chunk) is read as version 2 (parts per index range). */
export function parseManifest(json: unknown): Manifest {
  const raw = json as { version?: unknown; chunkSize?: unknown; parts?: unknown };
  if (raw?.version === 1 && typeof raw.chunkSize === "number" && Array.isArray(raw.parts)) {
    const size = raw.chunkSize;
    const { chunkSize: _chunkSize, ...rest } = raw as Record<string, unknown>;
    const total = ((raw as { totals?: { total?: number } }).totals?.total ?? 0) - 1;
    const parts = (raw.parts as { chunk: number }[]).map(({ chunk, ...part }) => ({
      ...part,
      first: chunk * size,
      last: Math.min(chunk * size + size - 1, total),
    }));
    return Manifest.parse({ ...rest, version: 2, parts });
  }
  return Manifest.parse(json);
}

/** What reading a manifest needs of a bucket; an R2 binding satisfies it. */
export interface ManifestBucket {
  get(key: string): Promise<{ json<T>(): Promise<T> } | null>;
}

/** A batch's published manifest, parsed; null when there is none (not published yet, or deleted since). */
export async function readManifest(bucket: ManifestBucket, batchId: string): Promise<Manifest | null> {
  const object = await bucket.get(r2Keys.manifest(batchId));
  return object ? parseManifest(await object.json()) : null;
}
