// The one per-message loop of the queue consumers (chunks, dead letters, discovery,
// webhooks): parse at the trust boundary, hand the message to its handler, and ack or
// retry it by what the handler answers; a handler that throws is retried with a delay.
import type { z } from "zod";
import { backoffSeconds } from "../lib/retry-policy";

/** What becomes of a handled message: acked, or retried after a delay the handler chose. */
export type Handled = "ack" | { retryAfterSeconds: number };

export interface QueueConsumer<T> {
  /** The message's schema: a body that does not parse can never succeed, and is dropped. */
  schema: z.ZodType<T>;
  /** All messages of a delivery at once, or one at a time (when each is a large piece of CPU). */
  concurrency: "all" | "one";
  handle(body: T, message: Message<unknown>): Promise<Handled>;
  /** Names a message in the log line of a failed handling, e.g. `chunk <batch>/<chunk>`. */
  describe(body: T): string;
  /** Logs a dropped body; by default its first 500 characters under `dropping malformed <name> message`. */
  malformed: ((message: Message<unknown>, error: z.ZodError) => void) | { name: string };
  /** The delay before a thrown handling is tried again; by default the retry policy's backoff. */
  retryDelay?: (attempts: number) => number;
}

/** Runs `consumer` over one delivery of its queue. */
export async function consumeMessages<T>(batch: MessageBatch<unknown>, consumer: QueueConsumer<T>): Promise<void> {
  const one = async (message: Message<unknown>): Promise<void> => {
    const parsed = consumer.schema.safeParse(message.body);
    if (!parsed.success) {
      // Not ours to retry: a malformed message can never succeed.
      if (typeof consumer.malformed === "function") consumer.malformed(message, parsed.error);
      else
        console.error(
          `dropping malformed ${consumer.malformed.name} message`,
          JSON.stringify(message.body).slice(0, 500),
        );
      message.ack();
      return;
    }
    let handled: Handled;
    try {
      handled = await consumer.handle(parsed.data, message);
    } catch (error) {
      console.error(`${consumer.describe(parsed.data)} failed; retrying`, error);
      message.retry({ delaySeconds: (consumer.retryDelay ?? backoffSeconds)(message.attempts) });
      return;
    }
    if (handled === "ack") message.ack();
    else message.retry({ delaySeconds: handled.retryAfterSeconds });
  };
  if (consumer.concurrency === "all") await Promise.all(batch.messages.map(one));
  else for (const message of batch.messages) await one(message);
}
