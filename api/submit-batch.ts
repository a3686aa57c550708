import type { AllowList } from "../lib/address-policy";
import type { BatchSummary } from "../lib/coordinator-protocol";
import type { DiscoveryPlan } from "../lib/discovery";
import { idempotentBatchName } from "../lib/object-names";
import type { BatchOptions, UrlEntry } from "../lib/schemas";
import { ApiError } from "./errors";
import { type IngestTotals, ingestEntries, uploadSuperseded } from "./ingest";

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/** Checks an idempotency key from `header`; null when none was sent. */
export function idempotencyKeyFrom(value: string | undefined, header: string): string | null {
  if (value === undefined) return null;
  if (!IDEMPOTENCY_KEY.test(value)) throw ApiError.invalid(header, "must be 1 to 255 visible ASCII characters");
  return value;
}

export interface SubmitInput {
  tenant: string;
  idempotencyKey: string | null;
  /** The header the key came in, as error messages name it. */
  keyField: string;
  options: BatchOptions;
  entries: AsyncIterable<{ entry: UrlEntry } | { problem: string; field: string }>;
  /** Sources to discover more URLs from once the list is in; with them the list may be empty. */
  discovery?: DiscoveryPlan | null;
  allow: AllowList;
  maxUrls: number;
  chunkSize: number;
  /** The published batch this one is compared with (see lib/changes.ts). */
  previousBatch?: string | null;
  /** Called when the key names an existing batch: the list will not be read. */
  discardInput?: () => Promise<void>;
  /** Checked only for a new batch (a replay is always answered): throws when the tenant is over a quota. */
  checkQuota?: () => Promise<void>;
}

/**
 * A key whose object holds another tenant's batch (only names made before they were
 * escaped can meet): nothing of that batch is told, the caller picks another key.
 */
export function keyUnusable(field: string): ApiError {
  return new ApiError(409, "idempotency_key_unusable", `${field}: this key cannot be used: send another`, [
    { field, reason: "cannot be used" },
  ]);
}

export type Submitted =
  | { replayed: true; summary: BatchSummary }
  | { replayed: false; summary: BatchSummary; totals: IngestTotals };

/**
 * Creates a batch on its coordinator (begin, append in slices, seal), or finds the one
 * its idempotency key already made. The same key names the same batch whichever API
 * (Trawl's or Firecrawl's) submitted it.
 */
export async function submitBatch(env: Env, input: SubmitInput): Promise<Submitted> {
  const { tenant, idempotencyKey: key } = input;
  const objectId = key ? env.BATCH.idFromName(idempotentBatchName(tenant, key)) : env.BATCH.newUniqueId();
  const stub = env.BATCH.get(objectId);
  const begun = await stub.begin({
    batchId: objectId.toString(),
    tenant,
    options: input.options,
    chunkSize: input.chunkSize,
    ...(input.previousBatch && { previousBatch: input.previousBatch }),
  });
  if (!begun.created) {
    await input.discardInput?.();
    if ("foreign" in begun) throw keyUnusable(input.keyField);
    if (begun.inProgress) {
      throw new ApiError(
        409,
        "idempotency_in_progress",
        `${input.keyField}: a request with this key is still uploading`,
        [{ field: input.keyField, reason: "in progress" }],
      );
    }
    return { replayed: true, summary: begun.summary };
  }
  let totals: IngestTotals;
  try {
    await input.checkQuota?.();
    const discovery = input.discovery ?? null;
    totals = await ingestEntries(stub, begun.token, input.entries, input.allow, input.maxUrls, discovery === null);
    if (discovery && !(await stub.planDiscovery(begun.token, discovery))) throw uploadSuperseded();
  } catch (error) {
    await stub.abandon(begun.token);
    throw error;
  }
  const summary = await stub.seal(begun.token);
  if (!summary) throw uploadSuperseded();
  return { replayed: false, summary, totals };
}
