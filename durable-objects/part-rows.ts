// The rows that list a batch's result parts, as the manifest names them: the `parts`
// table of its records, and the `removed_parts` table of its removed records.
import type { PartInfo } from "../lib/coordinator-protocol";

export type PartTable = "parts" | "removed_parts";

/** The table's definition: one row per immutable part, as the manifest lists it. */
export function partTable(table: PartTable): string {
  return `CREATE TABLE IF NOT EXISTS ${table} (
  key TEXT PRIMARY KEY,
  first INTEGER NOT NULL,
  last INTEGER NOT NULL,
  records INTEGER NOT NULL,
  bytes INTEGER NOT NULL,
  sha256 TEXT NOT NULL
);`;
}

/** Records a part; the same key again (a part rewritten after a crash) changes nothing. */
export function insertPart(sql: SqlStorage, table: PartTable, part: PartInfo): void {
  sql.exec(
    `INSERT OR IGNORE INTO ${table} (key, first, last, records, bytes, sha256) VALUES (?, ?, ?, ?, ?, ?)`,
    part.key,
    part.first,
    part.last,
    part.records,
    part.bytes,
    part.sha256,
  );
}

/** Every part of a table, in input order. */
export function partsOf(sql: SqlStorage, table: PartTable): PartInfo[] {
  return sql
    .exec<PartInfo & Record<string, SqlStorageValue>>(
      `SELECT key, first, last, records, bytes, sha256 FROM ${table} ORDER BY first, last, key`,
    )
    .toArray()
    .map(({ key, first, last, records, bytes, sha256 }) => ({ key, first, last, records, bytes, sha256 }));
}
