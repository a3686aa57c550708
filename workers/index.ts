// The one Worker script: HTTP API, queue consumers, cron, and the Durable Objects.
import { createApp } from "../api/app";
import { consumeChunks, consumeDeadLetters } from "./consumer";
import { runSchedules } from "./scheduled";

export { BatchCoordinator } from "../durable-objects/batch-coordinator";
export { HostGate } from "../durable-objects/host-gate";
export { TenantDirectory } from "../durable-objects/tenant-directory";

const app = createApp();
const DEAD_LETTER_QUEUE = "trawl-chunks-dlq";

export default {
  fetch: (request, env, ctx) => app.fetch(request, env, ctx),
  queue: (batch, env) =>
    batch.queue === DEAD_LETTER_QUEUE ? consumeDeadLetters(batch, env) : consumeChunks(batch, env),
  scheduled: (controller, env) => runSchedules(controller, env),
} satisfies ExportedHandler<Env>;
