// The tenant directory's names and labels of batches: one row per named or labelled
// batch, and one row per label for filtering. Written once when the batch is created.
import type { BatchTags } from "../lib/batch-tags";

export class BatchTagStore {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(`
      CREATE TABLE IF NOT EXISTS batch_names (id TEXT PRIMARY KEY, name TEXT);
      CREATE TABLE IF NOT EXISTS batch_labels (id TEXT NOT NULL, label TEXT NOT NULL, PRIMARY KEY (label, id));
      CREATE INDEX IF NOT EXISTS batch_labels_by_id ON batch_labels (id);
    `);
  }

  /** Keeps the first tags given for `id`: a replayed submission changes nothing. */
  set(id: string, tags: BatchTags): void {
    if (tags.name === null && tags.labels.length === 0) return;
    const known = this.sql.exec("SELECT 1 FROM batch_names WHERE id = ?", id).toArray().length > 0;
    if (known) return;
    this.sql.exec("INSERT INTO batch_names (id, name) VALUES (?, ?)", id, tags.name);
    for (const label of tags.labels)
      this.sql.exec("INSERT OR IGNORE INTO batch_labels (id, label) VALUES (?, ?)", id, label);
  }

  get(id: string): BatchTags {
    const name = this.sql.exec<{ name: string | null }>("SELECT name FROM batch_names WHERE id = ?", id).toArray()[0];
    const labels = this.sql
      .exec<{ label: string }>("SELECT label FROM batch_labels WHERE id = ? ORDER BY label", id)
      .toArray()
      .map((row) => row.label);
    return { name: name?.name ?? null, labels };
  }

  forget(id: string): void {
    this.sql.exec("DELETE FROM batch_names WHERE id = ?", id);
    this.sql.exec("DELETE FROM batch_labels WHERE id = ?", id);
  }

  /** SQL that keeps the `batches` rows carrying every one of `labels` (their values to bind after). */
  static filter(labels: string[]): { where: string; values: string[] } {
    return {
      where: labels
        .map(() => "EXISTS (SELECT 1 FROM batch_labels l WHERE l.id = batches.id AND l.label = ?)")
        .join(" AND "),
      values: labels,
    };
  }
}
