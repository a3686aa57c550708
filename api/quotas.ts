// Per-tenant quotas: how much one tenant may have in flight at once. A request past one
// gets a 429 naming the setting, with Retry-After when a place frees up by itself.
import type { Context } from "hono";
import { ApiError } from "./errors";
import type { AppEnv } from "./types";

/** Seconds a client is told to wait for a batch in flight to finish: a guess, batches take minutes. */
const BATCH_RETRY_AFTER_SECONDS = 60;

function quotaExceeded(c: Context<AppEnv>, what: string, max: number, setting: string, retryAfter: number): ApiError {
  c.header("retry-after", String(retryAfter));
  return new ApiError(
    429,
    "quota_exceeded",
    `${what}: your tenant has ${max} in flight (${setting}); retry in ${retryAfter} s`,
    [{ field: setting, reason: `at most ${max} at once` }],
  );
}

/** Refuses a new batch while the tenant has `max` queued or running. */
export async function checkBatchQuota(c: Context<AppEnv>, max: number): Promise<void> {
  const inFlight = await c.env.TENANT.getByName(c.get("tenant")).batchesInFlight();
  if (inFlight >= max) {
    throw quotaExceeded(c, "batches queued or running", max, "MAX_BATCHES_IN_FLIGHT", BATCH_RETRY_AFTER_SECONDS);
  }
}

/**
 * Runs `work` holding one of the tenant's `max` places of `kind`, given back after it
 * (and by itself after `ttlMs`, should this isolate die holding it).
 */
export async function withQuota<T>(
  c: Context<AppEnv>,
  quota: { kind: string; what: string; max: number; setting: string; ttlMs: number },
  work: (release: () => Promise<void>) => Promise<T>,
): Promise<T> {
  const directory = c.env.TENANT.getByName(c.get("tenant"));
  const lease = await directory.acquire(quota.kind, quota.max, quota.ttlMs);
  if (!lease.ok) throw quotaExceeded(c, quota.what, quota.max, quota.setting, lease.error.retryAfterSeconds);
  let released = false;
  const release = async () => {
    if (released) return;
    released = true;
    await directory.release(lease.value).catch(() => {}); // it expires by itself
  };
  try {
    return await work(release);
  } catch (error) {
    await release();
    throw error;
  }
}
