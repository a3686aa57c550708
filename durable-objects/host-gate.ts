import { DurableObject } from "cloudflare:workers";
import type { GateGrant, GateRelease } from "../lib/coordinator-protocol";
import { robotsReaskMs } from "../lib/retry-policy";
import { crawlDelaySeconds, RobotsRules } from "../lib/robots";
import { readSettings, type Settings } from "../lib/settings";

/** robots.txt is trusted for a day (RFC 9309 §2.4). */
const ROBOTS_TTL_MS = 24 * 60 * 60_000;
/** A 429 or 503 doubles the host's interval, up to this factor, for PENALTY_MS. */
const MAX_PENALTY = 8;
const PENALTY_MS = 10 * 60_000;
/** A Crawl-delay beyond this is treated as this: one URL a minute is already very slow. */
const MAX_CRAWL_DELAY_S = 60;

/** How long a lease outlives its last start slot before it counts as abandoned: a fetch's timeout, and some. */
const LEASE_GRACE_MS = 5000;

interface GateRow extends Record<string, SqlStorageValue> {
  robots: string | null;
  robots_expires: number;
  robots_failures: number;
  next_free: number;
  penalty: number;
  penalty_until: number;
}

/**
 * One per origin, shared by every consumer and every batch: the origin's cached
 * robots.txt, its pace (one request start per interval, raised by Crawl-delay and by
 * 429/503 answers) and its concurrency (at most N chunk groups fetching at once).
 * Consumers call it once per (chunk, origin), never per URL.
 */
export class HostGate extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private readonly settings: Settings;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.settings = readSettings(env);
    this.sql.exec(`
      CREATE TABLE IF NOT EXISTS gate (
        one INTEGER PRIMARY KEY CHECK (one = 1),
        robots TEXT, robots_expires INTEGER NOT NULL DEFAULT 0,
        next_free INTEGER NOT NULL DEFAULT 0,
        penalty INTEGER NOT NULL DEFAULT 1, penalty_until INTEGER NOT NULL DEFAULT 0
      );
      INSERT OR IGNORE INTO gate (one) VALUES (1);
      CREATE TABLE IF NOT EXISTS leases (id TEXT PRIMARY KEY, expires INTEGER NOT NULL);
    `);
    // Added with the unreachable robots.txt backoff: older gates gain the column once.
    const columns = this.sql.exec<{ name: string }>("PRAGMA table_info(gate)").toArray();
    if (!columns.some((c) => c.name === "robots_failures")) {
      this.sql.exec("ALTER TABLE gate ADD COLUMN robots_failures INTEGER NOT NULL DEFAULT 0");
    }
  }

  /**
   * Asks to fetch up to `count` URLs. Answers `robots` when the caller must first
   * fetch robots.txt (and pass it back here); `wait` when the origin is at its
   * concurrency limit or fully booked; otherwise a lease and one start time per URL it
   * can serve within HOST_MAX_WAIT_MS (fewer than `count` when the rest must wait).
   * The pace and the cap are this deployment's settings; only the batch's choice about
   * robots.txt travels with the call.
   */
  async acquire(count: number, respectRobots: boolean, fetchedRobots: RobotsRules | null): Promise<GateGrant> {
    if (fetchedRobots) this.storeRobots(fetchedRobots);
    const now = Date.now();
    const gate = this.gate();
    const robots = gate.robots && gate.robots_expires > now ? RobotsRules.parse(JSON.parse(gate.robots)) : null;
    if (respectRobots && !robots) return { kind: "robots" };
    const limits = {
      minIntervalMs: this.settings.HOST_MIN_INTERVAL_MS,
      maxConcurrency: this.settings.HOST_MAX_CONCURRENCY,
      maxWaitMs: this.settings.HOST_MAX_WAIT_MS,
      leaseMs: this.settings.FETCH_TIMEOUT_MS + LEASE_GRACE_MS,
    };
    const clampWait = (ms: number) => Math.max(1000, Math.min(ms, limits.maxWaitMs * 10));
    this.sql.exec("DELETE FROM leases WHERE expires <= ?", now);
    const active = this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM leases").one().n;
    if (active >= limits.maxConcurrency) {
      const soonest = this.sql.exec<{ t: number }>("SELECT MIN(expires) AS t FROM leases").one().t;
      return { kind: "wait", waitMs: clampWait(soonest - now) };
    }
    const penalty = gate.penalty_until > now ? gate.penalty : 1;
    const delay = robots && respectRobots ? (crawlDelaySeconds(robots, this.settings.USER_AGENT) ?? 0) : 0;
    const interval = Math.max(limits.minIntervalMs, Math.min(delay, MAX_CRAWL_DELAY_S) * 1000) * penalty;
    const start = Math.max(now, gate.next_free);
    const fits = interval === 0 ? count : Math.floor((now + limits.maxWaitMs - start) / interval) + 1;
    const granted = Math.max(0, Math.min(count, fits));
    if (granted === 0) return { kind: "wait", waitMs: clampWait(start - now) };
    const slots = Array.from({ length: granted }, (_, i) => start + i * interval);
    const lease = crypto.randomUUID();
    this.sql.exec("INSERT INTO leases (id, expires) VALUES (?, ?)", lease, start + granted * interval + limits.leaseMs);
    this.sql.exec("UPDATE gate SET next_free = ?", start + granted * interval);
    return { kind: "go", lease, slots, robots, robotsExpiresAt: gate.robots_expires };
  }

  /** Ends a lease; a 429/503 seen under it slows the origin down. */
  async release(lease: string, feedback: GateRelease): Promise<void> {
    this.sql.exec("DELETE FROM leases WHERE id = ?", lease);
    if (feedback.rateLimitedForMs === null) return;
    const now = Date.now();
    const gate = this.gate();
    const penalty = Math.min(MAX_PENALTY, (gate.penalty_until > now ? gate.penalty : 1) * 2);
    this.sql.exec(
      "UPDATE gate SET penalty = ?, penalty_until = ?, next_free = MAX(next_free, ?)",
      penalty,
      now + PENALTY_MS,
      now + feedback.rateLimitedForMs,
    );
  }

  private storeRobots(rules: RobotsRules): void {
    const failures = rules.outcome === "unreachable" ? this.gate().robots_failures + 1 : 0;
    const ttl = failures === 0 ? ROBOTS_TTL_MS : robotsReaskMs(failures);
    this.sql.exec(
      "UPDATE gate SET robots = ?, robots_expires = ?, robots_failures = ?",
      JSON.stringify(rules),
      Date.now() + ttl,
      failures,
    );
  }

  private gate(): GateRow {
    return this.sql.exec<GateRow>("SELECT * FROM gate").one();
  }
}
