import { DurableObject } from "cloudflare:workers";

export interface DirectoryEntry {
  id: string;
  createdAt: string;
  status: string;
  total: number;
}

interface EntryRow extends Record<string, SqlStorageValue> {
  id: string;
  created_at: string;
  status: string;
  total: number;
}

/**
 * One per tenant: the list of its batches, newest first. Coordinators keep their own
 * row current; the API only reads. (Per-batch state lives in the coordinators.)
 */
export class TenantDirectory extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`
      CREATE TABLE IF NOT EXISTS batches (
        id TEXT PRIMARY KEY,
        created_at TEXT NOT NULL,
        status TEXT NOT NULL,
        total INTEGER NOT NULL
      );
      CREATE INDEX IF NOT EXISTS batches_newest ON batches (created_at DESC, id DESC);
    `);
  }

  /** Adds or updates one batch's row. */
  async upsert(entry: DirectoryEntry): Promise<void> {
    this.sql.exec(
      `INSERT INTO batches (id, created_at, status, total) VALUES (?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET status = excluded.status, total = excluded.total`,
      entry.id,
      entry.createdAt,
      entry.status,
      entry.total,
    );
  }

  /** A page of batches, newest first; `after` is the last entry of the previous page. */
  async list(limit: number, after: { createdAt: string; id: string } | null): Promise<DirectoryEntry[]> {
    const rows = after
      ? this.sql.exec<EntryRow>(
          `SELECT * FROM batches WHERE (created_at, id) < (?, ?) ORDER BY created_at DESC, id DESC LIMIT ?`,
          after.createdAt,
          after.id,
          limit,
        )
      : this.sql.exec<EntryRow>("SELECT * FROM batches ORDER BY created_at DESC, id DESC LIMIT ?", limit);
    return rows.toArray().map((r) => ({ id: r.id, createdAt: r.created_at, status: r.status, total: r.total }));
  }
}
