import { coordinatorOf, deleteBatchObjects } from "../lib/batch-objects";
import { parseApiKeys, readSettings } from "../lib/settings";

/** Batches expired per tenant per cron run, so one run stays short; the next run takes the rest. */
const EXPIRE_PER_RUN = 50;

/**
 * Cron entry: deletes the result objects of every batch whose retention has run out and
 * marks it `expired` (its status stays readable; downloads answer 410). The coordinator
 * is marked first, so no reader trusts a manifest whose parts are going; the listing
 * row last, so a run that dies part-way is finished by the next.
 */
export async function expireResults(controller: ScheduledController, env: Env): Promise<void> {
  const settings = readSettings(env);
  const now = controller.scheduledTime;
  for (const tenant of new Set(parseApiKeys(settings.API_KEYS).values())) {
    const directory = env.TENANT.getByName(tenant);
    for (const id of await directory.expiring(now, EXPIRE_PER_RUN)) {
      try {
        if (!(await coordinatorOf(env, id).expire(now))) continue;
        await deleteBatchObjects(env.RESULTS, id);
        await directory.markExpired(id);
      } catch (error) {
        console.error(`batch ${id} of ${tenant}: not expired yet; the next cron tries again`, error);
      }
    }
  }
}
