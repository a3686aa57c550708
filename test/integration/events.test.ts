// GET /v1/batches/{id}/events inside workerd: progress while a batch runs, one final
// event once its manifest is published, then the server ends the stream by itself.
import { describe, expect, it } from "vitest";
import type { BatchView } from "../support/api-types";
import { api, json, KEY_B, ORIGIN, submit, unique, waitForPublished } from "./helpers";

type View = Pick<BatchView, "status" | "counts" | "percent" | "published">;
interface Received {
  event: string;
  at: number;
  view: View;
}

/** Reads a whole event stream, timing each event as it arrives. */
async function readEvents(response: Response): Promise<{ events: Received[]; comments: number }> {
  expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
  const reader = (response.body as ReadableStream<Uint8Array>).pipeThrough(new TextDecoderStream()).getReader();
  const events: Received[] = [];
  let comments = 0;
  let buffer = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buffer += value;
    let end = buffer.indexOf("\n\n");
    while (end >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      end = buffer.indexOf("\n\n");
      const lines = block.split("\n");
      if (lines.every((line) => line.startsWith(":"))) comments++;
      const event = lines.find((line) => line.startsWith("event: "))?.slice(7) ?? "message";
      const data = lines.filter((line) => line.startsWith("data: ")).map((line) => line.slice(6));
      if (data.length > 0) events.push({ event, at: Date.now(), view: JSON.parse(data.join("\n")) as View });
    }
  }
  return { events, comments };
}

describe("the events stream", () => {
  it("sends progress as a batch advances, at most once a second, then one done event, then ends", async () => {
    // Pages that take a second each (fetched one after another within their chunk), so
    // the batch advances over a few seconds.
    const run = unique("events");
    const created = await submit(Array.from({ length: 4 }, (_, n) => `${ORIGIN}/slow/1000/${n}?run=${run}`));
    const { events } = await readEvents(await api(`/v1/batches/${created.id}/events`));

    const progress = events.filter((e) => e.event === "progress");
    const last = events[events.length - 1];
    expect(events.filter((e) => e.event === "done")).toHaveLength(1);
    expect(last?.event).toBe("done");
    expect(last?.view.published).toBe(true);
    expect(last?.view.status).toBe("completed");
    expect(last?.view.counts).toMatchObject({ total: 4, pending: 0, succeeded: 4 });

    // Progress was seen before the end, and it only moved forward.
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(progress[0]?.view.published).toBe(false);
    const pending = progress.map((e) => e.view.counts.pending);
    expect(pending).toEqual([...pending].sort((a, b) => b - a));
    for (let i = 1; i < progress.length; i++) {
      const gap = (progress[i]?.at ?? 0) - (progress[i - 1]?.at ?? 0);
      expect(gap, `progress events ${i - 1} and ${i}`).toBeGreaterThanOrEqual(900);
    }
  });

  it("gives a published batch its final event at once and closes", async () => {
    const run = unique("events-done");
    const created = await submit([`${ORIGIN}/pages/1.html?run=${run}`]);
    await waitForPublished(created.id);
    const { events } = await readEvents(await api(`/v1/batches/${created.id}/events`));
    expect(events.map((e) => e.event)).toEqual(["progress", "done"]);
    expect(events[1]?.view.counts).toMatchObject({ total: 1, pending: 0 });
  });

  it("answers another tenant's batch with a 404, not a stream", async () => {
    const created = await submit([`${ORIGIN}/pages/2.html?run=${unique("events-404")}`]);
    const response = await api(`/v1/batches/${created.id}/events`, { key: KEY_B });
    expect(response.status).toBe(404);
    expect(await json(response)).toMatchObject({ error: { code: "not_found" } });
  });

  it("needs an API key", async () => {
    const created = await submit([`${ORIGIN}/pages/3.html?run=${unique("events-401")}`]);
    const response = await api(`/v1/batches/${created.id}/events`, { key: null });
    expect(response.status).toBe(401);
    await response.body?.cancel();
  });

  it("names the field of a malformed batch id", async () => {
    const response = await api("/v1/batches/not-an-id/events");
    expect(response.status).toBe(400);
    expect(await json(response)).toMatchObject({ error: { details: [{ field: "id" }] } });
  });
});
