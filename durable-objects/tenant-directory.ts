import { DurableObject } from "cloudflare:workers";
import type { RunDrift } from "../lib/batch";
import type { BatchTags } from "../lib/batch-tags";
import { now } from "../lib/clock";
import type { Schedule } from "../lib/schedule";
import type { ScheduleRun } from "../lib/schedule-runs";
import type { WebhookSecretState } from "../lib/webhooks";
import { BatchTagStore } from "./batch-tags";
import { ScheduleStore } from "./schedule-store";
import { type LeaseResult, TenantLeases } from "./tenant-leases";

export interface DirectoryEntry {
  id: string;
  createdAt: string;
  status: string;
  total: number;
}

/** A listing entry with what a person calls the batch. */
export type NamedEntry = DirectoryEntry & BatchTags;

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
  private readonly schedulesStore: ScheduleStore;
  private readonly leases: TenantLeases;
  private readonly tagStore: BatchTagStore;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.schedulesStore = new ScheduleStore(ctx.storage);
    this.leases = new TenantLeases(ctx.storage.sql);
    this.tagStore = new BatchTagStore(ctx.storage.sql);
    this.sql.exec(`
      CREATE TABLE IF NOT EXISTS batches (
        id TEXT PRIMARY KEY,
        created_at TEXT NOT NULL,
        status TEXT NOT NULL,
        total INTEGER NOT NULL
      );
      CREATE INDEX IF NOT EXISTS batches_newest ON batches (created_at DESC, id DESC);
    `);
    // Added with retention: directories created before it gain the column once.
    const columns = this.sql.exec<{ name: string }>("PRAGMA table_info(batches)").toArray();
    if (!columns.some((c) => c.name === "expires_at")) {
      this.sql.exec("ALTER TABLE batches ADD COLUMN expires_at INTEGER");
    }
    this.sql.exec("CREATE INDEX IF NOT EXISTS batches_expiring ON batches (expires_at) WHERE status != 'expired'");
    // One row once the tenant first rotates its webhook secret; none means generation 0.
    this.sql.exec(`CREATE TABLE IF NOT EXISTS webhook_secret (
      id INTEGER PRIMARY KEY CHECK (id = 0),
      generation INTEGER NOT NULL,
      rotated_at INTEGER NOT NULL
    )`);
  }

  /** How many of the tenant's batches are queued or running: what MAX_BATCHES_IN_FLIGHT counts. */
  async batchesInFlight(): Promise<number> {
    return this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM batches WHERE status IN ('queued', 'running')").one()
      .n;
  }

  /** Takes one of `max` places of `kind` (a scrape, an event stream) for at most `ttlMs`. */
  async acquire(kind: string, max: number, ttlMs: number): Promise<LeaseResult> {
    return this.leases.acquire(kind, max, ttlMs, now());
  }

  /** Gives a place taken by `acquire` back. */
  async release(id: string): Promise<void> {
    this.leases.release(id);
  }

  /** Which generation of its webhook secret the tenant is on, and when it last rotated. */
  async webhookSecretState(): Promise<WebhookSecretState> {
    const row = this.sql
      .exec<{ generation: number; rotated_at: number }>("SELECT generation, rotated_at FROM webhook_secret")
      .toArray()[0];
    return row ? { generation: row.generation, rotatedAt: row.rotated_at } : { generation: 0, rotatedAt: null };
  }

  /** Moves the tenant's webhook secret to its next generation at `now`. */
  async rotateWebhookSecret(now: number): Promise<WebhookSecretState> {
    this.sql.exec(
      `INSERT INTO webhook_secret (id, generation, rotated_at) VALUES (0, 1, ?1)
       ON CONFLICT (id) DO UPDATE SET generation = generation + 1, rotated_at = ?1`,
      now,
    );
    return this.webhookSecretState();
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
    this.tagStore.forget(id);
  }

  /** Names and labels a batch (the first call for an id wins: a replay changes nothing). */
  async tag(id: string, tags: BatchTags): Promise<void> {
    this.tagStore.set(id, tags);
  }

  /** A batch's name and labels. */
  async tags(id: string): Promise<BatchTags> {
    return this.tagStore.get(id);
  }

  /** A page of batches, newest first; `after` is the last entry of the previous page. */
  async list(
    limit: number,
    after: { createdAt: string; id: string } | null,
    labels: string[] = [],
  ): Promise<NamedEntry[]> {
    const filter = BatchTagStore.filter(labels);
    const where = [after ? "(created_at, id) < (?, ?)" : "", filter.where].filter(Boolean).join(" AND ");
    const values = [...(after ? [after.createdAt, after.id] : []), ...filter.values];
    const rows = this.sql.exec<EntryRow>(
      `SELECT * FROM batches ${where ? `WHERE ${where}` : ""} ORDER BY created_at DESC, id DESC LIMIT ?`,
      ...values,
      limit,
    );
    return rows.toArray().map((r) => ({
      id: r.id,
      createdAt: r.created_at,
      status: r.status,
      total: r.total,
      ...this.tagStore.get(r.id),
    }));
  }

  /** Adds a schedule; the same id again (a replayed request) changes nothing. Null past the quota (`maxLive`). */
  async addSchedule(
    schedule: Omit<Schedule, "lastBatch" | "active" | "paused">,
    maxLive: number,
  ): Promise<Schedule | null> {
    return this.schedulesStore.add(schedule, maxLive);
  }

  /** A page of the tenant's schedules, active ones first, then by id; `after` is the previous page's last. */
  async schedules(limit: number, after: { active: boolean; id: string } | null = null): Promise<Schedule[]> {
    return this.schedulesStore.list(limit, after);
  }

  /** How many of the tenant's schedules are not stopped. */
  async liveSchedules(): Promise<number> {
    return this.schedulesStore.liveCount();
  }

  /** One schedule, or null. */
  async get(id: string): Promise<Schedule | null> {
    return this.schedulesStore.get(id);
  }

  /** Active, unpaused schedules whose next run is at or before `now`, longest due first, at most `limit`. */
  async due(now: number, limit: number): Promise<Schedule[]> {
    return this.schedulesStore.due(now, limit);
  }

  /** Records that the occurrence due at `scheduledAt` started as `batchId`, and when the next one is due. */
  async markRun(id: string, scheduledAt: number, batchId: string, nextRunAt: number): Promise<void> {
    this.schedulesStore.markRun(id, scheduledAt, batchId, nextRunAt);
  }

  /** Records that the occurrence due at `scheduledAt` was skipped (`reason`), and when the next one is due. */
  async markSkipped(id: string, scheduledAt: number, reason: string, nextRunAt: number): Promise<void> {
    this.schedulesStore.markSkipped(id, scheduledAt, reason, nextRunAt);
  }

  /** A run's coordinator reports its progress: status, times, counts, changes, lateness. */
  async updateRun(run: Omit<ScheduleRun, "reason">): Promise<RunDrift | null> {
    return this.schedulesStore.updateRun(run);
  }

  /** A page of a schedule's history, newest occurrence first; `before` is the last entry's `scheduledAt`. */
  async runs(id: string, limit: number, before: number | null): Promise<ScheduleRun[]> {
    return this.schedulesStore.runs(id, limit, before);
  }

  /** Stops a schedule for good; runs already started go on. Null when there is no such schedule. */
  async stopSchedule(id: string): Promise<Schedule | null> {
    return this.schedulesStore.stop(id);
  }

  /** Pauses an active schedule. Null when there is no such schedule. */
  async pauseSchedule(id: string): Promise<Schedule | null> {
    return this.schedulesStore.pause(id);
  }

  /** Resumes a paused schedule from `nextRunAt`: occurrences missed while paused are not run. */
  async resumeSchedule(id: string, nextRunAt: number): Promise<Schedule | null> {
    return this.schedulesStore.resume(id, nextRunAt);
  }
}
