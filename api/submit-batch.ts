import { z } from "@hono/zod-openapi";
import type { AllowList } from "../lib/address-policy";
import type { DiscoveryPlan } from "../lib/discovery";
import { idempotentBatchName } from "../lib/object-names";
import type { BatchOptions, UrlEntry } from "../lib/schemas";
import { ApiError } from "./errors";
import { type Uploaded, upload } from "./upload";

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/** The `Idempotency-Key` header of the routes that make a batch (submit, retry, re-extract). */
export const IdempotencyHeaders = z.object({
  "idempotency-key": z
    .string()
    .optional()
    .describe(
      "1 to 255 visible ASCII characters: the same key again answers the batch it made the first time instead of making another.",
    ),
});

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

export type Submitted = Uploaded;

/**
 * Creates a batch on its coordinator (through the one upload driver), or finds the one
 * its idempotency key already made. The same key names the same batch whichever API
 * (Trawl's or Firecrawl's) submitted it.
 */
export async function submitBatch(env: Env, input: SubmitInput): Promise<Submitted> {
  const { tenant, idempotencyKey: key } = input;
  const objectId = key ? env.BATCH.idFromName(idempotentBatchName(tenant, key)) : env.BATCH.newUniqueId();
  return upload(env, objectId, {
    begin: {
      tenant,
      options: input.options,
      chunkSize: input.chunkSize,
      ...(input.previousBatch && { previousBatch: input.previousBatch }),
    },
    keyField: input.keyField,
    inProgress: "a request with this key is still uploading",
    ...(input.discardInput && { discardInput: input.discardInput }),
    ...(input.checkQuota && { before: input.checkQuota }),
    entries: input.entries,
    allow: input.allow,
    maxUrls: input.maxUrls,
    discovery: input.discovery ?? null,
  });
}
