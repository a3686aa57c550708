import { DurableObject } from "cloudflare:workers";
import type { Schedule } from "../lib/schedule";
import { BatchOptions } from "../lib/schemas";

interface ScheduleRow extends Record<string, SqlStorageValue> {
  id: string;
  source_batch: string;
  daily: string;
  options: string;
  next_run_at: number;
  last_batch: string | null;
  active: number;
}

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
 * One per tenant: the list of its batches, newest first, and its daily schedules.
 * Coordinators keep their own row current. (Per-batch state lives in the coordinators.)
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
      CREATE TABLE IF NOT EXISTS schedules (
        id TEXT PRIMARY KEY,
        source_batch TEXT NOT NULL,
        daily TEXT NOT NULL,
        options TEXT NOT NULL,
        next_run_at INTEGER NOT NULL,
        last_batch TEXT,
        active INTEGER NOT NULL DEFAULT 1
      );
      CREATE INDEX IF NOT EXISTS schedules_due ON schedules (active, next_run_at);
    `);
    // Added with retention: directories created before it gain the column once.
    const columns = this.sql.exec<{ name: string }>("PRAGMA table_info(batches)").toArray();
    if (!columns.some((c) => c.name === "expires_at")) {
      this.sql.exec("ALTER TABLE batches ADD COLUMN expires_at INTEGER");
    }
    this.sql.exec("CREATE INDEX IF NOT EXISTS batches_expiring ON batches (expires_at) WHERE status != 'expired'");
  }

  /** Adds or updates one batch's row; `expiresAt` (epoch ms) once it is published. */
  async upsert(entry: DirectoryEntry, expiresAt: number | null = null): Promise<void> {
    this.sql.exec(
      `INSERT INTO batches (id, created_at, status, total, expires_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET status = excluded.status, total = excluded.total, expires_at = excluded.expires_at`,
      entry.id,
      entry.createdAt,
      entry.status,
      entry.total,
      expiresAt,
    );
  }

  /** Batches whose retention has run out at `now` and whose results are not deleted yet. */
  async expiring(now: number, limit: number): Promise<string[]> {
    return this.sql
      .exec<{ id: string }>(
        "SELECT id FROM batches WHERE status != 'expired' AND expires_at <= ? ORDER BY expires_at LIMIT ?",
        now,
        limit,
      )
      .toArray()
      .map((row) => row.id);
  }

  /** Records that a batch's results are deleted: it stays listed, as `expired`. */
  async markExpired(id: string): Promise<void> {
    this.sql.exec("UPDATE batches SET status = 'expired' WHERE id = ?", id);
  }

  /** Drops a deleted batch from the listing. */
  async forget(id: string): Promise<void> {
    this.sql.exec("DELETE FROM batches WHERE id = ?", id);
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

  /** Adds a daily schedule; the same id again (a replayed request) changes nothing. */
  async addSchedule(schedule: Omit<Schedule, "lastBatch" | "active">): Promise<Schedule> {
    this.sql.exec(
      `INSERT OR IGNORE INTO schedules (id, source_batch, daily, options, next_run_at) VALUES (?, ?, ?, ?, ?)`,
      schedule.id,
      schedule.sourceBatch,
      schedule.daily,
      JSON.stringify(schedule.options),
      schedule.nextRunAt,
    );
    return this.schedule(schedule.id) as Schedule;
  }

  /** The tenant's schedules, active ones first. */
  async schedules(): Promise<Schedule[]> {
    return this.sql
      .exec<ScheduleRow>("SELECT * FROM schedules ORDER BY active DESC, next_run_at")
      .toArray()
      .map(toSchedule);
  }

  /** Active schedules whose next run is at or before `now`. */
  async due(now: number): Promise<Schedule[]> {
    return this.sql
      .exec<ScheduleRow>("SELECT * FROM schedules WHERE active = 1 AND next_run_at <= ? ORDER BY next_run_at", now)
      .toArray()
      .map(toSchedule);
  }

  /** Records a started run and when the next one is due. */
  async markRun(id: string, batchId: string, nextRunAt: number): Promise<void> {
    this.sql.exec("UPDATE schedules SET last_batch = ?, next_run_at = ? WHERE id = ?", batchId, nextRunAt, id);
  }

  /** Stops a schedule; runs already started go on. Null when there is no such schedule. */
  async stopSchedule(id: string): Promise<Schedule | null> {
    this.sql.exec("UPDATE schedules SET active = 0 WHERE id = ?", id);
    return this.schedule(id);
  }

  private schedule(id: string): Schedule | null {
    const row = this.sql.exec<ScheduleRow>("SELECT * FROM schedules WHERE id = ?", id).toArray()[0];
    return row ? toSchedule(row) : null;
  }
}

function toSchedule(row: ScheduleRow): Schedule {
  return {
    id: row.id,
    sourceBatch: row.source_batch,
    daily: row.daily,
    options: BatchOptions.parse(JSON.parse(row.options)),
    nextRunAt: row.next_run_at,
    lastBatch: row.last_batch,
    active: row.active === 1,
  };
}
