// The end of every upload into a batch's coordinator (begin, append, plan, seal,
// abandon): once the rows are in, hand over the discovery plan and seal; a failure
// before the seal abandons the upload, unless the caller resumes it later (a scheduled
// run's copy, which its alarm carries on). Pure: the coordinator is behind `steps`.
import type { DiscoveryPlan } from "./discovery";

/** What finishing an upload needs of a coordinator; its stub satisfies it. */
export interface UploadSteps<Summary> {
  planDiscovery(token: string, plan: DiscoveryPlan): Promise<boolean>;
  seal(token: string): Promise<Summary | null>;
  abandon(token: string): Promise<void>;
}

export type Finished<T, Summary> = { ok: true; value: T; summary: Summary } | { ok: false; superseded: true };

/**
 * Runs `fill` (the appends) under the upload `token`, hands over `plan` when there is
 * one, and seals. Answers `superseded` when another upload with the same key took over;
 * throws what `fill` threw, after abandoning the upload when `abandonOnError`.
 */
export async function finishUpload<T, Summary>(
  steps: UploadSteps<Summary>,
  token: string,
  fill: () => Promise<T>,
  options: { plan: DiscoveryPlan | null; abandonOnError: boolean },
): Promise<Finished<T, Summary>> {
  let value: T;
  try {
    value = await fill();
    if (options.plan && !(await steps.planDiscovery(token, options.plan))) {
      if (options.abandonOnError) await steps.abandon(token);
      return { ok: false, superseded: true };
    }
  } catch (error) {
    if (options.abandonOnError) await steps.abandon(token);
    throw error;
  }
  const summary = await steps.seal(token);
  return summary === null ? { ok: false, superseded: true } : { ok: true, value, summary };
}
