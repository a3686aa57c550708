import { DurableObject } from "cloudflare:workers";
import type { GateAsker, GateGrant, GateRelease, PaceNow } from "../lib/coordinator-protocol";
import type { HostPace } from "../lib/host-view";
import {
  initialPace,
  LATE_SHARE,
  latencyPercentile,
  observe,
  type PaceLimits,
  type PaceState,
  paceNow,
} from "../lib/pace";
import { robotsReaskMs } from "../lib/retry-policy";
import { crawlDelaySeconds, RobotsRules } from "../lib/robots";
import { readSettings, type Settings } from "../lib/settings";

/** robots.txt is trusted for a day (RFC 9309 §2.4). */
const ROBOTS_TTL_MS = 24 * 60 * 60_000;
/** A Crawl-delay beyond this is treated as this: one URL a minute is already very slow. */
const MAX_CRAWL_DELAY_S = 60;

/** How long a lease outlives its last start slot before it counts as abandoned: a fetch's timeout, and some. */
const LEASE_GRACE_MS = 5000;
/**
 * How far ahead one grant books start times on a paced origin. Short, so whoever asks
 * next (another batch, a sitemap) waits at most this long behind what is booked; the
 * caller comes back for the rest of its URLs (one ask per few requests of a paced origin).
 */
const BOOKING_HORIZON_MS = 2000;
/** A batch that has not asked for this long no longer holds back the others' shares: a few of the origin's intervals. */
const activeMs = (intervalMs: number) => Math.max(3000, 3 * intervalMs + 1000);
/** A discovery read or scrape that was told to wait holds back page chunks this long, so it goes next. */
const PRIORITY_HOLD_MS = 3000;
/** How far ahead of now the first slot of a paced origin's grant starts. */
const SLOT_LEAD_MS = 50;
/** Asks a page chunk makes while held back for another batch's turn are answered with this wait, at least. */
const FAIR_WAIT_MS = 200;
/**
 * A discovery read or scrape held back only by the fetches in flight asks again this
 * soon (page chunks meanwhile hold back for it): a lease's expiry is a fetch timeout
 * away, while on a fast origin its fetches end in milliseconds.
 */
const PRIORITY_WAIT_MS = 50;

const ASKER_DEFAULT: GateAsker = { batch: null, priority: false, maxConcurrency: null };

interface GateRow extends Record<string, SqlStorageValue> {
  robots: string | null;
  robots_expires: number;
  robots_failures: number;
  next_free: number;
  pace: string | null;
  priority_until: number;
}

/**
 * One per origin, shared by every consumer and every batch: the origin's cached
 * robots.txt, its pace (lib/pace.ts: an interval between request starts and a number
 * of fetches at once, following the origin's latency and errors under the configured
 * maxima and above Crawl-delay and Retry-After), and the order in which askers take
 * turns: discovery reads and scrapes first, then batches in fair shares, each batch
 * under its own `maxConcurrency`. Consumers call it once per (chunk, origin) turn,
 * never per URL of a fast origin.
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
      CREATE TABLE IF NOT EXISTS shares (
        batch TEXT PRIMARY KEY, served INTEGER NOT NULL DEFAULT 0, seen INTEGER NOT NULL,
        retries INTEGER NOT NULL DEFAULT 0
      );
    `);
    // Columns added since: older gates gain them once.
    const has = (table: string, name: string) =>
      this.sql
        .exec<{ name: string }>(`PRAGMA table_info(${table})`)
        .toArray()
        .some((c) => c.name === name);
    if (!has("gate", "robots_failures"))
      this.sql.exec("ALTER TABLE gate ADD COLUMN robots_failures INTEGER NOT NULL DEFAULT 0");
    if (!has("gate", "pace")) this.sql.exec("ALTER TABLE gate ADD COLUMN pace TEXT");
    if (!has("gate", "priority_until"))
      this.sql.exec("ALTER TABLE gate ADD COLUMN priority_until INTEGER NOT NULL DEFAULT 0");
    if (!has("leases", "batch")) this.sql.exec("ALTER TABLE leases ADD COLUMN batch TEXT");
    if (!has("leases", "booked_until")) this.sql.exec("ALTER TABLE leases ADD COLUMN booked_until INTEGER");
  }

  /**
   * Asks to fetch up to `count` URLs. Answers `robots` when the caller must first
   * fetch robots.txt (and pass it back here); `wait` when the origin is at its
   * concurrency, the asker's batch at its own cap or past its fair share, or a
   * discovery read is next; otherwise a lease and one start time per URL it can serve
   * within BOOKING_HORIZON_MS (fewer than `count`: the caller asks again for the rest).
   */
  async acquire(
    count: number,
    respectRobots: boolean,
    fetchedRobots: RobotsRules | null,
    asker: GateAsker = ASKER_DEFAULT,
  ): Promise<GateGrant> {
    if (fetchedRobots) this.storeRobots(fetchedRobots);
    const now = Date.now();
    const gate = this.gate();
    const robots = this.robots(gate, now);
    if (respectRobots && !robots) return { kind: "robots" };
    const limits = this.limits(respectRobots ? robots : null);
    const pace = paceNow(this.paceState(gate, limits), limits, now);
    // Reading robots.txt was a request too: the first page keeps the pace after it.
    if (fetchedRobots && pace.intervalMs > 0) {
      gate.next_free = Math.max(gate.next_free, now + pace.intervalMs);
      this.sql.exec("UPDATE gate SET next_free = ?", gate.next_free);
    }
    const maxWaitMs = this.settings.HOST_MAX_WAIT_MS;
    const clampWait = (ms: number) => Math.max(FAIR_WAIT_MS, Math.min(ms, maxWaitMs * 10));
    const paceOf = { reason: pace.reason, pace: pace.requestsPerSecond };
    const hold = (ms: number): GateGrant => {
      // A discovery read told to wait is next: page chunks hold back until it has had its turn.
      if (asker.priority) this.sql.exec("UPDATE gate SET priority_until = ?", now + PRIORITY_HOLD_MS);
      return { kind: "wait", waitMs: clampWait(ms), ...paceOf };
    };
    this.sql.exec("DELETE FROM leases WHERE expires <= ?", now);
    if (asker.batch !== null) this.noteAsk(asker.batch, now, activeMs(pace.intervalMs));
    if (!asker.priority && gate.priority_until > now)
      return { kind: "wait", waitMs: clampWait(FAIR_WAIT_MS), ...paceOf };
    const active = this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM leases").one().n;
    // A run behind its window may raise the concurrency up to the configured maximum, never the pace's interval.
    const concurrency = asker.boost
      ? Math.max(pace.concurrency, Math.min(asker.boost, limits.maxConcurrency))
      : pace.concurrency;
    if (active >= concurrency) {
      if (asker.priority) {
        // Next in line: it asks again as soon as a fetch in flight may have ended.
        this.sql.exec("UPDATE gate SET priority_until = ?", now + PRIORITY_HOLD_MS);
        return { kind: "wait", waitMs: PRIORITY_WAIT_MS, ...paceOf };
      }
      const soonest = this.sql.exec<{ t: number }>("SELECT MIN(expires) AS t FROM leases").one().t;
      return hold(Math.min(soonest - now, Math.max(pace.intervalMs, 1000)));
    }
    if (asker.batch !== null && !asker.priority) {
      const mine = this.sql
        .exec<{ n: number }>("SELECT COUNT(*) AS n FROM leases WHERE batch = ?", asker.batch)
        .one().n;
      if (asker.maxConcurrency !== null && mine >= asker.maxConcurrency) return hold(Math.max(pace.intervalMs, 1000));
      if (this.aheadOfShare(asker.batch, now, pace.intervalMs, count))
        return hold(Math.max(pace.intervalMs, FAIR_WAIT_MS));
    }
    // Booked a sliver wider than the pace: a start that late still keeps the pace (origin-group.ts gives later ones up).
    const interval = Math.ceil(pace.intervalMs * (1 + LATE_SHARE));
    // On a paced origin the first start is a moment ahead, so the answer's way back does
    // not make it late (a late start gives its slot up: origin-group.ts).
    const lead = interval > 0 ? Math.min(interval, SLOT_LEAD_MS) : 0;
    const start = Math.max(now + lead, gate.next_free, pace.notBefore);
    if (start > now + maxWaitMs) return hold(start - now);
    const horizon = Math.max(start, now + BOOKING_HORIZON_MS);
    const fits = interval === 0 ? count : Math.floor((horizon - start) / interval) + 1;
    const granted = Math.max(1, Math.min(count, fits));
    const slots = Array.from({ length: granted }, (_, i) => start + i * interval);
    const lease = crypto.randomUUID();
    const expires = start + granted * interval + this.settings.FETCH_TIMEOUT_MS + LEASE_GRACE_MS;
    const bookedUntil = start + granted * interval;
    this.sql.exec(
      "INSERT INTO leases (id, expires, batch, booked_until) VALUES (?, ?, ?, ?)",
      lease,
      expires,
      asker.batch,
      bookedUntil,
    );
    this.sql.exec("UPDATE gate SET next_free = ?", bookedUntil);
    if (asker.batch !== null)
      this.sql.exec("UPDATE shares SET served = served + ? WHERE batch = ?", granted, asker.batch);
    if (asker.priority) this.sql.exec("UPDATE gate SET priority_until = 0");
    return { kind: "go", lease, slots, robots, robotsExpiresAt: gate.robots_expires, intervalMs: interval, ...paceOf };
  }

  /**
   * One more start under a held lease, on the origin's pace: a redirect hop to the same
   * origin is a request like any other. Answers the epoch ms it may start at, booked
   * after everything booked so far (so the lease's own later slots lapse and are given
   * up), or null when the lease has ended.
   */
  async extend(lease: string, respectRobots: boolean): Promise<number | null> {
    const now = Date.now();
    const held = this.sql.exec("SELECT 1 FROM leases WHERE id = ?", lease).toArray().length > 0;
    if (!held) return null;
    const gate = this.gate();
    const limits = this.limits(respectRobots ? this.robots(gate, now) : null);
    const pace = paceNow(this.paceState(gate, limits), limits, now);
    const interval = Math.ceil(pace.intervalMs * (1 + LATE_SHARE));
    const lead = interval > 0 ? Math.min(interval, SLOT_LEAD_MS) : 0;
    const start = Math.max(now + lead, gate.next_free, pace.notBefore);
    const bookedUntil = start + interval;
    this.sql.exec(
      "UPDATE leases SET booked_until = ?, expires = MAX(expires, ?) WHERE id = ?",
      bookedUntil,
      bookedUntil + this.settings.FETCH_TIMEOUT_MS + LEASE_GRACE_MS,
      lease,
    );
    this.sql.exec("UPDATE gate SET next_free = MAX(next_free, ?)", bookedUntil);
    return start;
  }

  /** Ends a lease; what the origin answered under it moves the pace (lib/pace.ts). Answers the pace after. */
  async release(lease: string, feedback: GateRelease, batch: string | null = null): Promise<PaceNow> {
    const booked = this.sql
      .exec<{ booked_until: number | null }>("DELETE FROM leases WHERE id = ? RETURNING booked_until", lease)
      .toArray()[0]?.booked_until;
    if (feedback.unusedFrom != null && booked != null) {
      // Slots given up (started too late) go back, when nobody has booked after them.
      this.sql.exec(
        "UPDATE gate SET next_free = ? WHERE next_free = ?",
        Math.max(Date.now(), feedback.unusedFrom),
        booked,
      );
    }
    const samples = [...(feedback.samples ?? [])];
    if (feedback.rateLimitedForMs !== null && !samples.some((s) => s.outcome === "throttled")) {
      samples.push({ latencyMs: 0, outcome: "throttled", status: 429, retryAfterMs: feedback.rateLimitedForMs });
    }
    if (batch !== null && feedback.retries) {
      this.sql.exec("UPDATE shares SET retries = retries + ? WHERE batch = ?", feedback.retries, batch);
    }
    const gate = this.gate();
    const now = Date.now();
    const limits = this.limits(this.robots(gate, now));
    let state = this.paceState(gate, limits);
    if (samples.length > 0) {
      for (const sample of samples) state = observe(state, sample, limits, now);
      this.sql.exec("UPDATE gate SET pace = ?", JSON.stringify(state));
    }
    if (feedback.rateLimitedForMs !== null) {
      this.sql.exec("UPDATE gate SET next_free = MAX(next_free, ?)", now + feedback.rateLimitedForMs);
    }
    const pace = paceNow(state, limits, now);
    return { reason: pace.reason, pace: pace.requestsPerSecond };
  }

  /** The origin's pace and why, with the retries `batch` has had here, for the hosts view. */
  async view(origin: string, batch: string, respectRobots: boolean): Promise<HostPace> {
    const now = Date.now();
    const gate = this.gate();
    const robots = this.robots(gate, now);
    const limits = this.limits(respectRobots ? robots : null);
    const state = this.paceState(gate, limits);
    const pace = paceNow(state, limits, now);
    const share = this.sql.exec<{ retries: number }>("SELECT retries FROM shares WHERE batch = ?", batch).toArray()[0];
    const robotsState = !respectRobots
      ? "not_respected"
      : robots === null
        ? "pending"
        : robots.outcome === "unreachable"
          ? "unreachable"
          : "allowed";
    const waitingForRobots = respectRobots && (robots === null || robots.outcome === "unreachable");
    return {
      origin,
      pace: pace.requestsPerSecond,
      concurrency: pace.concurrency,
      reason: waitingForRobots ? "robots_pending" : pace.reason,
      lastThrottle: state.lastThrottle && { status: state.lastThrottle.status, at: iso(state.lastThrottle.at) },
      crawlDelaySeconds: limits.crawlDelayMs > 0 ? limits.crawlDelayMs / 1000 : null,
      robots: robotsState,
      backoffUntil: state.backoffUntil > now ? iso(state.backoffUntil) : null,
      latencyP50Ms: latencyPercentile(state, 50),
      latencyP95Ms: latencyPercentile(state, 95),
      retries: share?.retries ?? 0,
    };
  }

  /** Records that `batch` asks now; a batch (re)joining starts level with the least-served active one. */
  private noteAsk(batch: string, now: number, active: number): void {
    const row = this.sql
      .exec<{ served: number; seen: number }>("SELECT served, seen FROM shares WHERE batch = ?", batch)
      .toArray()[0];
    if (row && row.seen > now - active) {
      this.sql.exec("UPDATE shares SET seen = ? WHERE batch = ?", now, batch);
      return;
    }
    // No credit for the time away, and no debt either: level with the others.
    const floor = this.sql
      .exec<{ m: number | null }>(
        "SELECT MIN(served) AS m FROM shares WHERE seen > ? AND batch != ?",
        now - active,
        batch,
      )
      .one().m;
    this.sql.exec(
      "INSERT INTO shares (batch, served, seen) VALUES (?, ?, ?) ON CONFLICT (batch) DO UPDATE SET served = excluded.served, seen = excluded.seen",
      batch,
      floor ?? 0,
      now,
    );
    // Forget batches long gone, so the table stays the size of the origin's active batches.
    this.sql.exec("DELETE FROM shares WHERE seen < ?", now - 24 * 60 * 60_000);
  }

  /**
   * Whether `batch` has been served more than one grant beyond the least-served other
   * active batch: it waits, and that batch (asking again within its wait) goes first.
   */
  private aheadOfShare(batch: string, now: number, intervalMs: number, count: number): boolean {
    const slack = intervalMs === 0 ? count : Math.max(1, Math.ceil(BOOKING_HORIZON_MS / intervalMs));
    const row = this.sql
      .exec<{ mine: number; least: number | null }>(
        `SELECT (SELECT served FROM shares WHERE batch = ?1) AS mine,
                (SELECT MIN(served) FROM shares WHERE batch != ?1 AND seen > ?2) AS least`,
        batch,
        now - activeMs(intervalMs),
      )
      .one();
    return row.least !== null && row.mine - row.least >= slack;
  }

  private limits(robots: RobotsRules | null): PaceLimits {
    const delay = robots ? (crawlDelaySeconds(robots, this.settings.USER_AGENT) ?? 0) : 0;
    return {
      minIntervalMs: this.settings.HOST_MIN_INTERVAL_MS,
      maxConcurrency: this.settings.HOST_MAX_CONCURRENCY,
      crawlDelayMs: Math.min(delay, MAX_CRAWL_DELAY_S) * 1000,
    };
  }

  private paceState(gate: GateRow, limits: PaceLimits): PaceState {
    return gate.pace ? (JSON.parse(gate.pace) as PaceState) : initialPace(limits);
  }

  private robots(gate: GateRow, now: number): RobotsRules | null {
    return gate.robots && gate.robots_expires > now ? RobotsRules.parse(JSON.parse(gate.robots)) : null;
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

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
