import { r2Keys } from "./r2-keys";

type BatchCoordinatorClass = Env["BATCH"] extends DurableObjectNamespace<infer T> ? T : never;

/** What deleting a batch's objects needs of a bucket; an R2 binding satisfies it. */
export interface ListingBucket {
  list(options: R2ListOptions): Promise<R2Objects>;
  delete(keys: string[]): Promise<void>;
}

/** Deletes every object a batch wrote (its prefix, a page of 1,000 keys at a time); answers how many. Idempotent. */
export async function deleteBatchObjects(bucket: ListingBucket, batchId: string): Promise<number> {
  let deleted = 0;
  for (;;) {
    // Listing from the start again each time: the page just deleted is no longer there.
    const page = await bucket.list({ prefix: r2Keys.batchPrefix(batchId), limit: 1000 });
    if (page.objects.length === 0) return deleted;
    await bucket.delete(page.objects.map((o) => o.key));
    deleted += page.objects.length;
  }
}

/** The coordinator of a batch, by the id its creation returned (a Durable Object id string). */
export function coordinatorOf(env: Pick<Env, "BATCH">, batchId: string): DurableObjectStub<BatchCoordinatorClass> {
  return env.BATCH.get(env.BATCH.idFromString(batchId));
}
