import { z } from "zod";
import { parseCron } from "./cron";
import { nextOccurrence } from "./cron-next";
import { parseDuration } from "./iso-duration";
import { DEFAULT_DRIFT, DriftOptions } from "./schedule-drift";
import type { BatchOptions } from "./schemas";
import { isTimeZone } from "./time-zone";

/** A daily run time, `HH:MM`: shorthand for the cron expression `MM HH * * *`. */
export const DailyTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "must be HH:MM, e.g. 06:30");
export type DailyTime = z.infer<typeof DailyTime>;

/** The margin under which a run with a window is late, unless the schedule sets its own. */
export const DEFAULT_LATE_THRESHOLD = 0.15;

/** When a schedule runs, as POST /v1/batches takes it (`schedule`); each field checked and named. */
export const ScheduleSpec = z
  .object({
    daily: DailyTime.optional().describe("Run every day at this time (HH:MM, in `timeZone`); give this or `cron`."),
    cron: z
      .string()
      .max(200)
      .optional()
      .describe("Five-field cron expression, read in `timeZone`; give this or `daily`."),
    timeZone: z.string().min(1).max(100).default("UTC").describe("IANA time zone the schedule is read in."),
    window: z
      .string()
      .max(50)
      .optional()
      .describe("ISO-8601 duration each run must publish within (e.g. `PT2H`): enables the SLA and lateness."),
    lateThreshold: z
      .number()
      .min(0)
      .max(1)
      .optional()
      .describe("A run whose SLA margin drops under this (0-1) counts as late."),
    drift: DriftOptions.optional().describe(
      "When a run is reported drifting (`schedule.drift`): `{factor, window}`, default 2 over the last 7 runs.",
    ),
  })
  .strict()
  .superRefine((spec, ctx) => {
    if ((spec.daily === undefined) === (spec.cron === undefined)) {
      ctx.addIssue({ code: "custom", path: ["cron"], message: "give exactly one of cron and daily (HH:MM)" });
    }
    if (spec.cron !== undefined) {
      const cron = parseCron(spec.cron);
      if (!cron.ok) ctx.addIssue({ code: "custom", path: ["cron"], message: cron.error.message });
    }
    if (!isTimeZone(spec.timeZone)) {
      ctx.addIssue({
        code: "custom",
        path: ["timeZone"],
        message: `unknown time zone "${spec.timeZone}": use an IANA name such as Europe/Berlin, or UTC`,
      });
    }
    if (spec.window !== undefined) {
      const window = parseDuration(spec.window);
      if (!window.ok) ctx.addIssue({ code: "custom", path: ["window"], message: window.error.message });
    }
    if (spec.lateThreshold !== undefined && spec.window === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["lateThreshold"],
        message: "needs a window to measure the margin against",
      });
    }
  });
export type ScheduleSpec = z.input<typeof ScheduleSpec>;

/** When a schedule runs and the window its runs must publish in, as the tenant directory keeps it. */
export interface ScheduleRule {
  cron: string;
  timeZone: string;
  /** The `daily` shorthand it was given as, or null. */
  daily: DailyTime | null;
  /** ISO-8601 duration, or null: no window, no SLA. */
  window: string | null;
  lateThreshold: number;
  drift: DriftOptions;
}

/** The rule a valid spec describes (call after ScheduleSpec has parsed it). */
export function scheduleRule(spec: z.output<typeof ScheduleSpec>): ScheduleRule {
  const [hours, minutes] = spec.daily?.split(":").map(Number) ?? [];
  return {
    cron: spec.cron ?? `${minutes} ${hours} * * *`,
    timeZone: spec.timeZone,
    daily: spec.daily ?? null,
    window: spec.window ?? null,
    lateThreshold: spec.lateThreshold ?? DEFAULT_LATE_THRESHOLD,
    drift: spec.drift ?? DEFAULT_DRIFT,
  };
}

/** The first run of `rule` strictly after `after` (epoch ms). Throws on a rule that never runs (validated away). */
export function nextRun(rule: Pick<ScheduleRule, "cron" | "timeZone">, after: number): number {
  const cron = parseCron(rule.cron);
  const next = cron.ok ? nextOccurrence(cron.value, rule.timeZone, after) : null;
  if (next === null) throw new Error(`schedule "${rule.cron}" in ${rule.timeZone} has no next run`);
  return next;
}

/** A window's length in ms; null for none. */
export function windowMs(window: string | null): number | null {
  if (window === null) return null;
  const parsed = parseDuration(window);
  return parsed.ok ? parsed.value : null;
}

/** A schedule: on every occurrence of its rule, the source batch's URL list runs again as a new batch. */
export interface Schedule extends ScheduleRule {
  id: string;
  /** The batch whose URL list every run fetches again. */
  sourceBatch: string;
  options: BatchOptions;
  nextRunAt: number;
  /** The batch of the latest run started, null before the first. */
  lastBatch: string | null;
  /** False once stopped (DELETE): it never runs again. */
  active: boolean;
  /** Paused: no runs until resumed; occurrences meanwhile are not made up. */
  paused: boolean;
}
