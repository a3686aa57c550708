import { describe, expect, it } from "vitest";
import { z } from "zod";
import { consumeMessages, type Handled } from "../../workers/queue-loop";

const Body = z.object({ n: z.number() });

/** A delivery of `bodies`, each message recording what the loop did with it. */
function delivery(bodies: unknown[]) {
  const fates: (string | number)[] = bodies.map(() => "untouched");
  const messages = bodies.map((body, i) => ({
    id: String(i),
    timestamp: new Date(0),
    body,
    attempts: 3,
    ack: () => {
      fates[i] = "ack";
    },
    retry: (options?: { delaySeconds?: number }) => {
      fates[i] = options?.delaySeconds ?? "retry";
    },
  }));
  const batch = { queue: "q", messages, ackAll: () => {}, retryAll: () => {} } as unknown as MessageBatch<unknown>;
  return { batch, fates };
}

describe("the queue-message loop", () => {
  it("acks a body that does not parse, acks or retries by the handler's answer, and retries a throw with the delay", async () => {
    const { batch, fates } = delivery([{ n: 1 }, { nope: true }, { n: 2 }, { n: 3 }]);
    const dropped: string[] = [];
    await consumeMessages(batch, {
      schema: Body,
      concurrency: "all",
      malformed: (message) => dropped.push(message.id),
      describe: (body) => `n ${body.n}`,
      retryDelay: (attempts) => attempts * 100,
      handle: async (body): Promise<Handled> => {
        if (body.n === 2) return { retryAfterSeconds: 7 };
        if (body.n === 3) throw new Error("transient");
        return "ack";
      },
    });
    expect(fates).toEqual(["ack", "ack", 7, 300]);
    expect(dropped).toEqual(["1"]);
  });

  it("handles one message at a time when asked to", async () => {
    const { batch } = delivery([{ n: 1 }, { n: 2 }, { n: 3 }]);
    let running = 0;
    let most = 0;
    await consumeMessages(batch, {
      schema: Body,
      concurrency: "one",
      malformed: { name: "test" },
      describe: (body) => `n ${body.n}`,
      handle: async () => {
        most = Math.max(most, ++running);
        await new Promise((resolve) => setTimeout(resolve, 5));
        running--;
        return "ack";
      },
    });
    expect(most).toBe(1);
  });
});
