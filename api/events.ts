// Live progress as Server-Sent Events: a view over the coordinator's `view()`, polled
// at most once a second per connection, so a watcher costs no more than a polling client.
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { type SSEStreamingApi, streamSSE } from "hono/streaming";
import type { BatchTags } from "../lib/batch-tags";
import type { BatchSummary } from "../lib/coordinator-protocol";
import { readSettings } from "../lib/settings";
import { batchView, coordinatorFor, ownedSummary, tagsOf } from "./batch-access";
import { invalidFromZod } from "./errors";
import { BatchParams, type BatchView, batchErrors, bearerSecurity, errorResponse } from "./openapi-schemas";
import { withQuota } from "./quotas";
import type { AppEnv } from "./types";

/** How often one connection asks the coordinator. */
export const EVENTS_POLL_MS = 1000;
/** A comment line this often keeps idle proxies from closing a quiet stream. */
const KEEP_ALIVE_MS = 15_000;

type View = z.infer<typeof BatchView>;

const eventsRoute = createRoute({
  method: "get",
  path: "/v1/batches/{id}/events",
  summary: "Live progress as Server-Sent Events; ends by itself after the final event",
  description:
    '`event: progress` carries the batch (as `GET /v1/batches/{id}`: counts, percent, pages/s, ETA, `slowestHost`) when it changes (counts, or the host it waits for), at most once a second. `event: done` carries it once more when the manifest is published (or the batch failed), and then the server closes the stream. A stream lives at most MAX_EVENT_STREAM_SECONDS: then `event: end` (`{reason: "max_lifetime", message, batch}`) closes it, and the client reconnects to go on. Read it with `fetch` (it needs the bearer key, which `EventSource` cannot send).',
  security: bearerSecurity,
  request: { params: BatchParams },
  responses: {
    200: {
      description: "A stream of `progress` events, then one `done` event",
      content: { "text/event-stream": { schema: z.string() } },
    },
    429: errorResponse("MAX_EVENT_STREAMS of yours are open: retry after `Retry-After`"),
    ...batchErrors,
  },
});

/** Finished for a watcher: nothing will change any more. */
function isFinal(view: View): boolean {
  return view.published || view.status === "failed";
}

/** What makes an event worth sending (the host a batch waits for, too); pages/s alone drifts with the clock. */
function fingerprint(view: View): string {
  const held = view.slowestHost && [view.slowestHost.origin, view.slowestHost.reason];
  return JSON.stringify([view.status, view.counts, view.published, held]);
}

/** Registers `GET /v1/batches/{id}/events`. */
export function registerEventRoutes(app: OpenAPIHono<AppEnv>): void {
  // A stream does not fit the typed-JSON handler: documented, routed by hand.
  app.openAPIRegistry.registerPath(eventsRoute);
  app.get("/v1/batches/:id/events", async (c) => {
    const params = BatchParams.safeParse(c.req.param());
    if (!params.success) throw invalidFromZod(params.error);
    // Ownership is checked before the stream opens, so a stranger gets a plain 404.
    const summary = await ownedSummary(c, params.data.id);
    const coordinator = coordinatorFor(c, params.data.id);
    const tenant = c.get("tenant");
    const tags = await tagsOf(c, params.data.id);
    const settings = readSettings(c.env);
    const lifetimeMs = settings.MAX_EVENT_STREAM_SECONDS * 1000;
    const streams = {
      kind: "event-stream",
      what: "event streams",
      max: settings.MAX_EVENT_STREAMS,
      setting: "MAX_EVENT_STREAMS",
      ttlMs: lifetimeMs + 60_000,
    };
    return withQuota(c, streams, async (release) =>
      streamSSE(c, async (stream) => {
        try {
          await watch(
            stream,
            summary,
            () => coordinator.view(tenant),
            lifetimeMs,
            settings.MAX_EVENT_STREAM_SECONDS,
            tags,
          );
        } finally {
          await release();
        }
      }),
    );
  });
}

/**
 * Writes progress until the batch is final (then `done`), the client leaves, or the
 * stream has lived `lifetimeMs` (then `end`, saying so: a batch that never publishes
 * must not hold a connection forever; the client reconnects to go on watching).
 */
async function watch(
  stream: SSEStreamingApi,
  summary: BatchSummary,
  read: () => Promise<BatchSummary | null>,
  lifetimeMs: number,
  lifetimeSeconds: number,
  tags: BatchTags,
): Promise<void> {
  const endsAt = Date.now() + lifetimeMs;
  let closed = false;
  stream.onAbort(() => {
    closed = true;
  });
  let view = batchView(summary, tags);
  let sent = "";
  let lastWrite = 0;
  await stream.writeSSE({ event: "progress", data: JSON.stringify(view), retry: 3000 });
  sent = fingerprint(view);
  lastWrite = Date.now();
  while (!closed && !isFinal(view)) {
    if (Date.now() + EVENTS_POLL_MS > endsAt) {
      const message = `this stream lives at most ${lifetimeSeconds} s (MAX_EVENT_STREAM_SECONDS): reconnect to keep watching`;
      await stream.writeSSE({ event: "end", data: JSON.stringify({ reason: "max_lifetime", message, batch: view }) });
      return;
    }
    await stream.sleep(EVENTS_POLL_MS);
    if (closed) break;
    const next = await read();
    if (!next) return; // a sealed batch never disappears; end rather than report stale progress
    view = batchView(next, tags);
    if (isFinal(view)) break;
    if (fingerprint(view) !== sent) {
      await stream.writeSSE({ event: "progress", data: JSON.stringify(view) });
      sent = fingerprint(view);
      lastWrite = Date.now();
    } else if (Date.now() - lastWrite >= KEEP_ALIVE_MS) {
      await stream.write(": keep-alive\n\n");
      lastWrite = Date.now();
    }
  }
  if (!closed) await stream.writeSSE({ event: "done", data: JSON.stringify(view) });
}
