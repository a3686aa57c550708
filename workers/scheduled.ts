import { coordinatorOf } from "../lib/batch-objects";
import type { RunLink } from "../lib/coordinator-protocol";
import { scheduledRunName } from "../lib/object-names";
import { nextRun, type Schedule } from "../lib/schedule";
import { SKIPPED_OVERLAP } from "../lib/schedule-runs";
import { parseApiKeys, readSettings, type Settings } from "../lib/settings";

/** Runs started at once: each start is a few short RPCs, never a list copy. */
const START_CONCURRENCY = 6;

/**
 * Cron entry: starts the schedules whose next occurrence has come, taking tenants in
 * turn (one due run of each, then the next of each, …) up to SCHEDULE_STARTS_PER_CRON
 * in all; the rest are still due at the next cron, so one tenant's many schedules never
 * hold back another's. Starting a run only begins its batch and names the list to copy:
 * the run's coordinator copies it by its own alarm. A run is named by (tenant,
 * schedule, occurrence), so a cron that fires twice starts it once. An occurrence that
 * comes while the previous run is still going is skipped, and recorded as skipped: runs
 * of one schedule never overlap. Occurrences the cron never saw (it was down) are not
 * made up: the next is counted from now.
 */
export async function runSchedules(controller: ScheduledController, env: Env): Promise<void> {
  const settings = readSettings(env);
  const now = controller.scheduledTime;
  const budget = settings.SCHEDULE_STARTS_PER_CRON;
  const tenants = [...new Set(parseApiKeys(settings.API_KEYS).values())];
  const due = await Promise.all(tenants.map((tenant) => env.TENANT.getByName(tenant).due(now, budget)));
  const turns = fairTurns(
    tenants.map((tenant, i) => (due[i] ?? []).map((schedule) => ({ tenant, schedule }))),
    budget,
  );
  let next = 0;
  const lane = async () => {
    while (next < turns.length) {
      const turn = turns[next++];
      if (turn) await startDue(env, settings, turn.tenant, turn.schedule, now);
    }
  };
  await Promise.all(Array.from({ length: START_CONCURRENCY }, lane));
}

/** Round-robin over the lists: the first of each, then the second of each, …, at most `limit` in all. */
export function fairTurns<T>(lists: readonly (readonly T[])[], limit: number): T[] {
  const turns: T[] = [];
  for (let round = 0; turns.length < limit; round++) {
    const before = turns.length;
    for (const list of lists) {
      const item = list[round];
      if (item !== undefined && turns.length < limit) turns.push(item);
    }
    if (turns.length === before) break;
  }
  return turns;
}

/** Starts (or skips) one due occurrence; a failure is logged and the next cron tries again. */
async function startDue(env: Env, settings: Settings, tenant: string, schedule: Schedule, now: number): Promise<void> {
  const directory = env.TENANT.getByName(tenant);
  try {
    const next = nextRun(schedule, now);
    if (await stillRunning(env, tenant, previousRun(schedule))) {
      await directory.markSkipped(schedule.id, schedule.nextRunAt, SKIPPED_OVERLAP, next);
      return;
    }
    const batchId = await startRun(env, settings, tenant, schedule);
    await directory.markRun(schedule.id, schedule.nextRunAt, batchId, next);
  } catch (error) {
    console.error(`schedule ${schedule.id} of ${tenant}: run not started; the next cron tries again`, error);
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
  const summary = await coordinatorOf(env, batchId).view(tenant);
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
 * Starts (or finds) the run of the schedule's due occurrence: a new batch that copies
 * the source batch's submitted list (and its discovery plan) by its own alarm.
 */
async function startRun(env: Env, settings: Settings, tenant: string, schedule: Schedule): Promise<string> {
  const link = runLink(schedule);
  const objectId = env.BATCH.idFromName(scheduledRunName(tenant, schedule.id, link.scheduledAt));
  const started = await env.BATCH.get(objectId).beginRun(
    {
      batchId: objectId.toString(),
      tenant,
      options: schedule.options,
      chunkSize: settings.CHUNK_SIZE,
      run: link,
      previousBatch: previousRun(schedule),
    },
    schedule.sourceBatch,
  );
  if (!started) throw new Error("the run's object holds another tenant's batch");
  return objectId.toString();
}
