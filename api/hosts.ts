import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { HostEntry } from "../lib/host-view";
import { coordinatorFor } from "./batch-access";
import { ApiError } from "./errors";
import { BatchParams, batchErrors, bearerSecurity } from "./openapi-schemas";
import type { AppEnv } from "./types";

export const HostsView = z
  .object({ hosts: z.array(HostEntry).describe("The batch's origins (at most the 100 with most URLs pending).") })
  .openapi("Hosts");

const hostsRoute = createRoute({
  method: "get",
  path: "/v1/batches/{id}/hosts",
  summary:
    "The batch's origins (the 100 with most URLs pending, then most done): its URLs done and pending at each, the origin's pace now, and why it is at that pace",
  security: bearerSecurity,
  request: { params: BatchParams },
  responses: {
    200: { description: "Per-origin counts and pace", content: { "application/json": { schema: HostsView } } },
    ...batchErrors,
  },
});

/** Registers GET /v1/batches/{id}/hosts: the coordinator counts, each origin's host gate explains its pace. */
export function registerHostRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(hostsRoute, async (c) => {
    const { id } = c.req.valid("param");
    const owned = await coordinatorFor(c, id).hostCounts(c.get("tenant"));
    if (!owned) throw ApiError.notFound();
    const { respectRobots, hosts } = owned.value;
    const entries = await Promise.all(
      hosts.map(async ({ origin, done, pending }) => {
        const pace = await c.env.HOST_GATE.getByName(origin).view(origin, id, respectRobots);
        return { ...pace, origin, done, pending };
      }),
    );
    return c.json({ hosts: entries }, 200);
  });
}
