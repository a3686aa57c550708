// A batch's webhook statements: the outbox its events wait in for the queue, and the
// delivery log the webhook consumer reports to. Beside the batch's own tables in the
// coordinator's SQLite, so an event is written in the transaction of what it announces.
import { type WebhookAttempt, WebhookMessage } from "../lib/webhooks";

const SCHEMA = `
-- Webhook events written in the same transaction as the transition they announce, then
-- put on the webhook queue (a transactional outbox: an event is never lost to a crash
-- between the two). Named by the event's stable id, so announcing twice keeps one.
CREATE TABLE IF NOT EXISTS webhook_outbox (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  event_id TEXT NOT NULL UNIQUE,
  message TEXT NOT NULL
);
-- One row per delivery attempt the webhook consumer reported.
CREATE TABLE IF NOT EXISTS webhook_log (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  event_id TEXT NOT NULL,
  type TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  status_code INTEGER,
  delivered INTEGER NOT NULL,
  error TEXT,
  at INTEGER NOT NULL,
  UNIQUE (event_id, attempt)
);
`;

export class WebhookStore {
  constructor(private readonly sql: SqlStorage) {
    this.init();
  }

  /** Creates the tables (again, after `deleteAll` dropped them). */
  init(): void {
    this.sql.exec(SCHEMA);
  }

  /** Forgets every event and attempt: an upload abandoned or replaced starts over. */
  reset(): void {
    this.sql.exec("DELETE FROM webhook_outbox; DELETE FROM webhook_log;");
  }

  /** Queues an event for sending; the same event id again changes nothing. */
  addToOutbox(message: WebhookMessage): void {
    this.sql.exec(
      "INSERT OR IGNORE INTO webhook_outbox (event_id, message) VALUES (?, ?)",
      message.eventId,
      JSON.stringify(message),
    );
  }

  /** The oldest events not yet on the queue. */
  outbox(limit: number): { seq: number; message: WebhookMessage }[] {
    return this.sql
      .exec<{ seq: number; message: string }>("SELECT seq, message FROM webhook_outbox ORDER BY seq LIMIT ?", limit)
      .toArray()
      .map((row) => ({ seq: row.seq, message: WebhookMessage.parse(JSON.parse(row.message)) }));
  }

  /** Forgets events once they are on the queue. */
  dropFromOutbox(seqs: number[]): void {
    this.sql.exec("DELETE FROM webhook_outbox WHERE seq IN (SELECT value FROM json_each(?))", JSON.stringify(seqs));
  }

  /** Records one delivery attempt; the same attempt reported twice is kept once (the latest). */
  logAttempt(entry: WebhookAttempt): void {
    this.sql.exec(
      `INSERT OR REPLACE INTO webhook_log (event_id, type, attempt, status_code, delivered, error, at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
      entry.eventId,
      entry.type,
      entry.attempt,
      entry.statusCode,
      entry.delivered ? 1 : 0,
      entry.error,
      Date.parse(entry.at),
    );
  }

  /** Delivery attempts from `cursor` (a log sequence number) on, oldest first. */
  deliveryLog(cursor: number, limit: number): (WebhookAttempt & { seq: number })[] {
    return this.sql
      .exec<{
        seq: number;
        event_id: string;
        type: string;
        attempt: number;
        status_code: number | null;
        delivered: number;
        error: string | null;
        at: number;
      }>("SELECT * FROM webhook_log WHERE seq >= ? ORDER BY seq LIMIT ?", cursor, limit)
      .toArray()
      .map((row) => ({
        seq: row.seq,
        eventId: row.event_id,
        type: row.type as WebhookAttempt["type"],
        attempt: row.attempt,
        statusCode: row.status_code,
        delivered: row.delivered === 1,
        error: row.error,
        at: new Date(row.at).toISOString(),
      }));
  }
}
