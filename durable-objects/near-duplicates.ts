// Near-duplicates across a batch, decided in the coordinator's SQLite as pages arrive:
// an LSH index of each succeeded page's simhash (4 bands of 16 bits, one row per band),
// looked up exactly per band, then checked by Hamming distance. Two pages within
// NEAR_DUPLICATE_BITS share a band (pigeonhole), so no pair is missed. Each pair is
// looked at once, when the later-arriving of the two arrives, and the earlier one in
// input order marks the later: the marks are the same whatever order pages arrive in.
// Flat memory: nothing is held between reports; a page costs 4 index rows (+1 per page
// that turns out a duplicate), and at publication the marks go to R2 in sorted parts.
import type { DuplicateMarks } from "../lib/coordinator-protocol";
import { type EncodedPart, encodeLines } from "../lib/result-parts";
import { bandKeys, hammingDistance, NEAR_DUPLICATE_BITS } from "../lib/simhash";

/** The tables; created with the coordinator's others (batch-schema.ts). */
export const NEAR_DUPLICATE_SCHEMA = `
CREATE TABLE IF NOT EXISTS simhash_bands (
  band INTEGER NOT NULL,
  idx INTEGER NOT NULL,
  simhash TEXT NOT NULL,
  PRIMARY KEY (band, idx)
) WITHOUT ROWID;
-- One row per page that is a near-duplicate of an earlier page in input order.
CREATE TABLE IF NOT EXISTS near_duplicates (
  idx INTEGER PRIMARY KEY,
  near_of INTEGER NOT NULL,
  distance INTEGER NOT NULL,
  exact_of INTEGER
);
`;

/**
 * Candidates read per lookup: a cluster of thousands of identical pages (error pages, a
 * soft 404) compares each newcomer with its earliest members only, so a report stays cheap.
 */
const MAX_CANDIDATES = 256;

/** Indexes a succeeded page's simhash and marks the pairs it makes (in the caller's transaction). */
export function indexSimhash(sql: SqlStorage, idx: number, simhash: string, contentHash: string | null): void {
  if (!/^[0-9a-f]{16}$/.test(simhash)) return;
  const keys = bandKeys(simhash);
  const candidates = sql
    .exec<{ idx: number; simhash: string; content_hash: string | null }>(
      `SELECT DISTINCT b.idx, b.simhash, u.content_hash FROM simhash_bands b JOIN urls u ON u.idx = b.idx
       WHERE b.band IN (?, ?, ?, ?) AND b.idx != ? ORDER BY b.idx LIMIT ?`,
      ...keys,
      idx,
      MAX_CANDIDATES,
    )
    .toArray();
  for (const other of candidates) {
    const distance = hammingDistance(simhash, other.simhash);
    if (distance > NEAR_DUPLICATE_BITS) continue;
    const exact = contentHash !== null && other.content_hash === contentHash;
    const [earlier, later] = other.idx < idx ? [other.idx, idx] : [idx, other.idx];
    mark(sql, later, earlier, distance, exact);
  }
  for (const key of keys)
    sql.exec("INSERT OR IGNORE INTO simhash_bands (band, idx, simhash) VALUES (?, ?, ?)", key, idx, simhash);
}

/** `later` is a near-duplicate of `earlier`: kept if `earlier` is the earliest seen so far. */
function mark(sql: SqlStorage, later: number, earlier: number, distance: number, exact: boolean): void {
  // SET reads the row as it was: every expression below sees the old near_of.
  sql.exec(
    `INSERT INTO near_duplicates (idx, near_of, distance, exact_of) VALUES (?, ?, ?, ?)
     ON CONFLICT (idx) DO UPDATE SET
       distance = CASE WHEN excluded.near_of < near_of THEN excluded.distance ELSE distance END,
       near_of = MIN(near_of, excluded.near_of),
       exact_of = CASE WHEN excluded.exact_of IS NULL THEN exact_of
                       WHEN exact_of IS NULL THEN excluded.exact_of
                       ELSE MIN(exact_of, excluded.exact_of) END`,
    later,
    earlier,
    distance,
    exact ? earlier : null,
  );
}

interface MarkRow extends Record<string, SqlStorageValue> {
  idx: number;
  near_of: number;
  distance: number;
  exact_of: number | null;
}

function marksOf(row: MarkRow): DuplicateMarks {
  return {
    nearDuplicateOf: row.near_of,
    nearDuplicateDistance: row.distance,
    ...(row.exact_of !== null && { duplicateOf: row.exact_of }),
  };
}

/** The marks of the pages `first..last`, by index. */
export function marksBetween(sql: SqlStorage, first: number, last: number): Map<number, DuplicateMarks> {
  const rows = sql
    .exec<MarkRow>(
      "SELECT idx, near_of, distance, exact_of FROM near_duplicates WHERE idx BETWEEN ? AND ?",
      first,
      last,
    )
    .toArray();
  return new Map(rows.map((row) => [row.idx, marksOf(row)]));
}

/** Near-duplicate and exact-duplicate pages in the batch. */
export function duplicateCounts(sql: SqlStorage): { near: number; exact: number } {
  const row = sql
    .exec<{ near: number; exact: number }>("SELECT COUNT(*) AS near, COUNT(exact_of) AS exact FROM near_duplicates")
    .one();
  return { near: row.near, exact: row.exact };
}

/** Marks per published part: small lines, so a part of this many stays well under a megabyte. */
export const MARKS_PER_PART = 10_000;

/** The next part of marks from index `after` on (null when none are left), as NDJSON lines `{"index":N,...}`. */
export async function marksPart(sql: SqlStorage, after: number): Promise<EncodedPart | null> {
  const rows = sql
    .exec<MarkRow>(
      "SELECT idx, near_of, distance, exact_of FROM near_duplicates WHERE idx > ? ORDER BY idx LIMIT ?",
      after,
      MARKS_PER_PART,
    )
    .toArray();
  const first = rows[0];
  const last = rows[rows.length - 1];
  if (!first || !last) return null;
  return encodeLines(
    rows.map((row) => JSON.stringify({ index: row.idx, ...marksOf(row) })),
    first.idx,
    last.idx,
  );
}
