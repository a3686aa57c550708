// Per-tenant quotas: batches in flight, synchronous scrapes and event streams answer 429
// naming the setting (with Retry-After) past their bound; a request may name only so
// many discovery sources; an event stream ends by itself after its maximum lifetime.
import { createExecutionContext, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { DiscoveryStore } from "../../durable-objects/discovery-store";
import worker from "../../workers/index";
import type { ErrorResponse } from "../support/api-types";
import { KEY_B, ORIGIN, unique, waitForPublished } from "./helpers";

/** The Worker under other settings, as tenant B (whose work no other test file shares). */
async function call(vars: Record<string, string>, path: string, init: { method?: string; body?: unknown } = {}) {
  const headers = new Headers({ authorization: `Bearer ${KEY_B}` });
  if (init.body !== undefined) headers.set("content-type", "application/json");
  const body = init.body === undefined ? undefined : JSON.stringify(init.body);
  return await worker.fetch(
    new Request(`http://trawl.test${path}`, { method: init.method ?? "GET", headers, body }),
    { ...env, ...vars } as unknown as Env,
    createExecutionContext(),
  );
}

async function expectQuota(response: Response, setting: string): Promise<void> {
  const text = await response.text();
  expect(response.status, text).toBe(429);
  // Trawl's shape, or Firecrawl's on its routes (`error` the message, `code` beside it).
  const body = JSON.parse(text) as ErrorResponse | (ErrorResponse["error"] & { error: string });
  const error =
    typeof body.error === "string" ? { ...(body as ErrorResponse["error"]), message: body.error } : body.error;
  expect(error.code).toBe("quota_exceeded");
  expect(error.message).toContain(setting);
  expect(error.details[0]?.field).toBe(setting);
  expect(Number(response.headers.get("retry-after"))).toBeGreaterThan(0);
}

const slowPages = (n: number, ms = 2000) =>
  Array.from({ length: n }, (_, i) => `${ORIGIN}/slow/${ms}/${i}?run=${unique("quota")}`);

describe("per-tenant quotas", () => {
  it("refuses a batch past MAX_BATCHES_IN_FLIGHT with 429, and takes one again once a batch is done", async () => {
    const one = { MAX_BATCHES_IN_FLIGHT: "1" };
    const first = await call(one, "/v1/batches", { method: "POST", body: { urls: slowPages(1, 1500) } });
    expect(first.status).toBe(202);
    const { id } = (await first.json()) as { id: string };
    await expectQuota(
      await call(one, "/v1/batches", { method: "POST", body: { urls: slowPages(1) } }),
      "MAX_BATCHES_IN_FLIGHT",
    );
    await expectQuota(
      await call(one, "/v1/batch/scrape", { method: "POST", body: { urls: slowPages(1) } }),
      "MAX_BATCHES_IN_FLIGHT",
    );
    await waitForPublished(id, KEY_B);
    const again = await call(one, "/v1/batches", {
      method: "POST",
      body: { urls: [`${ORIGIN}/pages/1.html?run=${unique("q")}`] },
    });
    expect(again.status).toBe(202);
    await waitForPublished(((await again.json()) as { id: string }).id, KEY_B);
  });

  it("refuses a synchronous scrape past MAX_SCRAPES_IN_FLIGHT with 429, and frees the place after", async () => {
    const one = { MAX_SCRAPES_IN_FLIGHT: "1" };
    const [url] = slowPages(1, 1500);
    const slow = call(one, "/v1/scrape", { method: "POST", body: { url } });
    await new Promise((resolve) => setTimeout(resolve, 400));
    await expectQuota(await call(one, "/v1/scrape", { method: "POST", body: { url } }), "MAX_SCRAPES_IN_FLIGHT");
    expect((await slow).status).toBe(200);
    expect((await call(one, "/v1/scrape", { method: "POST", body: { url: `${ORIGIN}/pages/2.html` } })).status).toBe(
      200,
    );
  });

  it("refuses a request naming more sources than MAX_SOURCES_PER_BATCH, naming the field", async () => {
    const sources = [1, 2, 3].map((n) => ({ sitemap: `${ORIGIN}/sitemap-${n}.xml` }));
    const response = await call({ MAX_SOURCES_PER_BATCH: "2" }, "/v1/batches", {
      method: "POST",
      body: { urls: [], sources },
    });
    expect(response.status).toBe(400);
    const { error } = (await response.json()) as ErrorResponse;
    expect(error.details[0]?.field).toBe("sources");
    expect(error.message).toContain("MAX_SOURCES_PER_BATCH");
  });

  it("reads at most MAX_SOURCES_PER_BATCH sources however many an index names, and says why the rest were not read", async () => {
    const stub = env.BATCH.get(env.BATCH.newUniqueId());
    const rows = await runInDurableObject(stub, (_instance, state) => {
      const store = new DiscoveryStore(state.storage.sql);
      const children = Array.from({ length: 5 }, (_, i) => ({ kind: "sitemap" as const, url: `${ORIGIN}/s-${i}.xml` }));
      const sent = store.add(children, 1, 2);
      const states = state.storage.sql
        .exec<{ state: string; code: string | null }>("SELECT state, code FROM sources ORDER BY id")
        .toArray();
      return { sent: sent.length, states };
    });
    expect(rows.sent).toBe(2);
    expect(rows.states).toEqual([
      { state: "ready", code: null },
      { state: "ready", code: null },
      { state: "failed", code: "too_many_sources" },
    ]);
  });

  it("ends an event stream after MAX_EVENT_STREAM_SECONDS with an end event saying why, and counts open streams", async () => {
    const created = await call({}, "/v1/batches", { method: "POST", body: { urls: slowPages(2, 2000) } });
    const { id } = (await created.json()) as { id: string };
    const vars = { MAX_EVENT_STREAM_SECONDS: "2", MAX_EVENT_STREAMS: "1" };
    const started = Date.now();
    const stream = await call(vars, `/v1/batches/${id}/events`);
    expect(stream.status).toBe(200);
    await expectQuota(await call(vars, `/v1/batches/${id}/events`), "MAX_EVENT_STREAMS");
    const text = await stream.text();
    expect(Date.now() - started).toBeLessThan(4000);
    const events = [...text.matchAll(/^event: (\w+)$/gm)].map((m) => m[1]);
    expect(events[events.length - 1]).toBe("end");
    expect(events).not.toContain("done");
    expect(text).toContain("MAX_EVENT_STREAM_SECONDS");
    // The stream ended, so its place is free again.
    const next = await call(vars, `/v1/batches/${id}/events`);
    expect(next.status).toBe(200);
    await next.body?.cancel();
    await waitForPublished(id, KEY_B);
  });
});
