// The one Worker script: HTTP API, queue consumers, cron, and the Durable Objects.
import { createApp } from "../api/app";
import { consumeChunks, consumeDeadLetters } from "./consumer";
import { consumeDiscovery } from "./discovery-consumer";
import { expireResults } from "./retention";
import { runSchedules } from "./scheduled";
import { deliverWebhooks } from "./webhook-delivery";

export { BatchCoordinator } from "../durable-objects/batch-coordinator";
export { HostGate } from "../durable-objects/host-gate";
export { TenantDirectory } from "../durable-objects/tenant-directory";

const app = createApp();
const DEAD_LETTER_QUEUE = "trawl-chunks-dlq";
const WEBHOOK_QUEUE = "trawl-webhooks";
const DISCOVERY_QUEUE = "trawl-discovery";

export default {
  fetch: (request, env, ctx) => app.fetch(request, env, ctx),
  queue: (batch, env) =>
    batch.queue === WEBHOOK_QUEUE
      ? deliverWebhooks(batch, env)
      : batch.queue === DISCOVERY_QUEUE
        ? consumeDiscovery(batch, env)
        : batch.queue === DEAD_LETTER_QUEUE
          ? consumeDeadLetters(batch, env)
          : consumeChunks(batch, env),
  // Two jobs that never wait on each other: a slow or failing one leaves the other on time.
  scheduled: async (controller, env) => {
    const jobs = await Promise.allSettled([runSchedules(controller, env), expireResults(controller, env)]);
    for (const job of jobs) if (job.status === "rejected") console.error("cron job failed", job.reason);
  },
} satisfies ExportedHandler<Env>;
