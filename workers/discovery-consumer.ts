import { fetchLimitsFrom } from "../fetch/fetcher";
import { metering, UsageMeter } from "../fetch/usage-meter";
import { coordinatorOf } from "../lib/batch-objects";
import { DiscoveryMessage } from "../lib/discovery";
import { readSettings, type Settings } from "../lib/settings";
import { meteredEnv } from "./consumer";
import { readSource } from "./discover-source";
import { consumeMessages } from "./queue-loop";

/**
 * Handles deliveries of the discovery queue: each source is claimed from its batch's
 * coordinator, read, and finished there. A duplicate delivery finds the source busy or
 * done and does nothing; a lost one is sent again by the coordinator's alarm.
 */
export async function consumeDiscovery(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const settings = readSettings(env);
  // One at a time: a source may be 50 MB of XML, and its parse is the invocation's CPU.
  await consumeMessages(batch, {
    schema: DiscoveryMessage,
    concurrency: "one",
    malformed: { name: "discovery" },
    describe: (message) => `source ${message.batchId}/${message.sourceId}`,
    handle: async (message) => {
      // The source's fetches and calls count for its batch's cost ledger (lib/cost-ledger.ts).
      const meter = new UsageMeter();
      await metering(meter, () => discover(message, meteredEnv(env, meter), settings, meter));
      return "ack";
    },
  });
}

async function discover(message: DiscoveryMessage, env: Env, settings: Settings, meter: UsageMeter): Promise<void> {
  const coordinator = coordinatorOf(env, message.batchId);
  const claim = await coordinator.claimSource(message.sourceId);
  if (claim.kind !== "work") return;
  const outcome = await readSource(claim, {
    env,
    fetchLimits: fetchLimitsFrom(settings),
    deliver: (slice) => coordinator.discovered(message.sourceId, claim.token, slice),
  });
  meter.add({ doRequests: 1 }); // the finish itself, which carries the counts
  await coordinator.finishSource(message.sourceId, claim.token, outcome, meter.take());
}
