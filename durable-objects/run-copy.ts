// A scheduled run's list, copied from its source batch by the run's own alarm: the cron
// only starts the run (begin, and where to copy from), so no tenant's long list holds
// up another tenant's runs. Each alarm copies a bounded number of slices and sets the
// next; the last one carries the discovery plan over and seals the run.

import { parseAllowList } from "../lib/address-policy";
import type { Batch } from "../lib/batch";
import { now } from "../lib/clock";
import { toIngestRow } from "../lib/ingest-row";
import type { Settings } from "../lib/settings";
import { finishUpload, type UploadSteps } from "../lib/upload";
import type { BatchStore } from "./batch-store";

/** Rows read per RPC from the source batch. */
const COPY_SLICE = 1000;
/** Slices per alarm: one alarm stays short, and the run's own requests get their turn between. */
const SLICES_PER_ALARM = 20;

/** What the copy needs of the run's coordinator (its store, and its own upload steps). */
export interface RunCopyTarget extends UploadSteps<unknown> {
  store: BatchStore;
  settings: Settings;
  /** The coordinator of the batch the list is copied from. */
  source: ReturnType<Env["BATCH"]["get"]>;
}

/**
 * Copies the next slices of `batch.copy_from` into the run; answers true when the copy
 * is finished (and the run sealed), false when the alarm must come again for more.
 */
export async function copyRunSlices(batch: Batch, target: RunCopyTarget): Promise<boolean> {
  const token = batch.ingest_token;
  if (token === null) return true;
  const allow = parseAllowList(target.settings.DEV_ALLOWED_ORIGINS);
  let cursor = batch.copy_cursor ?? 0;
  for (let slice = 0; slice < SLICES_PER_ALARM; slice++) {
    const inputs = await target.source.exportInputs(cursor, COPY_SLICE);
    const last = inputs[inputs.length - 1];
    if (!last) {
      // The upload's end, as every upload ends: the plan handed over, then the seal. A
      // failure is not abandoned: the alarm carries the copy on until the upload times out.
      const plan = await target.source.discoveryPlan();
      await finishUpload(target, token, async () => target.store.setCopy(null, cursor), {
        plan,
        abandonOnError: false,
      });
      return true;
    }
    const rows = inputs.map((input) => toIngestRow(input.id ? { url: input.url, id: input.id } : input.url, allow));
    const next = last.index + 1;
    target.store.atomically(() => {
      target.store.appendUrls(rows, now());
      target.store.setCopy(batch.copy_from, next);
    });
    cursor = next;
  }
  return false;
}
