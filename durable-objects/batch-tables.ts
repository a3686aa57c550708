// The coordinator's SQLite schema. One row per input URL, one per chunk, one per
// result part; the single `batch` row holds the phase and the counters, which change in
// the same transaction as the URL rows they count.
export const BATCH_SCHEMA = `
CREATE TABLE IF NOT EXISTS batch (
  one INTEGER PRIMARY KEY CHECK (one = 1),
  batch_id TEXT NOT NULL,
  tenant TEXT NOT NULL,
  phase TEXT NOT NULL,
  options TEXT NOT NULL,
  idempotency_key TEXT,
  ingest_token TEXT,
  created_at INTEGER NOT NULL,
  last_ingest_at INTEGER NOT NULL,
  sealed_at INTEGER,
  finished_at INTEGER,
  chunk_size INTEGER NOT NULL,
  total INTEGER NOT NULL DEFAULT 0,
  succeeded INTEGER NOT NULL DEFAULT 0,
  failed INTEGER NOT NULL DEFAULT 0,
  skipped INTEGER NOT NULL DEFAULT 0,
  invalid INTEGER NOT NULL DEFAULT 0,
  duplicates INTEGER NOT NULL DEFAULT 0,
  manifest_key TEXT,
  failure TEXT
);
CREATE TABLE IF NOT EXISTS urls (
  idx INTEGER PRIMARY KEY,
  caller_id TEXT,
  url TEXT NOT NULL,
  norm TEXT UNIQUE,
  state TEXT NOT NULL,
  code TEXT,
  message TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  part TEXT
);
CREATE INDEX IF NOT EXISTS urls_state ON urls (state, idx);
CREATE TABLE IF NOT EXISTS chunks (
  id INTEGER PRIMARY KEY,
  state TEXT NOT NULL,
  dispatches INTEGER NOT NULL DEFAULT 0,
  claims INTEGER NOT NULL DEFAULT 0,
  lease_until INTEGER,
  token TEXT
);
CREATE INDEX IF NOT EXISTS chunks_state ON chunks (state, lease_until);
CREATE TABLE IF NOT EXISTS parts (
  key TEXT PRIMARY KEY,
  chunk INTEGER NOT NULL,
  records INTEGER NOT NULL,
  bytes INTEGER NOT NULL,
  sha256 TEXT NOT NULL
);
`;

/** Phases of a batch; `ingesting` is internal (the URL list is still streaming in). */
export type Phase = "ingesting" | "queued" | "running" | "completed" | "cancelled" | "failed";

export interface BatchRow extends Record<string, SqlStorageValue> {
  batch_id: string;
  tenant: string;
  phase: Phase;
  options: string;
  idempotency_key: string | null;
  ingest_token: string | null;
  created_at: number;
  last_ingest_at: number;
  sealed_at: number | null;
  finished_at: number | null;
  chunk_size: number;
  total: number;
  succeeded: number;
  failed: number;
  skipped: number;
  invalid: number;
  duplicates: number;
  manifest_key: string | null;
  failure: string | null;
}

export interface UrlRow extends Record<string, SqlStorageValue> {
  idx: number;
  caller_id: string | null;
  url: string;
  state: "pending" | "succeeded" | "failed" | "skipped";
  code: string | null;
  message: string | null;
  attempts: number;
  part: string | null;
}

export interface ChunkRow extends Record<string, SqlStorageValue> {
  id: number;
  state: "ready" | "sent" | "leased" | "done";
  dispatches: number;
  claims: number;
  lease_until: number | null;
  token: string | null;
}
