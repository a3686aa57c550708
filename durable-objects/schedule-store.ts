// Every SQL statement of a tenant's schedules and their run history (the tenant
// directory delegates to it). A schedule row says when it next runs; a run row is one
// occurrence: its batch and progress (kept current by the run's coordinator), or a skip.
import { RunBoost, RunDrift } from "../lib/batch";
import type { Schedule } from "../lib/schedule";
import { DEFAULT_DRIFT, DriftOptions, driftOf } from "../lib/schedule-drift";
import type { ScheduleRun } from "../lib/schedule-runs";
import { BatchOptions, ChangeCounts } from "../lib/schemas";

interface ScheduleRow extends Record<string, SqlStorageValue> {
  id: string;
  source_batch: string;
  /** The `daily` shorthand it was created with, or '' (the column predates cron and is NOT NULL). */
  daily: string;
  cron: string;
  time_zone: string;
  window: string | null;
  late_threshold: number;
  /** JSON DriftOptions, or null (the defaults). */
  drift: string | null;
  options: string;
  next_run_at: number;
  last_batch: string | null;
  active: number;
  paused: number;
}

interface RunRow extends Record<string, SqlStorageValue> {
  schedule_id: string;
  scheduled_at: number;
  batch_id: string | null;
  status: string;
  started_at: number | null;
  finished_at: number | null;
  total: number;
  succeeded: number;
  failed: number;
  skipped: number;
  /** JSON ChangeCounts, or null. */
  changes: string | null;
  late: number | null;
  reason: string | null;
  duration_ms: number | null;
  cost_usd: number | null;
  retries: number | null;
  /** JSON RunDrift / RunBoost, or null. */
  drift: string | null;
  boost: string | null;
}

/** A tenant's schedules and their runs, in its directory's SQLite. */
export class ScheduleStore {
  private readonly sql: SqlStorage;

  constructor(private readonly storage: DurableObjectStorage) {
    this.sql = storage.sql;
    this.sql.exec(`
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
    // The columns cron schedules added: every directory gains them here once (a new one
    // too: one path), and daily rows read as the cron expression their time stands for.
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
    // Drift alerts added the schedule's rule and each run's measures: each table gains what it lacks.
    this.addColumns("schedules", ["drift TEXT"]);
    this.addColumns("schedule_runs", [
      "duration_ms INTEGER",
      "cost_usd REAL",
      "retries INTEGER",
      "drift TEXT",
      "boost TEXT",
    ]);
  }

  private addColumns(table: string, definitions: string[]): void {
    const have = new Set(
      this.sql
        .exec<{ name: string }>(`PRAGMA table_info(${table})`)
        .toArray()
        .map((c) => c.name),
    );
    for (const definition of definitions) {
      if (!have.has(definition.split(" ")[0] ?? "")) this.sql.exec(`ALTER TABLE ${table} ADD COLUMN ${definition}`);
    }
  }

  /**
   * Adds a schedule; the same id again (a replayed request) changes nothing. Null when
   * it is new and `maxLive` schedules are already not stopped (the quota).
   */
  add(schedule: Omit<Schedule, "lastBatch" | "active" | "paused">, maxLive: number): Schedule | null {
    const existing = this.get(schedule.id);
    if (existing) return existing;
    if (this.liveCount() >= maxLive) return null;
    this.sql.exec(
      `INSERT OR IGNORE INTO schedules
         (id, source_batch, daily, cron, time_zone, window, late_threshold, drift, options, next_run_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      schedule.id,
      schedule.sourceBatch,
      schedule.daily ?? "",
      schedule.cron,
      schedule.timeZone,
      schedule.window,
      schedule.lateThreshold,
      JSON.stringify(schedule.drift),
      JSON.stringify(schedule.options),
      schedule.nextRunAt,
    );
    return this.get(schedule.id) as Schedule;
  }

  /**
   * A page of the tenant's schedules, active ones first, then by id; `after` is the last
   * schedule of the previous page (ordered by what changes least: a run moves no row).
   */
  list(limit: number, after: { active: boolean; id: string } | null): Schedule[] {
    const rows = after
      ? this.sql.exec<ScheduleRow>(
          "SELECT * FROM schedules WHERE active < ?1 OR (active = ?1 AND id > ?2) ORDER BY active DESC, id LIMIT ?3",
          after.active ? 1 : 0,
          after.id,
          limit,
        )
      : this.sql.exec<ScheduleRow>("SELECT * FROM schedules ORDER BY active DESC, id LIMIT ?", limit);
    return rows.toArray().map(toSchedule);
  }

  /** How many schedules are not stopped (active or paused): what the per-tenant quota counts. */
  liveCount(): number {
    return this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM schedules WHERE active = 1").one().n;
  }

  /** Active, unpaused schedules whose next run is at or before `now`, longest due first, at most `limit`. */
  due(now: number, limit: number): Schedule[] {
    return this.sql
      .exec<ScheduleRow>(
        "SELECT * FROM schedules WHERE active = 1 AND paused = 0 AND next_run_at <= ? ORDER BY next_run_at, id LIMIT ?",
        now,
        limit,
      )
      .toArray()
      .map(toSchedule);
  }

  /**
   * Records that the occurrence due at `scheduledAt` started as `batchId`, and when the
   * next one is due. Only from that occurrence: a second cron that started the same
   * run (by its name) finds it recorded and moves nothing.
   */
  markRun(id: string, scheduledAt: number, batchId: string, nextRunAt: number): void {
    this.storage.transactionSync(() => {
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
  markSkipped(id: string, scheduledAt: number, reason: string, nextRunAt: number): void {
    this.storage.transactionSync(() => {
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

  /**
   * A run's coordinator reports its progress: status, times, counts, changes, lateness,
   * cost and retries (the latest wins). A completed run is judged against the schedule's
   * earlier completed runs once (lib/schedule-drift.ts): answers its drift, or null.
   */
  updateRun(run: Omit<ScheduleRun, "reason">): RunDrift | null {
    this.sql.exec(
      `INSERT INTO schedule_runs
         (schedule_id, scheduled_at, batch_id, status, started_at, finished_at, total, succeeded, failed, skipped, changes, late,
          duration_ms, cost_usd, retries, boost)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT DO UPDATE SET batch_id = excluded.batch_id, status = excluded.status,
         started_at = excluded.started_at, finished_at = excluded.finished_at, total = excluded.total,
         succeeded = excluded.succeeded, failed = excluded.failed, skipped = excluded.skipped,
         changes = COALESCE(excluded.changes, changes), late = excluded.late, duration_ms = excluded.duration_ms,
         cost_usd = excluded.cost_usd, retries = excluded.retries, boost = COALESCE(excluded.boost, boost)`,
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
      run.durationMs,
      run.estimatedUsd,
      run.retries,
      run.boost ? JSON.stringify(run.boost) : null,
    );
    return run.status === "completed" ? this.judgeDrift(run.scheduleId, run.scheduledAt) : null;
  }

  /** The drift of a completed run: judged the first time it is asked and kept, so it is announced once. */
  private judgeDrift(scheduleId: string, scheduledAt: number): RunDrift | null {
    const row = this.sql
      .exec<RunRow>("SELECT * FROM schedule_runs WHERE schedule_id = ? AND scheduled_at = ?", scheduleId, scheduledAt)
      .one();
    if (row.drift !== null) return RunDrift.parse(JSON.parse(row.drift));
    if (row.duration_ms === null || row.cost_usd === null) return null;
    const rule = this.get(scheduleId)?.drift ?? DEFAULT_DRIFT;
    const history = this.sql
      .exec<{ duration_ms: number; cost_usd: number }>(
        `SELECT duration_ms, cost_usd FROM schedule_runs
         WHERE schedule_id = ? AND scheduled_at < ? AND status = 'completed' AND duration_ms IS NOT NULL AND cost_usd IS NOT NULL
         ORDER BY scheduled_at DESC LIMIT ?`,
        scheduleId,
        scheduledAt,
        rule.window,
      )
      .toArray()
      .map((r) => ({ durationMs: r.duration_ms, estimatedUsd: r.cost_usd }));
    const drift = driftOf({ durationMs: row.duration_ms, estimatedUsd: row.cost_usd }, history, rule);
    if (drift) {
      this.sql.exec(
        "UPDATE schedule_runs SET drift = ? WHERE schedule_id = ? AND scheduled_at = ?",
        JSON.stringify(drift),
        scheduleId,
        scheduledAt,
      );
    }
    return drift;
  }

  /** A page of a schedule's history, newest occurrence first; `before` is the last entry's `scheduledAt`. */
  runs(id: string, limit: number, before: number | null): ScheduleRun[] {
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
  stop(id: string): Schedule | null {
    this.sql.exec("UPDATE schedules SET active = 0 WHERE id = ?", id);
    return this.get(id);
  }

  /** Pauses an active schedule: no occurrence starts until it is resumed. Null when there is no such schedule. */
  pause(id: string): Schedule | null {
    this.sql.exec("UPDATE schedules SET paused = 1 WHERE id = ? AND active = 1", id);
    return this.get(id);
  }

  /**
   * Resumes a paused schedule from `nextRunAt`, the first occurrence after the resume
   * (the caller computes it): occurrences missed while paused are not run.
   */
  resume(id: string, nextRunAt: number): Schedule | null {
    this.sql.exec(
      "UPDATE schedules SET paused = 0, next_run_at = ? WHERE id = ? AND active = 1 AND paused = 1",
      nextRunAt,
      id,
    );
    return this.get(id);
  }

  /** One schedule, or null. */
  get(id: string): Schedule | null {
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
    drift: row.drift === null ? DEFAULT_DRIFT : DriftOptions.parse(JSON.parse(row.drift)),
    options: BatchOptions.parse(JSON.parse(row.options)),
    nextRunAt: row.next_run_at,
    lastBatch: row.last_batch,
    active: row.active === 1,
    paused: row.paused === 1,
  };
}

/** One history entry from its row. */
function toScheduleRun(row: RunRow): ScheduleRun {
  return {
    scheduleId: row.schedule_id,
    scheduledAt: row.scheduled_at,
    batchId: row.batch_id,
    status: row.status as ScheduleRun["status"],
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    counts: { total: row.total, succeeded: row.succeeded, failed: row.failed, skipped: row.skipped },
    changes: row.changes === null ? null : ChangeCounts.parse(JSON.parse(row.changes)),
    late: row.late === null ? null : row.late === 1,
    reason: row.reason,
    durationMs: row.duration_ms ?? null,
    estimatedUsd: row.cost_usd ?? null,
    retries: row.retries ?? null,
    drift: row.drift ? RunDrift.parse(JSON.parse(row.drift)) : null,
    boost: row.boost ? RunBoost.parse(JSON.parse(row.boost)) : null,
  };
}
