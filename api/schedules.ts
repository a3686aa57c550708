import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { now } from "../lib/clock";
import { nextRun, type Schedule } from "../lib/schedule";
import type { ScheduleRun } from "../lib/schedule-runs";
import { BatchId } from "../lib/schemas";
import { scheduleView } from "./batch-access";
import { ApiError } from "./errors";
import {
  bearerSecurity,
  errorResponse,
  ScheduleRunsPage,
  type ScheduleRunView,
  SchedulesPage,
  ScheduleView,
} from "./openapi-schemas";
import type { AppEnv } from "./types";

const scheduleErrors = {
  400: errorResponse("Malformed id"),
  401: errorResponse("Missing or unknown API key"),
  404: errorResponse("No such schedule for this tenant"),
};
const params = z.object({ id: BatchId });
const oneSchedule = (description: string) => ({
  description,
  content: { "application/json": { schema: ScheduleView } },
});

const listSchedules = createRoute({
  method: "get",
  path: "/v1/schedules",
  summary:
    'Your schedules, a page at a time (create one with `schedule: {cron: "0 2 * * *", timeZone}` on POST /v1/batches)',
  security: bearerSecurity,
  request: {
    query: z.object({
      cursor: z.string().max(200).optional().openapi({ description: "`nextCursor` of the previous page" }),
      limit: z.coerce.number().int().min(1).max(100).default(50).describe("Schedules per page (1-100)."),
    }),
  },
  responses: {
    200: {
      description: "Schedules, active (and paused) first, then by id",
      content: { "application/json": { schema: SchedulesPage } },
    },
    400: errorResponse("Malformed cursor or limit"),
    401: errorResponse("Missing or unknown API key"),
  },
});

const getSchedule = createRoute({
  method: "get",
  path: "/v1/schedules/{id}",
  summary: "One schedule",
  security: bearerSecurity,
  request: { params },
  responses: { 200: oneSchedule("The schedule"), ...scheduleErrors },
});

const stopSchedule = createRoute({
  method: "delete",
  path: "/v1/schedules/{id}",
  summary: "Stop a schedule for good (runs already started go on)",
  security: bearerSecurity,
  request: { params },
  responses: { 200: oneSchedule("The stopped schedule"), ...scheduleErrors },
});

const pauseSchedule = createRoute({
  method: "post",
  path: "/v1/schedules/{id}/pause",
  summary: "Pause a schedule: no run starts until it is resumed (a run already started goes on)",
  security: bearerSecurity,
  request: { params },
  responses: {
    200: oneSchedule("The paused schedule"),
    409: errorResponse("The schedule is stopped"),
    ...scheduleErrors,
  },
});

const resumeSchedule = createRoute({
  method: "post",
  path: "/v1/schedules/{id}/resume",
  summary: "Resume a paused schedule from its next occurrence after now; occurrences missed while paused are not run",
  security: bearerSecurity,
  request: { params },
  responses: {
    200: oneSchedule("The resumed schedule"),
    409: errorResponse("The schedule is stopped"),
    ...scheduleErrors,
  },
});

const listRuns = createRoute({
  method: "get",
  path: "/v1/schedules/{id}/runs",
  summary: "A schedule's run history, newest occurrence first: runs and skipped occurrences",
  security: bearerSecurity,
  request: {
    params,
    query: z.object({
      cursor: z
        .string()
        .regex(/^\d{1,15}$/, "must be a cursor returned by a previous page")
        .optional()
        .describe("`nextCursor` of the previous page."),
      limit: z.coerce.number().int().min(1).max(100).default(20).describe("Runs per page (1-100)."),
    }),
  },
  responses: {
    200: { description: "A page of runs", content: { "application/json": { schema: ScheduleRunsPage } } },
    ...scheduleErrors,
  },
});

function runView(run: ScheduleRun): z.infer<typeof ScheduleRunView> {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    batchId: run.batchId,
    scheduledAt: new Date(run.scheduledAt).toISOString(),
    startedAt: iso(run.startedAt),
    finishedAt: iso(run.finishedAt),
    status: run.status,
    reason: run.reason,
    counts: run.counts,
    changes: run.changes,
    durationSeconds: run.startedAt !== null && run.finishedAt !== null ? (run.finishedAt - run.startedAt) / 1000 : null,
    late: run.late,
    estimatedUsd: run.estimatedUsd,
    retries: run.retries,
    drift: run.drift,
    boost: run.boost,
  };
}

function directoryOf(c: Context<AppEnv>) {
  return c.env.TENANT.getByName(c.get("tenant"));
}

/** The schedule if the tenant has it, else a 404; a 409 when `live` and it is stopped. */
async function ownedSchedule(c: Context<AppEnv>, id: string, live: boolean): Promise<Schedule> {
  const schedule = await directoryOf(c).get(id);
  if (!schedule) throw ApiError.notFound("schedule");
  if (live && !schedule.active) throw new ApiError(409, "schedule_stopped", "schedule is stopped; create a new one");
  return schedule;
}

/** Registers the schedule routes. */
export function registerScheduleRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(listSchedules, async (c) => {
    const { cursor, limit } = c.req.valid("query");
    const after = cursor === undefined ? null : decodeScheduleCursor(cursor);
    if (after === undefined) throw ApiError.invalid("cursor", "must be a cursor returned by a previous page");
    const schedules = await directoryOf(c).schedules(limit + 1, after);
    const page = schedules.slice(0, limit);
    const last = page[page.length - 1];
    const nextCursor = schedules.length > limit && last ? encodeScheduleCursor(last) : null;
    return c.json({ schedules: page.map(scheduleView), nextCursor }, 200);
  });

  app.openapi(getSchedule, async (c) => {
    return c.json(scheduleView(await ownedSchedule(c, c.req.valid("param").id, false)), 200);
  });

  app.openapi(stopSchedule, async (c) => {
    const stopped = await directoryOf(c).stopSchedule(c.req.valid("param").id);
    if (!stopped) throw ApiError.notFound("schedule");
    return c.json(scheduleView(stopped), 200);
  });

  app.openapi(pauseSchedule, async (c) => {
    const { id } = c.req.valid("param");
    await ownedSchedule(c, id, true);
    return c.json(scheduleView((await directoryOf(c).pauseSchedule(id)) as Schedule), 200);
  });

  app.openapi(resumeSchedule, async (c) => {
    const { id } = c.req.valid("param");
    const schedule = await ownedSchedule(c, id, true);
    const resumed = await directoryOf(c).resumeSchedule(id, nextRun(schedule, now()));
    return c.json(scheduleView(resumed as Schedule), 200);
  });

  app.openapi(listRuns, async (c) => {
    const { id } = c.req.valid("param");
    const { cursor, limit } = c.req.valid("query");
    await ownedSchedule(c, id, false);
    const runs = await directoryOf(c).runs(id, limit + 1, cursor === undefined ? null : Number(cursor));
    const page = runs.slice(0, limit);
    const last = page[page.length - 1];
    return c.json(
      { runs: page.map(runView), nextCursor: runs.length > limit && last ? String(last.scheduledAt) : null },
      200,
    );
  });
}

function encodeScheduleCursor(schedule: Schedule): string {
  return btoa(JSON.stringify([schedule.active ? 1 : 0, schedule.id])).replace(/=+$/, "");
}

/** The position a cursor names; undefined when it is not one of ours. */
function decodeScheduleCursor(cursor: string): { active: boolean; id: string } | undefined {
  try {
    const value: unknown = JSON.parse(atob(cursor));
    if (Array.isArray(value) && (value[0] === 0 || value[0] === 1) && typeof value[1] === "string") {
      return { active: value[0] === 1, id: value[1] };
    }
  } catch {
    // fall through: not one of ours
  }
  return undefined;
}
