import type { BatchCoordinator } from "../durable-objects/batch-coordinator";

/**
 * Gives a new run the discovery plan of the batch it repeats, so its sources are read
 * afresh (sitemaps change between runs) while only the uploaded list is copied
 * (`exportInputs` stops where discovered URLs begin). Call between `begin` and
 * `seal`; false when `token` is no longer the run's upload.
 */
export async function carryDiscovery(
  source: DurableObjectStub<BatchCoordinator>,
  run: DurableObjectStub<BatchCoordinator>,
  token: string,
): Promise<boolean> {
  const plan = await source.discoveryPlan();
  return plan === null || (await run.planDiscovery(token, plan));
}
