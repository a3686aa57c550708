// The statements behind a run's changes: what this batch tells the next run about its
// URLs, what this run asks of the previous one, and the removed-URL scan.
//
// A run links to the previous run (`batch.previous_batch`). Each URL row keeps the
// change its record says and the validators the next run sends (set with the row's
// terminal update, so they cost no extra row). Once every URL is terminal, the run
// walks the previous run's list in slices and writes a record for each URL absent
// from its own: `removed_scan` holds how far it got, so a crash resumes there.

import { lookedAt, type PreviousState } from "../lib/changes";
import type { PartInfo } from "../lib/coordinator-protocol";
import type { ManifestChanges } from "../lib/schemas";
import { insertPart, partsOf, partTable } from "./part-rows";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS removed_scan (
  one INTEGER PRIMARY KEY CHECK (one = 1),
  cursor INTEGER NOT NULL DEFAULT 0,
  removed INTEGER NOT NULL DEFAULT 0,
  done INTEGER NOT NULL DEFAULT 0
);
${partTable("removed_parts")}
`;

/** A URL of a run's list, as the next run's removed scan reads it. */
export interface ListedUrl {
  index: number;
  key: string;
  url: string;
  id: string | null;
}

export interface RemovedScan {
  /** The previous run's index the scan goes on from. */
  cursor: number;
  /** Removed records written so far. */
  removed: number;
  done: boolean;
}

type Counts = Pick<ManifestChanges, "new" | "changed" | "unchanged">;

export class ChangeStore {
  constructor(private readonly sql: SqlStorage) {
    this.init();
  }

  /** Creates the tables (again, after `deleteAll` dropped them). */
  init(): void {
    this.sql.exec(SCHEMA);
  }

  /** Forgets the scan: an upload abandoned or replaced starts over. */
  reset(): void {
    this.sql.exec("DELETE FROM removed_scan; DELETE FROM removed_parts;");
  }

  // ---- asked by the next run -----------------------------------------------------

  /**
   * The state of each normalised URL in this batch, in the order asked; null where it is
   * not in the list. A URL this batch did not look at (cancelled) answers the state it
   * carries from the run before, or null when no run has looked at it yet.
   */
  previousStates(keys: string[]): (PreviousState | null)[] {
    const rows = this.sql
      .exec<{
        pos: number;
        idx: number | null;
        state: PreviousState["state"];
        code: string | null;
        etag: string | null;
        last_modified: string | null;
        content_hash: string | null;
        part: string | null;
        carried: string | null;
      }>(
        `SELECT j.key AS pos, u.idx, u.state, u.code, u.etag, u.last_modified, u.content_hash, u.part, u.carried
         FROM json_each(?) AS j LEFT JOIN urls AS u ON u.norm = j.value ORDER BY j.key`,
        JSON.stringify(keys),
      )
      .toArray();
    return rows.map((row) => {
      if (row.idx === null) return null;
      if (!lookedAt(row.code)) return row.carried === null ? null : (JSON.parse(row.carried) as PreviousState);
      return {
        index: row.idx,
        state: row.state,
        code: row.code,
        etag: row.etag,
        lastModified: row.last_modified,
        contentHash: row.content_hash,
        part: row.part,
      };
    });
  }

  /** The pages of this batch's list (input lines with a normalised URL) from `cursor` on. */
  listed(cursor: number, limit: number): ListedUrl[] {
    return this.sql
      .exec<{ idx: number; norm: string; url: string; caller_id: string | null }>(
        "SELECT idx, norm, url, caller_id FROM urls WHERE idx >= ? AND norm IS NOT NULL ORDER BY idx LIMIT ?",
        cursor,
        limit,
      )
      .toArray()
      .map((row) => ({ index: row.idx, key: row.norm, url: row.url, id: row.caller_id }));
  }

  // ---- this run's removed scan ---------------------------------------------------

  removedScan(): RemovedScan {
    const row = this.sql
      .exec<{ cursor: number; removed: number; done: number }>("SELECT cursor, removed, done FROM removed_scan")
      .toArray()[0];
    return row
      ? { cursor: row.cursor, removed: row.removed, done: row.done === 1 }
      : { cursor: 0, removed: 0, done: false };
  }

  /** Of the previous run's URLs, those this run's list does not hold, in their order. */
  absent(listed: ListedUrl[]): ListedUrl[] {
    return this.sql
      .exec<{ value: string }>(
        `SELECT j.value FROM json_each(?) AS j
         WHERE NOT EXISTS (SELECT 1 FROM urls WHERE norm = j.value ->> '$.key') ORDER BY j.key`,
        JSON.stringify(listed),
      )
      .toArray()
      .map((row) => JSON.parse(row.value) as ListedUrl);
  }

  /** Moves the scan past a slice: its part (when it found removed URLs) and the new position, together. */
  advanceRemovedScan(next: RemovedScan, part: PartInfo | null): void {
    if (part) insertPart(this.sql, "removed_parts", part);
    this.sql.exec(
      `INSERT INTO removed_scan (one, cursor, removed, done) VALUES (1, ?1, ?2, ?3)
       ON CONFLICT (one) DO UPDATE SET cursor = ?1, removed = ?2, done = ?3`,
      next.cursor,
      next.removed,
      next.done ? 1 : 0,
    );
  }

  removedParts(): PartInfo[] {
    return partsOf(this.sql, "removed_parts");
  }

  /** How many records say each change (one pass over the list, made once, on publication). */
  changeCounts(): Counts {
    const counts: Counts = { new: 0, changed: 0, unchanged: 0 };
    for (const row of this.sql
      .exec<{ change: string; n: number }>(
        "SELECT change, COUNT(*) AS n FROM urls WHERE change IS NOT NULL GROUP BY change",
      )
      .toArray()) {
      if (row.change in counts) counts[row.change as keyof Counts] = row.n;
    }
    return counts;
  }
}
