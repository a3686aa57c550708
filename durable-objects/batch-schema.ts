// The tables of a batch's coordinator, created once per object (and again after
// `deleteAll`), and the columns added since 0.1, added to older coordinators' tables on
// start: stored batches keep loading as the schema grows. Their statements are in
// batch-store.ts, batch-reads.ts, discovery-store.ts, change-store.ts and webhook-store.ts.
import type { UrlState } from "../lib/schemas";
import { NEAR_DUPLICATE_SCHEMA } from "./near-duplicates";
import { partTable } from "./part-rows";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS batch (
  one INTEGER PRIMARY KEY CHECK (one = 1),
  batch_id TEXT NOT NULL,
  tenant TEXT NOT NULL,
  phase TEXT NOT NULL,
  options TEXT NOT NULL,
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
  failure TEXT,
  retry_of TEXT,
  retry_codes TEXT,
  previous_batch TEXT,
  changes TEXT,
  run TEXT,
  late_at INTEGER,
  busy_ms INTEGER NOT NULL DEFAULT 0,
  busy_urls INTEGER NOT NULL DEFAULT 0
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
  part TEXT,
  change TEXT,
  etag TEXT,
  last_modified TEXT,
  content_hash TEXT
);
-- Ended URLs by state, in input order (results by status, errors, retry inputs). A pending
-- URL is not in it: a row's insert writes no entry here and its end writes one, a row
-- written less per URL than a (state, idx) index over every row (docs/scaling.md). Every
-- query over it says \`state != 'pending'\`, which is what lets SQLite use it.
CREATE INDEX IF NOT EXISTS urls_ended ON urls (state, idx) WHERE state != 'pending';
CREATE INDEX IF NOT EXISTS urls_unwritten ON urls (idx) WHERE part IS NULL AND state != 'pending';
-- How many URLs ended with each error code, kept in the transaction that ends them: the
-- status answers per-code counts exactly, at any size, without a scan.
CREATE TABLE IF NOT EXISTS codes (
  code TEXT PRIMARY KEY,
  n INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS chunks (
  id INTEGER PRIMARY KEY,
  state TEXT NOT NULL,
  claims INTEGER NOT NULL DEFAULT 0,
  lost_at INTEGER,
  token TEXT
);
CREATE INDEX IF NOT EXISTS chunks_state ON chunks (state, lost_at);
${partTable("parts")}
-- Set once the batch is deleted (DELETE /v1/batches/{id}): whose it was, so a repeated
-- DELETE by its tenant is answered like the first and anyone else's like a missing batch.
CREATE TABLE IF NOT EXISTS deleted (
  one INTEGER PRIMARY KEY CHECK (one = 1),
  tenant TEXT NOT NULL,
  at INTEGER NOT NULL
);
-- What a discovering batch reads its URLs from (sitemaps, indexes, feeds, robots.txt),
-- one row per source URL, so a sitemap named twice (or an index loop) is read once.
-- States and transitions are in durable-objects/discovery-store.ts.
CREATE TABLE IF NOT EXISTS sources (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL,
  url TEXT NOT NULL UNIQUE,
  depth INTEGER NOT NULL,
  state TEXT NOT NULL,
  claims INTEGER NOT NULL DEFAULT 0,
  lost_at INTEGER,
  token TEXT,
  found INTEGER NOT NULL DEFAULT 0,
  invalid INTEGER NOT NULL DEFAULT 0,
  filtered INTEGER NOT NULL DEFAULT 0,
  code TEXT,
  message TEXT
);
CREATE INDEX IF NOT EXISTS sources_state ON sources (state, lost_at);
${NEAR_DUPLICATE_SCHEMA}
`;

/** Columns added after 0.1 (retries, discovery, changes): added to older coordinators' tables on start. */
const ADDED_COLUMNS = {
  batch: [
    "retry_of TEXT",
    "retry_codes TEXT",
    "explicit_total INTEGER",
    "discovery TEXT",
    "capped INTEGER NOT NULL DEFAULT 0",
    "previous_batch TEXT",
    "changes TEXT",
    "run TEXT",
    "late_at INTEGER",
    "busy_ms INTEGER NOT NULL DEFAULT 0",
    "busy_urls INTEGER NOT NULL DEFAULT 0",
    "copy_from TEXT",
    "copy_cursor INTEGER",
    "reextract_of TEXT",
    "rate_ended REAL NOT NULL DEFAULT 0",
    "rate_ms REAL NOT NULL DEFAULT 0",
    "rate_at INTEGER",
    "held_by TEXT",
    // The cost ledger's running counts (lib/cost-ledger.ts, JSON), and a scheduled run's
    // drift (JSON) and concurrency boost, each set once.
    "cost TEXT",
    "drift TEXT",
    "boost TEXT",
  ],
  // `carried`: for a URL the batch did not look at (cancelled), the previous run's state
  // of it (JSON), handed on to the next run in place of its own (lib/changes.ts).
  // `quality`: a succeeded page's extractionQuality, for the manifest's distribution.
  urls: ["change TEXT", "etag TEXT", "last_modified TEXT", "content_hash TEXT", "carried TEXT", "quality REAL"],
};

/** Creates the tables (if missing) and adds any column an older coordinator lacks. */
export function createTables(sql: SqlStorage): void {
  sql.exec(SCHEMA);
  // Before urls_ended, every row was indexed by state; an older coordinator drops that index.
  sql.exec("DROP INDEX IF EXISTS urls_state");
  for (const [table, added] of Object.entries(ADDED_COLUMNS)) {
    const columns = new Set(
      sql
        .exec<{ name: string }>(`PRAGMA table_info(${table})`)
        .toArray()
        .map((c) => c.name),
    );
    for (const definition of added) {
      const [column = ""] = definition.split(" ");
      if (!columns.has(column)) sql.exec(`ALTER TABLE ${table} ADD COLUMN ${definition}`);
    }
  }
}

/** One row of `urls`, as the statements read it. */
export interface UrlRow extends Record<string, SqlStorageValue> {
  idx: number;
  caller_id: string | null;
  url: string;
  state: "pending" | UrlState;
  code: string | null;
  message: string | null;
  attempts: number;
  part: string | null;
  norm: string | null;
  change: string | null;
}
