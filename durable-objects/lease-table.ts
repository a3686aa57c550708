// The lease machine that chunks (batch-store.ts) and discovery sources
// (discovery-store.ts) share: a table of work items, each sent on a queue, leased by
// one consumer at a time, and sent again when presumed lost. Each store names its own
// transitions (which states each is legal from); the statements are here, once.
//
// Columns every lease table has: `id`, `state`, `claims` (leases taken), `lost_at` (when
// an item sent or leased is presumed lost and the alarm sends it again: in `sent` the
// delivery delay plus a lease, in `leased` the end of the lease) and `token` (the lease
// holder, set only in `leased`; only its reports count).

import { now } from "../lib/clock";

/** The columns every lease table has. */
export interface LeaseRow<State extends string = string> extends Record<string, SqlStorageValue> {
  id: number;
  state: State;
  claims: number;
  lost_at: number | null;
  token: string | null;
}

/** One named transition: legal from the states listed, to `to`. */
export interface LeaseTransition {
  readonly from: readonly string[];
  readonly to: string;
}

/** Whether a live lease holds the item (leased, and its lease not yet run out at `now`): a second claim finds it busy. */
export function heldByLease(item: { state: string; lost_at: number | null }, now: number): boolean {
  return item.state === "leased" && (item.lost_at ?? 0) > now;
}

const SEND_BATCH_MAX = 100;

export class LeaseTable<Name extends string> {
  /**
   * `resetOnLease`: assignments (SQL) made when a new lease starts, for counters that
   * belong to one reading (a source's `invalid`, `filtered`).
   */
  constructor(
    private readonly sql: SqlStorage,
    private readonly table: string,
    private readonly transitions: Record<Name, LeaseTransition>,
    private readonly resetOnLease = "",
  ) {}

  /** Applies a named transition if the item is in a state it is legal from; answers whether it was. */
  transition(id: number, name: Name, set: { lostAt?: number; token?: string } = {}): boolean {
    const { from, to } = this.transitions[name];
    const leasing = name === "lease";
    const reset = leasing && this.resetOnLease ? `, ${this.resetOnLease}` : "";
    const placeholders = from.map(() => "?").join(", ");
    const changed = this.sql.exec(
      `UPDATE ${this.table} SET state = ?, lost_at = ?, token = ?, claims = claims + ?${reset}
       WHERE id = ? AND state IN (${placeholders}) RETURNING id`,
      to,
      set.lostAt ?? null,
      set.token ?? null,
      leasing ? 1 : 0,
      id,
      ...from,
    );
    return changed.toArray().length > 0;
  }

  /**
   * Items waiting to be sent, in id order. Ordered as the (state, lost_at) index holds
   * them (a ready item has no lost_at, so that is id order): the first few are read off
   * the index, where ORDER BY id alone sorted every ready item (400,000 chunks of a
   * ten-million batch) at each pump, that is at each report.
   */
  ready(limit = -1): number[] {
    return this.sql
      .exec<{ id: number }>(`SELECT id FROM ${this.table} WHERE state = 'ready' ORDER BY lost_at, id LIMIT ?`, limit)
      .toArray()
      .map((row) => row.id);
  }

  /** Items sent or leased whose `lost_at` has passed, with the leases they took. */
  lost(now: number): { id: number; claims: number }[] {
    return this.sql
      .exec<{ id: number; claims: number }>(
        `SELECT id, claims FROM ${this.table} WHERE state IN ('sent', 'leased') AND lost_at <= ? ORDER BY id`,
        now,
      )
      .toArray();
  }

  /** How many items are sent or leased. */
  inFlight(): number {
    return this.sql
      .exec<{ n: number }>(`SELECT COUNT(*) AS n FROM ${this.table} WHERE state IN ('sent', 'leased')`)
      .one().n;
  }

  /** The soonest `lost_at` of an item in flight, or null. */
  nextLostAt(): number | null {
    return this.sql
      .exec<{ t: number | null }>(`SELECT MIN(lost_at) AS t FROM ${this.table} WHERE state IN ('sent', 'leased')`)
      .one().t;
  }
}

/** How to put a lease table's items on their queue. */
export interface Dispatch<Name extends string, Body> {
  leases: LeaseTable<Name>;
  queue: Queue<Body>;
  /** The message that names one item. */
  message: (id: number) => Body;
  /** Runs the marking as one transaction. */
  atomically: <T>(work: () => T) => T;
  /** How long a consumer holds a lease (LEASE_SECONDS), in ms. */
  leaseMs: number;
}

/**
 * Marks `ids` sent by `transition` (those it is legal for) and puts their messages on
 * the queue, delayed by `delaySeconds`: an item is presumed lost once the delay and one
 * lease have passed without a report.
 */
export async function dispatch<Name extends string, Body>(
  to: Dispatch<Name, Body>,
  ids: number[],
  transition: Name,
  delaySeconds: number,
): Promise<void> {
  if (ids.length === 0) return;
  const lostAt = now() + delaySeconds * 1000 + to.leaseMs;
  const sent = to.atomically(() => ids.filter((id) => to.leases.transition(id, transition, { lostAt })));
  const messages = sent.map((id) => ({ body: to.message(id), delaySeconds }));
  for (let i = 0; i < messages.length; i += SEND_BATCH_MAX) {
    await to.queue.sendBatch(messages.slice(i, i + SEND_BATCH_MAX));
  }
}
