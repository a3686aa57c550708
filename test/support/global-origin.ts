// Vitest global setup (runs in Node): one real local origin server for the workerd
// integration tests, whose URL is handed to the pool as DEV_ALLOWED_ORIGINS.
import type { TestProject } from "vitest/node";
import { type Origin, startOrigin } from "../../demo/origin-server";
import { faultRoutes } from "./fault-routes";

let origin: Origin | undefined;

export async function setup(project: TestProject): Promise<void> {
  origin = await startOrigin({ routes: faultRoutes });
  project.provide("originUrl", origin.url);
}

export async function teardown(): Promise<void> {
  await origin?.close();
}

declare module "vitest" {
  export interface ProvidedContext {
    originUrl: string;
  }
}
