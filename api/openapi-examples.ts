import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "./types";

export const OPENAPI_INFO = {
  openapi: "3.1.0",
  info: {
    title: "Trawl",
    version: "0.1.0",
    description: "Batch web extraction: submit URLs, get clean Markdown and metadata, published atomically.",
  },
};

export function referenceDocument(app: OpenAPIHono<AppEnv>): object {
  return app.getOpenAPI31Document(OPENAPI_INFO);
}
