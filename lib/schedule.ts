import { z } from "zod";
import type { BatchOptions } from "./schemas";

/** A daily run time in UTC, `HH:MM`. */
export const DailyTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "must be HH:MM in UTC, e.g. 06:30");
export type DailyTime = z.infer<typeof DailyTime>;

/** The first moment strictly after `after` (epoch ms) at which `time` (UTC) falls. */
export function nextDailyRun(time: DailyTime, after: number): number {
  const [hours = 0, minutes = 0] = time.split(":").map(Number);
  const day = new Date(after);
  const candidate = Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate(), hours, minutes);
  return candidate > after ? candidate : candidate + 24 * 60 * 60_000;
}

/** The UTC day (`YYYY-MM-DD`) a run belongs to: with the schedule id, it names the run once. */
export function runDay(at: number): string {
  return new Date(at).toISOString().slice(0, 10);
}

/** A daily schedule: every day at `daily` (UTC), the source batch's URL list runs again. */
export interface Schedule {
  id: string;
  /** The batch whose URL list every run fetches again. */
  sourceBatch: string;
  daily: DailyTime;
  options: BatchOptions;
  nextRunAt: number;
  lastBatch: string | null;
  active: boolean;
}
