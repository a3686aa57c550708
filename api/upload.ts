// The API's upload into a batch's coordinator: begin (or find the batch the idempotency
// key already made), then lib/upload.ts's one ending (append in slices, hand over the
// discovery plan, seal; a failure before the seal abandons the upload). Batch creation,
// Firecrawl's batch scrape and the retry route all go through it.
import type { BatchSummary, BeginInput } from "../lib/coordinator-protocol";
import type { DiscoveryPlan } from "../lib/discovery";
import { finishUpload } from "../lib/upload";
import { ApiError } from "./errors";
import { type IngestTotals, ingestEntries, uploadSuperseded } from "./ingest";

export interface UploadInput {
  /** What `begin` is told (its `batchId` is the object's own id). */
  begin: Omit<BeginInput, "batchId">;
  /** The header the key came in, as error messages name it. */
  keyField: string;
  /** What a 409 says while another request with the key is still uploading. */
  inProgress: string;
  /** Called when the key names an existing batch: the input will not be read. */
  discardInput?: () => Promise<void>;
  /** Runs before any row is appended (a quota check); a throw abandons the upload. */
  before?: () => Promise<void>;
  entries: Parameters<typeof ingestEntries>[2];
  allow: Parameters<typeof ingestEntries>[3];
  maxUrls: number;
  /** Sources to discover more URLs from once the list is in; with them the list may be empty. */
  discovery?: DiscoveryPlan | null;
}

export type Uploaded =
  | { replayed: true; summary: BatchSummary }
  | { replayed: false; summary: BatchSummary; totals: IngestTotals };

/**
 * A key whose object holds another tenant's batch (only names made before they were
 * escaped can meet): nothing of that batch is told, the caller picks another key.
 */
export function keyUnusable(field: string): ApiError {
  return new ApiError(409, "idempotency_key_unusable", `${field}: this key cannot be used: send another`, [
    { field, reason: "cannot be used" },
  ]);
}

/** Uploads into the coordinator `objectId` names: a new batch, or the one its key already made (replayed). */
export async function upload(env: Env, objectId: DurableObjectId, input: UploadInput): Promise<Uploaded> {
  const stub = env.BATCH.get(objectId);
  const begun = await stub.begin({ ...input.begin, batchId: objectId.toString() });
  if (!begun.created) {
    await input.discardInput?.();
    if ("foreign" in begun) throw keyUnusable(input.keyField);
    if (begun.inProgress) {
      throw new ApiError(409, "idempotency_in_progress", `${input.keyField}: ${input.inProgress}`, [
        { field: input.keyField, reason: "in progress" },
      ]);
    }
    return { replayed: true, summary: begun.summary };
  }
  const discovery = input.discovery ?? null;
  const finished = await finishUpload(
    stub,
    begun.token,
    async () => {
      await input.before?.();
      return ingestEntries(stub, begun.token, input.entries, input.allow, input.maxUrls, discovery === null);
    },
    { plan: discovery, abandonOnError: true },
  );
  if (!finished.ok) throw uploadSuperseded();
  const { summary, value: totals } = finished;
  return { replayed: false, summary, totals };
}
