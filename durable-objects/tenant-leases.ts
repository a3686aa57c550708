// A tenant's work in flight that no other object counts (synchronous scrapes, open event
// streams): one row per holder, with an expiry, so a holder whose isolate died without
// letting go frees its place by itself. The tenant directory delegates to it.

import type { Failure, Result } from "../lib/result";

/** Every place of the kind is held: when the first one frees up. */
export interface PlacesFull extends Failure<"quota_exceeded"> {
  retryAfterSeconds: number;
}

/** A place taken (its id), or why not and when one frees up. */
export type LeaseResult = Result<string, PlacesFull>;

export class TenantLeases {
  constructor(private readonly sql: SqlStorage) {
    this.sql.exec(`CREATE TABLE IF NOT EXISTS leases (
      id TEXT PRIMARY KEY,
      kind TEXT NOT NULL,
      expires_at INTEGER NOT NULL
    );
    CREATE INDEX IF NOT EXISTS leases_kind ON leases (kind, expires_at)`);
  }

  /** Takes one of `max` places of `kind` for `ttlMs`, or answers when the first held one runs out. */
  acquire(kind: string, max: number, ttlMs: number, now: number): LeaseResult {
    this.sql.exec("DELETE FROM leases WHERE expires_at <= ?", now);
    const held = this.sql
      .exec<{ n: number; first: number | null }>(
        "SELECT COUNT(*) AS n, MIN(expires_at) AS first FROM leases WHERE kind = ?",
        kind,
      )
      .one();
    if (held.n >= max) {
      const retryAfterSeconds = Math.max(1, Math.ceil(((held.first ?? now) - now) / 1000));
      const message = `all ${max} places of ${kind} are held`;
      return { ok: false, error: { code: "quota_exceeded", message, retryAfterSeconds } };
    }
    const id = crypto.randomUUID();
    this.sql.exec("INSERT INTO leases (id, kind, expires_at) VALUES (?, ?, ?)", id, kind, now + ttlMs);
    return { ok: true, value: id };
  }

  /** Gives a place back. */
  release(id: string): void {
    this.sql.exec("DELETE FROM leases WHERE id = ?", id);
  }
}
