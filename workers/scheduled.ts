import { parseAllowList } from "../lib/address-policy";
import { toIngestRow } from "../lib/ingest-row";
import { nextDailyRun, runDay, type Schedule } from "../lib/schedule";
import { parseApiKeys, readSettings, type Settings } from "../lib/settings";
import { carryDiscovery } from "./discovery-handoff";

/** Rows copied per RPC from the source batch into a new run. */
const COPY_SLICE = 1000;

/**
 * Cron entry: for every tenant, starts the daily schedules that have come due. A run
 * is named by (tenant, schedule, day), so a cron that fires twice starts it once, and
 * a run whose start was interrupted is finished by the next cron.
 */
export async function runSchedules(controller: ScheduledController, env: Env): Promise<void> {
  const settings = readSettings(env as unknown as Record<string, unknown>);
  const now = controller.scheduledTime;
  const tenants = new Set(parseApiKeys(settings.API_KEYS).values());
  for (const tenant of tenants) {
    const directory = env.TENANT.get(env.TENANT.idFromName(tenant));
    for (const schedule of await directory.due(now)) {
      try {
        const batchId = await startRun(env, settings, tenant, schedule);
        await directory.markRun(schedule.id, batchId, nextDailyRun(schedule.daily, now));
      } catch (error) {
        console.error(`schedule ${schedule.id} of ${tenant}: run not started; the next cron tries again`, error);
      }
    }
  }
}

async function startRun(env: Env, settings: Settings, tenant: string, schedule: Schedule): Promise<string> {
  const objectId = env.BATCH.idFromName(`schedule:${tenant}:${schedule.id}:${runDay(schedule.nextRunAt)}`);
  const batchId = objectId.toString();
  const run = env.BATCH.get(objectId);
  const begun = await run.begin({ batchId, tenant, options: schedule.options, chunkSize: settings.CHUNK_SIZE });
  if (!begun.created) {
    if (begun.inProgress) throw new Error("a previous start of this run is still copying");
    return batchId;
  }
  const source = env.BATCH.get(env.BATCH.idFromString(schedule.sourceBatch));
  const allow = parseAllowList(settings.DEV_ALLOWED_ORIGINS);
  for (let cursor = 0; ; ) {
    const inputs = await source.exportInputs(cursor, COPY_SLICE);
    const last = inputs[inputs.length - 1];
    if (!last) break;
    const appended = await run.append(
      begun.token,
      inputs.map((input) => toIngestRow(input.id ? { url: input.url, id: input.id } : input.url, allow)),
    );
    if (!appended) throw new Error("another start of this run took over the copy");
    cursor = last.index + 1;
  }
  if (!(await carryDiscovery(source, run, begun.token)) || !(await run.seal(begun.token))) {
    throw new Error("another start of this run took over the copy");
  }
  return batchId;
}
