import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { Schedule } from "../lib/schedule";
import { BatchId } from "../lib/schemas";
import { ApiError } from "./errors";
import { bearerSecurity, errorResponse, ScheduleView } from "./openapi-schemas";
import type { AppEnv } from "./types";

const listSchedules = createRoute({
  method: "get",
  path: "/v1/schedules",
  summary: 'Your daily schedules (create one with `schedule: {daily: "HH:MM"}` on POST /v1/batches)',
  security: bearerSecurity,
  responses: {
    200: {
      description: "Schedules, active first",
      content: { "application/json": { schema: z.object({ schedules: z.array(ScheduleView) }) } },
    },
    401: errorResponse("Missing or unknown API key"),
  },
});

const stopSchedule = createRoute({
  method: "delete",
  path: "/v1/schedules/{id}",
  summary: "Stop a daily schedule (runs already started go on)",
  security: bearerSecurity,
  request: { params: z.object({ id: BatchId }) },
  responses: {
    200: { description: "The stopped schedule", content: { "application/json": { schema: ScheduleView } } },
    400: errorResponse("Malformed id"),
    401: errorResponse("Missing or unknown API key"),
    404: errorResponse("No such schedule for this tenant"),
  },
});

/** The public view of a schedule. */
export function scheduleView(schedule: Schedule): z.infer<typeof ScheduleView> {
  return {
    id: schedule.id,
    sourceBatch: schedule.sourceBatch,
    daily: schedule.daily,
    nextRunAt: new Date(schedule.nextRunAt).toISOString(),
    lastBatch: schedule.lastBatch,
    active: schedule.active,
  };
}

/** Registers the schedule routes. */
export function registerScheduleRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(listSchedules, async (c) => {
    const directory = c.env.TENANT.get(c.env.TENANT.idFromName(c.get("tenant")));
    return c.json({ schedules: (await directory.schedules()).map(scheduleView) }, 200);
  });

  app.openapi(stopSchedule, async (c) => {
    const directory = c.env.TENANT.get(c.env.TENANT.idFromName(c.get("tenant")));
    const stopped = await directory.stopSchedule(c.req.valid("param").id);
    if (!stopped) throw ApiError.notFound("schedule");
    return c.json(scheduleView(stopped), 200);
  });
}
