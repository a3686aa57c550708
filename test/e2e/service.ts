// A test file's own service: a local origin and `wrangler dev` allowed to fetch from it,
// started before the file's tests and stopped after them, with a client for the API.
import { afterAll, beforeAll } from "vitest";
import { type Origin, startOrigin } from "../../demo/origin-server";
import { type DevServer, startWranglerDev } from "../support/wrangler-dev";
import { TrawlClient } from "./client";

export interface Service {
  origin: Origin;
  dev: DevServer;
  client: TrawlClient;
}

/** Registers the file's beforeAll/afterAll; the fields are set once beforeAll has run. */
export function serviceForFile(): Service {
  const service = {} as Service;
  beforeAll(async () => {
    service.origin = await startOrigin();
    service.dev = await startWranglerDev({ allowedOrigins: [service.origin.url] });
    service.client = new TrawlClient(service.dev.url, "dev-key");
  });
  afterAll(async () => {
    await service.dev?.stop();
    await service.origin?.close();
  });
  return service;
}
