import { DurableObject } from "cloudflare:workers";
import type { Schedule } from "../lib/schedule";
import type { ScheduleRun } from "../lib/schedule-runs";
import { BatchOptions } from "../lib/schemas";
import { type RunRow, toScheduleRun } from "./schedule-run-rows";

interface ScheduleRow extends Record<string, SqlStorageValue> {
  id: string;
  source_batch: string;
  /** The `daily` shorthand it was created with, or '' (the column predates cron and is NOT NULL). */
  daily: string;
  cron: string;
  time_zone: string;
  window: string | null;
  late_threshold: number;
  options: string;
  next_run_at: number;
  last_batch: string | null;
  active: number;
  paused: number;
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
 * One per tenant: the list of its batches, newest first, its schedules and their run
 * history. Coordinators keep their own rows current (a scheduled run's coordinator its
 * history entry too). (Per-batch state lives in the coordinators.)
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
      CREATE TABLE IF NOT EXISTS schedule_runs (
        schedule_id TEXT NOT NULL,
        scheduled_at INTEGER NOT NULL,
        batch_id TEXT,
        status TEXT NOT NULL,
        started_at INTEGER,
        finished_at INTEGER,
        total INTEGER NOT NULL DEFAULT 0,
        succeeded INTEGER NOT NULL DEFAULT 0,
        failed INTEGER NOT NULL DEFAULT 0,
        skipped INTEGER NOT NULL DEFAULT 0,
        changes TEXT,
        late INTEGER,
        reason TEXT,
        PRIMARY KEY (schedule_id, scheduled_at)
      );
    `);
    // Added with cron schedules: daily-only directories gain the columns once, their
    // schedules read as the cron expression their time stands for.
    const scheduleColumns = this.sql.exec<{ name: string }>("PRAGMA table_info(schedules)").toArray();
    if (!scheduleColumns.some((c) => c.name === "cron")) {
      this.sql.exec(`
        ALTER TABLE schedules ADD COLUMN cron TEXT NOT NULL DEFAULT '';
        ALTER TABLE schedules ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'UTC';
        ALTER TABLE schedules ADD COLUMN window TEXT;
        ALTER TABLE schedules ADD COLUMN late_threshold REAL NOT NULL DEFAULT 0.15;
        ALTER TABLE schedules ADD COLUMN paused INTEGER NOT NULL DEFAULT 0;
        UPDATE schedules SET cron = CAST(substr(daily, 4, 2) AS INTEGER) || ' ' || CAST(substr(daily, 1, 2) AS INTEGER) || ' * * *';
      `);
    }
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

  /** Adds a schedule; the same id again (a replayed request) changes nothing. */
  async addSchedule(schedule: Omit<Schedule, "lastBatch" | "active" | "paused">): Promise<Schedule> {
    this.sql.exec(
      `INSERT OR IGNORE INTO schedules
         (id, source_batch, daily, cron, time_zone, window, late_threshold, options, next_run_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      schedule.id,
      schedule.sourceBatch,
      schedule.daily ?? "",
      schedule.cron,
      schedule.timeZone,
      schedule.window,
      schedule.lateThreshold,
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

  /** One schedule, or null. */
  async get(id: string): Promise<Schedule | null> {
    return this.schedule(id);
  }

  /** Active, unpaused schedules whose next run is at or before `now`. */
  async due(now: number): Promise<Schedule[]> {
    return this.sql
      .exec<ScheduleRow>(
        "SELECT * FROM schedules WHERE active = 1 AND paused = 0 AND next_run_at <= ? ORDER BY next_run_at",
        now,
      )
      .toArray()
      .map(toSchedule);
  }

  /**
   * Records that the occurrence due at `scheduledAt` started as `batchId`, and when the
   * next one is due. Only from that occurrence: a second cron that started the same
   * run (by its name) finds it recorded and moves nothing.
   */
  async markRun(id: string, scheduledAt: number, batchId: string, nextRunAt: number): Promise<void> {
    this.ctx.storage.transactionSync(() => {
      this.sql.exec(
        "UPDATE schedules SET last_batch = ?, next_run_at = ? WHERE id = ? AND next_run_at = ?",
        batchId,
        nextRunAt,
        id,
        scheduledAt,
      );
      this.sql.exec(
        `INSERT INTO schedule_runs (schedule_id, scheduled_at, batch_id, status) VALUES (?, ?, ?, 'queued')
         ON CONFLICT DO UPDATE SET batch_id = excluded.batch_id`,
        id,
        scheduledAt,
        batchId,
      );
    });
  }

  /** Records that the occurrence due at `scheduledAt` was skipped (`reason`), and when the next one is due. */
  async markSkipped(id: string, scheduledAt: number, reason: string, nextRunAt: number): Promise<void> {
    this.ctx.storage.transactionSync(() => {
      this.sql.exec(
        "UPDATE schedules SET next_run_at = ? WHERE id = ? AND next_run_at = ?",
        nextRunAt,
        id,
        scheduledAt,
      );
      this.sql.exec(
        `INSERT OR IGNORE INTO schedule_runs (schedule_id, scheduled_at, status, reason) VALUES (?, ?, 'skipped', ?)`,
        id,
        scheduledAt,
        reason,
      );
    });
  }

  /** A run's coordinator reports its progress: status, times, counts, changes, lateness (the latest wins). */
  async updateRun(run: Omit<ScheduleRun, "reason">): Promise<void> {
    this.sql.exec(
      `INSERT INTO schedule_runs
         (schedule_id, scheduled_at, batch_id, status, started_at, finished_at, total, succeeded, failed, skipped, changes, late)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT DO UPDATE SET batch_id = excluded.batch_id, status = excluded.status,
         started_at = excluded.started_at, finished_at = excluded.finished_at, total = excluded.total,
         succeeded = excluded.succeeded, failed = excluded.failed, skipped = excluded.skipped,
         changes = COALESCE(excluded.changes, changes), late = excluded.late`,
      run.scheduleId,
      run.scheduledAt,
      run.batchId,
      run.status,
      run.startedAt,
      run.finishedAt,
      run.counts.total,
      run.counts.succeeded,
      run.counts.failed,
      run.counts.skipped,
      run.changes ? JSON.stringify(run.changes) : null,
      run.late === null ? null : run.late ? 1 : 0,
    );
  }

  /** A page of a schedule's history, newest occurrence first; `before` is the last entry's `scheduledAt`. */
  async runs(id: string, limit: number, before: number | null): Promise<ScheduleRun[]> {
    return this.sql
      .exec<RunRow>(
        "SELECT * FROM schedule_runs WHERE schedule_id = ? AND scheduled_at < ? ORDER BY scheduled_at DESC LIMIT ?",
        id,
        before ?? Number.MAX_SAFE_INTEGER,
        limit,
      )
      .toArray()
      .map(toScheduleRun);
  }

  /** Stops a schedule for good; runs already started go on. Null when there is no such schedule. */
  async stopSchedule(id: string): Promise<Schedule | null> {
    this.sql.exec("UPDATE schedules SET active = 0 WHERE id = ?", id);
    return this.schedule(id);
  }

  /** Pauses an active schedule: no occurrence starts until it is resumed. Null when there is no such schedule. */
  async pauseSchedule(id: string): Promise<Schedule | null> {
    this.sql.exec("UPDATE schedules SET paused = 1 WHERE id = ? AND active = 1", id);
    return this.schedule(id);
  }

  /**
   * Resumes a paused schedule from `nextRunAt`, the first occurrence after the resume
   * (the caller computes it): occurrences missed while paused are not run.
   */
  async resumeSchedule(id: string, nextRunAt: number): Promise<Schedule | null> {
    this.sql.exec(
      "UPDATE schedules SET paused = 0, next_run_at = ? WHERE id = ? AND active = 1 AND paused = 1",
      nextRunAt,
      id,
    );
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
    daily: row.daily === "" ? null : row.daily,
    cron: row.cron,
    timeZone: row.time_zone,
    window: row.window,
    lateThreshold: row.late_threshold,
    options: BatchOptions.parse(JSON.parse(row.options)),
    nextRunAt: row.next_run_at,
    lastBatch: row.last_batch,
    active: row.active === 1,
    paused: row.paused === 1,
  };
}
