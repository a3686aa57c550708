import { OpenAPIHono, type z } from "@hono/zod-openapi";
import { routePath } from "hono/route";
import { requireTenant } from "./auth";
import { registerBatchRoutes } from "./batches";
import { limitBodies } from "./body-limits";
import { renderDocsPage } from "./docs-page";
import { ApiError, handleError, invalidFromZod } from "./errors";
import { registerEventRoutes } from "./events";
import { FIRECRAWL_NOT_FOUND_HINT, registerFirecrawlRoutes, useFirecrawlErrorStyle } from "./firecrawl/register";
import { registerHostRoutes } from "./hosts";
import { referenceDocument } from "./openapi-examples";
import { registerReextractRoutes } from "./reextract";
import { registerResultRoutes } from "./results";
import { registerRetryRoutes } from "./retries";
import { registerScheduleRoutes } from "./schedules";
import { registerStatusPage } from "./status-page";
import type { AppEnv } from "./types";
import { registerWebhookRoutes } from "./webhooks";

/** The zod schema a route declared for one part of its request (`json`, `query`, `param`). */
function requestSchema(
  app: OpenAPIHono<AppEnv>,
  method: string,
  routePath: string,
  target: string,
): z.ZodType | undefined {
  const openapiPath = routePath.replaceAll(/:([^/]+)/g, "{$1}");
  for (const definition of app.openAPIRegistry.definitions) {
    if (definition.type !== "route") continue;
    const route = definition.route;
    if (route.method !== method.toLowerCase() || route.path !== openapiPath) continue;
    const request = route.request;
    const json = request?.body?.content["application/json"];
    if (target === "json") return json && "schema" in json ? (json.schema as z.ZodType) : undefined;
    if (target === "query") return request?.query as z.ZodType | undefined;
    if (target === "param") return request?.params as z.ZodType | undefined;
  }
  return undefined;
}

/** Builds the HTTP API. */
export function createApp(): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({
    // Every schema failure becomes the same 400 shape, naming the field; the route's own
    // schema supplies the known names an unknown key is compared with.
    defaultHook: (result, c) => {
      if (!result.success)
        throw invalidFromZod(result.error, "", requestSchema(app, c.req.method, routePath(c), result.target));
    },
  });
  app.onError(handleError);
  // Through the one error handler, so a Firecrawl path answers in Firecrawl's shape.
  app.notFound((c) => {
    const hint = c.get("errorStyle") === "firecrawl" ? `: ${FIRECRAWL_NOT_FOUND_HINT}` : "";
    return handleError(new ApiError(404, "not_found", `no route for ${c.req.method} ${c.req.path}${hint}`), c);
  });

  // Ahead of every route: errors on Firecrawl's paths in its shape (the body limit's too),
  // then one body limit for every request (api/body-limits.ts).
  useFirecrawlErrorStyle(app);
  app.use("*", limitBodies);

  app.get("/health", (c) => c.json({ ok: true }));
  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", { type: "http", scheme: "bearer" });
  app.get("/openapi.json", (c) => c.json(referenceDocument(app)));
  app.get("/docs", (c) => c.html(renderDocsPage(referenceDocument(app))));
  registerStatusPage(app);

  app.use("/v1/batches", requireTenant);
  app.use("/v1/batches/*", requireTenant);
  app.use("/v1/schedules", requireTenant);
  app.use("/v1/schedules/*", requireTenant);
  app.use("/v1/webhook-secret", requireTenant);
  app.use("/v1/webhook-secret/*", requireTenant);

  registerBatchRoutes(app);
  registerResultRoutes(app);
  registerEventRoutes(app);
  registerScheduleRoutes(app);
  registerFirecrawlRoutes(app);
  registerWebhookRoutes(app);
  registerRetryRoutes(app);
  registerReextractRoutes(app);
  registerHostRoutes(app);
  return app;
}
