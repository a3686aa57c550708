// The shapes that cross the RPC boundary between the API, the queue consumer and a
// batch's coordinator. Plain data only: structured-clone safe.
import type { ErrorCode } from "./error-codes";
import type { RobotsRules } from "./robots";
import type { BatchOptions, BatchStatus, ManifestPart, UrlState } from "./schemas";

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
  idempotencyKey: string | null;
  chunkSize: number;
}

export type BeginResult =
  | { created: true; token: string }
  /** `inProgress`: the first request with this key is still uploading its list. */
  | { created: false; inProgress: boolean; summary: BatchSummary };

export interface SubmitCounts {
  accepted: number;
  invalid: number;
  duplicates: number;
}

export interface BatchCounts {
  total: number;
  pending: number;
  succeeded: number;
  failed: number;
  skipped: number;
}

export interface BatchSummary {
  id: string;
  tenant: string;
  status: BatchStatus;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  counts: BatchCounts;
  submitted: SubmitCounts;
  percent: number;
  pagesPerSecond: number | null;
  etaSeconds: number | null;
  manifestKey: string | null;
  failure: string | null;
}

export interface ClaimEntry {
  index: number;
  id: string | null;
  url: string;
  /** `pending` must be fetched; `skipped` only needs its record written. */
  state: "pending" | "skipped";
  code: ErrorCode | null;
  message: string | null;
  /** Fetches already made for this URL in earlier attempts. */
  attempts: number;
}

export type ClaimResult =
  | { kind: "work"; token: string; attempt: number; options: BatchOptions; entries: ClaimEntry[] }
  | { kind: "done" }
  | { kind: "busy" }
  | { kind: "unknown" };

export interface ChunkOutcome {
  index: number;
  state: UrlState;
  code: ErrorCode | null;
  message: string | null;
}

export interface ChunkReport {
  chunkId: number;
  token: string;
  /** The part holding a record for every outcome; null when nothing became terminal. */
  part: Omit<ManifestPart, "chunk"> | null;
  outcomes: ChunkOutcome[];
  /** Indices actually fetched in this attempt (terminal or not): their attempt count grows. */
  tried: number[];
  /** Set when some URLs must be tried again: when to redeliver the chunk. */
  retryAfterSeconds: number | null;
}

export interface ResultLocation {
  index: number;
  state: UrlState | "pending";
  part: string | null;
}

export interface ErrorEntry {
  index: number;
  id: string | null;
  url: string;
  status: UrlState;
  code: string | null;
  message: string | null;
}

/** What a consumer tells an origin's gate about the pace it may keep. */
export interface GateLimits {
  userAgent: string;
  respectRobots: boolean;
  minIntervalMs: number;
  maxConcurrency: number;
  /** Slots further out than this are not handed out; those URLs are retried later. */
  maxWaitMs: number;
  /** How long a lease outlives its last slot before it counts as abandoned. */
  leaseMs: number;
}

export type GateGrant =
  | { kind: "robots" }
  | { kind: "wait"; waitMs: number }
  | { kind: "go"; lease: string; slots: number[]; robots: RobotsRules | null };

export interface GateRelease {
  /** Set when the origin answered 429/503: how long it asked us to stay away. */
  rateLimitedForMs: number | null;
}
