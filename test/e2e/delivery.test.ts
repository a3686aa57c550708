// Delivery end to end, as a data team would plug in: `wrangler dev`, a local origin
// and a local webhook receiver that refuses the first deliveries; a 5,000-URL batch
// whose every event arrives signed (once each after dedup by id), and whose Parquet
// export, read back with an independent reader, equals its NDJSON record by record.
import { createHmac, timingSafeEqual } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Origin, startOrigin } from "../../demo/origin-server";
import type { ResultRecord } from "../../lib/schemas";
import { expectedRow, readParquet } from "../support/parquet-rows";
import { type ReceivedHook, receivedHooks, webhookRoutes } from "../support/webhook-receiver";
import { type DevServer, startWranglerDev } from "../support/wrangler-dev";
import { TrawlClient } from "./client";

let origin: Origin;
let dev: DevServer;
let client: TrawlClient;

beforeAll(async () => {
  origin = await startOrigin({ routes: webhookRoutes });
  // Retries after 1 s, 2 s, 4 s…: the backoff runs for real, only shorter.
  dev = await startWranglerDev({ allowedOrigins: [origin.url], vars: { WEBHOOK_RETRY_BASE_SECONDS: "1" } });
  client = new TrawlClient(dev.url, "dev-key");
});

afterAll(async () => {
  await dev?.stop();
  await origin?.close();
});

/** The receiver's check, as README "Webhooks" gives it. */
function verify(secret: string, header: string, rawBody: string, now = Date.now() / 1000): boolean {
  const { t, v1 } = Object.fromEntries(header.split(",").map((kv) => kv.split("=")));
  const expected = createHmac("sha256", secret).update(`${t}.${rawBody}`).digest("hex");
  return (
    Math.abs(now - Number(t)) < 300 && v1?.length === 64 && timingSafeEqual(Buffer.from(v1), Buffer.from(expected))
  );
}

async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe("delivery, end to end", () => {
  it("delivers every event of a 5,000-URL batch signed and once after dedup, and exports Parquet equal to the NDJSON", async () => {
    const hook = `e2e-${Date.now()}`;
    const urls: string[] = [];
    for (let n = 0; n < 4900; n++) urls.push(`${origin.url}/pages/${n}.html`);
    for (let n = 0; n < 50; n++) urls.push(`${origin.url}/status/404?n=${n}`);
    for (let n = 0; n < 50; n++) urls.push(`${origin.url}/pages/${n * 3}.html#again`);
    const created = await client.submit({
      urls,
      options: {
        webhook: {
          url: `${origin.url}/hooks/${hook}?fail=3`,
          events: ["batch.started", "batch.page", "batch.completed"],
          metadata: { team: "search" },
        },
      },
    });
    expect(created.status).toBe(202);
    const id = created.body.id;
    const done = await client.waitForPublished(id, 280_000);
    expect(done.counts).toEqual({ total: 5000, pending: 0, succeeded: 4900, failed: 50, skipped: 50 });

    // Events: the first three deliveries are refused, retried with backoff; in the end
    // every event id is accepted, and the pages listed cover every URL exactly once.
    const secret = ((await (await client.request("/v1/webhook-secret")).json()) as { secret: string }).secret;
    const hooks = await until("batch.completed accepted", () => {
      const all = receivedHooks(hook);
      const ok = all.some((h) => h.status === 200 && h.headers["x-trawl-event"] === "batch.completed");
      return ok ? all : undefined;
    });
    expect(hooks.slice(0, 3).every((h) => h.status === 500)).toBe(true);
    for (const h of hooks) expect(verify(secret, h.headers["x-trawl-signature"] ?? "", h.body)).toBe(true);
    const accepted = new Map<string, ReceivedHook>();
    for (const h of hooks) if (h.status === 200) accepted.set(h.headers["x-trawl-event-id"] ?? "", h);
    const everyId = new Set(hooks.map((h) => h.headers["x-trawl-event-id"]));
    await until("every event accepted", () => {
      for (const h of receivedHooks(hook)) if (h.status === 200) accepted.set(h.headers["x-trawl-event-id"] ?? "", h);
      for (const h of receivedHooks(hook)) everyId.add(h.headers["x-trawl-event-id"]);
      return [...everyId].every((e) => accepted.has(e ?? "")) ? true : undefined;
    });
    const events = [...accepted.values()].map((h) => JSON.parse(h.body));
    expect(events.filter((e) => e.type === "batch.started")).toHaveLength(1);
    expect(events.filter((e) => e.type === "batch.completed")).toHaveLength(1);
    const listed = events.filter((e) => e.type === "batch.page").flatMap((e) => e.data.pages as { index: number }[]);
    expect(listed.map((p) => p.index).sort((a, b) => a - b)).toEqual(urls.map((_, i) => i));
    expect(events.every((e) => e.metadata.team === "search")).toBe(true);

    // The delivery log holds every attempt, the refused ones too.
    const log = (await (await client.request(`/v1/batches/${id}/webhooks?limit=200`)).json()) as {
      deliveries: { statusCode: number | null }[];
    };
    expect(log.deliveries.filter((d) => d.statusCode === 500)).toHaveLength(3);

    // Parquet against NDJSON, record by record.
    const records = await client.downloadAll(id);
    expect(records).toHaveLength(5000);
    const link = (await (await client.request(`/v1/batches/${id}/download?format=parquet`)).json()) as { url: string };
    const response = await fetch(link.url);
    expect(response.status).toBe(200);
    const rows = await readParquet(await response.arrayBuffer());
    expect(rows).toHaveLength(5000);
    for (const [i, record] of records.entries()) expect(rows[i]).toEqual(expectedRow(record as ResultRecord));
  });

  it("refuses a webhook to a blocked address at submission with a 400 naming the field", async () => {
    const refused = await client.submit({
      urls: [`${origin.url}/pages/1.html`],
      options: { webhook: { url: "http://10.0.0.7/hooks" } },
    });
    expect(refused.status).toBe(400);
    const body = refused.body as unknown as { error: { details: { field: string }[] } };
    expect(body.error.details[0]?.field).toBe("options.webhook.url");
  });
});
