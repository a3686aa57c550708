// The short variant of `npm run load`: 50 clients submit one small batch each at the
// same moment (duplicate and 404 included), poll, download and check exact counts.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Origin, startOrigin } from "../../demo/origin-server";
import { formatReport, runLoad } from "../support/load";
import { type DevServer, startWranglerDev } from "../support/wrangler-dev";

const CLIENTS = 50;

let origin: Origin;
let dev: DevServer;

beforeAll(async () => {
  origin = await startOrigin();
  // A shorter lease than the default 120 s: if `wrangler dev` reloads mid-test (a source
  // file changed), lost chunks are sent again within seconds instead of minutes.
  dev = await startWranglerDev({ allowedOrigins: [origin.url], vars: { LEASE_SECONDS: "10" } });
});

afterAll(async () => {
  await dev?.stop();
  await origin?.close();
});

describe("wrangler dev under 50 concurrent clients", () => {
  it("publishes every batch with exact counts and no 5xx", async () => {
    const report = await runLoad({
      service: dev.url,
      origin: origin.url,
      apiKey: "dev-key",
      clients: CLIENTS,
      durationMs: 60_000,
      batchesPerClient: 1,
      batchTimeoutMs: 25_000,
    });
    console.log(formatReport(report, CLIENTS));
    expect(report.stuck).toEqual([]);
    expect(report.mismatches).toEqual([]);
    expect(report.serverErrors).toBe(0);
    expect(report.batches).toBe(CLIENTS);
  });
});
