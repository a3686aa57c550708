import { parseAllowList } from "../lib/address-policy";
import type { RunLink } from "../lib/coordinator-protocol";
import { toIngestRow } from "../lib/ingest-row";
import { scheduledRunName } from "../lib/object-names";
import { nextRun, type Schedule } from "../lib/schedule";
import { SKIPPED_OVERLAP } from "../lib/schedule-runs";
import { parseApiKeys, readSettings, type Settings } from "../lib/settings";
import { carryDiscovery } from "./discovery-handoff";

/** Rows copied per RPC from the source batch into a new run. */
const COPY_SLICE = 1000;

/**
 * Cron entry: for every tenant, starts the schedules whose next occurrence has come. A
 * run is named by (tenant, schedule, occurrence), so a cron that fires twice starts it
 * once, and a run whose start was interrupted is finished by the next cron. An
 * occurrence that comes while the previous run is still going is skipped, and recorded
 * as skipped: runs of one schedule never overlap. Occurrences the cron never saw (it
 * was down) are not made up: the next is counted from now.
 */
export async function runSchedules(controller: ScheduledController, env: Env): Promise<void> {
  const settings = readSettings(env as unknown as Record<string, unknown>);
  const now = controller.scheduledTime;
  const tenants = new Set(parseApiKeys(settings.API_KEYS).values());
  for (const tenant of tenants) {
    const directory = env.TENANT.getByName(tenant);
    for (const schedule of await directory.due(now)) {
      try {
        const next = nextRun(schedule, now);
        if (await stillRunning(env, tenant, previousRun(schedule))) {
          await directory.markSkipped(schedule.id, schedule.nextRunAt, SKIPPED_OVERLAP, next);
          continue;
        }
        const batchId = await startRun(env, settings, tenant, schedule);
        await directory.markRun(schedule.id, schedule.nextRunAt, batchId, next);
      } catch (error) {
        console.error(`schedule ${schedule.id} of ${tenant}: run not started; the next cron tries again`, error);
      }
    }
  }
}

/**
 * The run a new one follows: the schedule's latest, or for its first the batch that
 * created it (a crawl of the same list). The new run never overlaps it, and is
 * compared with it (conditional requests, `change`).
 */
function previousRun(schedule: Schedule): string {
  return schedule.lastBatch ?? schedule.sourceBatch;
}

/** Whether a schedule's previous run has not published yet. */
async function stillRunning(env: Env, tenant: string, batchId: string): Promise<boolean> {
  const summary = await env.BATCH.get(env.BATCH.idFromString(batchId)).view(tenant);
  return summary?.status === "queued" || summary?.status === "running";
}

/** The link a run's coordinator keeps to its schedule: the occurrence and the window. */
function runLink(schedule: Schedule): RunLink {
  return {
    scheduleId: schedule.id,
    scheduledAt: new Date(schedule.nextRunAt).toISOString(),
    ...(schedule.window !== null && { window: schedule.window, lateThreshold: schedule.lateThreshold }),
  };
}

/**
 * Starts (or finds) the run of the schedule's due occurrence: a new batch holding the
 * source batch's submitted list. Each source of URLs is one copy loop appending to the
 * run under `begun.token` before the seal.
 */
async function startRun(env: Env, settings: Settings, tenant: string, schedule: Schedule): Promise<string> {
  const link = runLink(schedule);
  const objectId = env.BATCH.idFromName(scheduledRunName(tenant, schedule.id, link.scheduledAt));
  const batchId = objectId.toString();
  const run = env.BATCH.get(objectId);
  const begun = await run.begin({
    batchId,
    tenant,
    options: schedule.options,
    chunkSize: settings.CHUNK_SIZE,
    run: link,
    previousBatch: previousRun(schedule),
  });
  if (!begun.created) {
    if ("foreign" in begun) throw new Error("the run's object holds another tenant's batch");
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
