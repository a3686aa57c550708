// Follows GET /v1/batches/{id}/events: yields each progress view until the final one.
// A dropped connection (a restart, a proxy timeout) is reopened; the server sends the
// current state first on every connection, so nothing is missed by reconnecting.
import { EventSourceParserStream } from "eventsource-parser/stream";
import { type BatchView, failureOf, type TrawlApi } from "./api-client";
import { CliError, ExitCode } from "./exit-codes";

/** Connection attempts in a row that may fail before watching gives up. */
const MAX_RECONNECTS = 5;

/** Progress of batch `id` as it happens, ending with its final event. */
export async function* batchEvents(api: TrawlApi, id: string, signal: AbortSignal): AsyncGenerator<BatchView> {
  let failures = 0;
  let retryMs = 3000;
  for (;;) {
    let response: Response;
    try {
      response = await api.fetch(`/v1/batches/${encodeURIComponent(id)}/events`, {
        headers: { accept: "text/event-stream" },
        signal,
      });
    } catch (error) {
      if (signal.aborted || !(error instanceof CliError) || ++failures > MAX_RECONNECTS) throw error;
      await sleep(retryMs, signal);
      continue;
    }
    // 4xx answers (wrong key, unknown batch) will not change by asking again.
    if (!response.ok) throw await failureOf(response);
    const events = (response.body ?? new Blob().stream())
      .pipeThrough(new TextDecoderStream())
      .pipeThrough(new EventSourceParserStream({ onRetry: (ms) => (retryMs = ms) }));
    try {
      for await (const message of events) {
        if (message.event !== "progress" && message.event !== "done") continue;
        failures = 0;
        yield JSON.parse(message.data) as BatchView;
        if (message.event === "done") return;
      }
    } catch (error) {
      if (signal.aborted) throw error;
      // a connection cut mid-stream: reconnect below
    }
    if (++failures > MAX_RECONNECTS) {
      throw new CliError(
        ExitCode.unreachable,
        `the event stream of batch ${id} kept closing before the batch finished`,
      );
    }
    await sleep(retryMs, signal);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
