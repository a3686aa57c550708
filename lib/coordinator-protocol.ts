// The shapes that cross the RPC boundary between the API, the queue consumer and a
// batch's coordinator. Plain data only: structured-clone safe.

import type { RunLink } from "./batch";
import type { BatchSummary, RetryOf } from "./batch-status";
import type { Change } from "./changes";
import type { CostCounts } from "./cost-ledger";
import type { ErrorCode } from "./error-codes";
import type { SlowestHost } from "./host-view";
import type { PaceReason, PaceSample } from "./pace";
import type { RobotsRules } from "./robots";
import type { BatchOptions, ManifestPart, UrlState } from "./schemas";

// The status shapes are declared once, in lib/batch-status.ts; named here too for the RPC's callers.
export type { RunLink } from "./batch";
export type { BatchCounts, BatchSummary, RetryOf, SlaView, SubmitCounts } from "./batch-status";
export type { ChangeCounts } from "./schemas";

/** One URL of the submitted list, already validated and normalised by the API. */
export interface IngestRow {
  url: string;
  id: string | null;
  /** Normalised URL, null when the input was refused (then `code` says why). */
  norm: string | null;
  code: ErrorCode | null;
  message: string | null;
}

export interface BeginInput {
  batchId: string;
  tenant: string;
  options: BatchOptions;
  chunkSize: number;
  retryOf?: RetryOf;
  /** The run before this one (same tenant, published): its records make this one incremental. */
  previousBatch?: string;
  run?: RunLink;
  /** A re-extraction: the published batch (same tenant, kept raw) whose stored bodies it reads. */
  reextractOf?: string;
}

export type BeginResult =
  | { created: true; token: string }
  /** `inProgress`: the first request with this key is still uploading its list. */
  | { created: false; inProgress: boolean; summary: BatchSummary }
  /** The object holds another tenant's batch: nothing of it is told, nothing is reset. */
  | { created: false; foreign: true };

/** A URL a consumer is to fetch: only URLs still pending travel to consumers. */
export interface ClaimEntry {
  index: number;
  id: string | null;
  url: string;
  /** The normalised URL: how the previous run knows it. */
  key: string;
  /** Fetches already made for this URL in earlier attempts. */
  attempts: number;
}

export type ClaimResult =
  | {
      kind: "work";
      token: string;
      attempt: number;
      options: BatchOptions;
      entries: ClaimEntry[];
      /** The previous run, whose records say what changed (null: every page is new). */
      previousBatch: string | null;
      /** A re-extraction reads the bodies this batch stored instead of fetching (null: fetch). */
      reextractOf?: string | null;
      /**
       * A scheduled run behind its window: the per-host concurrency it asks the gate for,
       * at most HOST_MAX_CONCURRENCY (durable-objects/batch/lateness.ts); null otherwise.
       */
      concurrencyBoost?: number | null;
    }
  | { kind: "done" }
  | { kind: "busy" }
  | { kind: "unknown" };

/**
 * What became of one URL in a consumer's attempt: a terminal state (its record is in
 * the report's part) or `retry` (still pending). `fetched`: a request went out for it.
 */
export interface UrlReport {
  index: number;
  outcome: UrlState | "retry";
  code: ErrorCode | null;
  message: string | null;
  fetched: boolean;
  /** For a terminal URL: its change, and the validators the next run sends. */
  change?: Change | null;
  etag?: string | null;
  lastModified?: string | null;
  contentHash?: string | null;
  /** A succeeded page's simhash: the coordinator's near-duplicate index takes it (near-duplicates.ts). */
  simhash?: string | null;
  /** Its extractionQuality, for the manifest's distribution and worst pages. */
  quality?: number | null;
}

export interface ChunkReport {
  chunkId: number;
  token: string;
  /** The part holding a record for every terminal URL; null when none became terminal. */
  part: PartInfo | null;
  urls: UrlReport[];
  /** Set when some URLs must be tried again: when to redeliver the chunk. */
  retryAfterSeconds: number | null;
  /** Each origin's pace and why, as its gate last said: the status names the host a batch waits for. */
  paces?: SlowestHost[];
  /** What the attempt did, for the batch's cost ledger (lib/cost-ledger.ts): one aggregate per report, never per URL. */
  usage?: Partial<CostCounts>;
}

/** An immutable part written to R2, as the coordinator records it. */
export type PartInfo = ManifestPart;

export interface ResultLocation {
  index: number;
  state: UrlState | "pending";
  /** The part holding its record; null while pending or not yet written. */
  part: string | null;
  /** Once the batch is published: the page's near-duplicate marks, merged into its record. */
  duplicate?: DuplicateMarks;
}

/** A page's near-duplicate marks, as its published record carries them (durable-objects/near-duplicates.ts). */
export interface DuplicateMarks {
  nearDuplicateOf: number;
  nearDuplicateDistance: number;
  duplicateOf?: number;
}

export interface ErrorEntry {
  index: number;
  id: string | null;
  url: string;
  status: UrlState;
  code: string | null;
  message: string | null;
}

/** A batch read on behalf of a tenant: null (answer 404) when it is not theirs or does not exist. */
export type Owned<T> = { summary: BatchSummary; value: T } | null;

/** The origin's pace as the gate answers it with every grant and release (lib/pace.ts). */
export interface PaceNow {
  reason: PaceReason;
  /** Requests per second allowed now; null before anything bounds it. */
  pace: number | null;
}

export type GateGrant =
  | { kind: "robots" }
  | ({ kind: "wait"; waitMs: number } & PaceNow)
  | ({
      kind: "go";
      lease: string;
      slots: number[];
      robots: RobotsRules | null;
      /** Epoch ms when the cached robots.txt is asked again (soon, and backing off, when unreachable). */
      robotsExpiresAt: number;
      /** The gap between the slots: a start later than its slot by more than a sliver of it gives the slot up. */
      intervalMs?: number;
    } & PaceNow);

export interface GateRelease {
  /** Set when the origin answered 429/503: how long it asked us to stay away. */
  rateLimitedForMs: number | null;
  /** What the origin answered under the lease, one per request: the adaptive pace follows them (lib/pace.ts). */
  samples?: PaceSample[];
  /** URLs sent back to the queue under the lease (429/503, timeouts, other transient failures). */
  retries?: number;
  /** The first slot given up (started too late), so the gate can hand it out again. */
  unusedFrom?: number | null;
}

/** Who asks the gate, so it can share the origin fairly and put discovery first (durable-objects/host-gate.ts). */
export interface GateAsker {
  /** The batch asking; null for a single scrape. */
  batch: string | null;
  /** Discovery reads (sitemaps, feeds, robots) and single scrapes go before queued page chunks. */
  priority: boolean;
  /** The batch's own cap on simultaneous fetches at this origin (`maxConcurrency`); null for none. */
  maxConcurrency: number | null;
  /**
   * A scheduled run behind its window asks for this concurrency at the origin
   * (durable-objects/batch/lateness.ts): the gate takes the larger of its adaptive pace's
   * and this, never past HOST_MAX_CONCURRENCY, and the interval (Crawl-delay,
   * Retry-After) stays as paced. Absent or null: the pace alone.
   */
  boost?: number | null;
}
