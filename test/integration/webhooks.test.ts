// Webhooks inside workerd: real batches, the real `trawl-webhooks` queue and consumer,
// and a real receiver on the local origin (test/support/webhook-receiver.ts).
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { WEBHOOK_MAX_ATTEMPTS } from "../../lib/retry-policy";
import { verifyWebhook, type WebhookEvent } from "../../lib/webhooks";
import worker from "../../workers/index";
import type { ReceivedHook } from "../support/webhook-receiver";
import { api, download, json, KEY_B, ORIGIN, submit, unique, waitForPublished } from "./helpers";

async function received(name: string): Promise<ReceivedHook[]> {
  return (await (await fetch(`${ORIGIN}/__hooks/${name}`)).json()) as ReceivedHook[];
}

/** Waits until the receiver has accepted (200) an event of each type in `types`. */
async function waitForEvents(name: string, types: string[], timeoutMs = 20_000): Promise<ReceivedHook[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const hooks = await received(name);
    const accepted = new Set(hooks.filter((h) => h.status === 200).map((h) => h.headers["x-trawl-event"]));
    if (types.every((t) => accepted.has(t))) return hooks;
    if (Date.now() > deadline) throw new Error(`events ${types} not all received: ${JSON.stringify(hooks)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function secretOf(key?: string): Promise<string> {
  const response = await api("/v1/webhook-secret", { key });
  expect(response.status).toBe(200);
  return (await json<{ secret: string }>(response)).secret;
}

const pages = (run: string, n: number) => Array.from({ length: n }, (_, i) => `${ORIGIN}/pages/${i}.html?run=${run}`);

describe("webhooks", () => {
  it("announces started and completed (one event id each), signed with the tenant's secret, with metadata and headers", async () => {
    const name = unique("hook");
    const created = await submit(pages(name, 7), {
      webhook: {
        url: `${ORIGIN}/hooks/${name}`,
        headers: { authorization: "Bearer receiver-token" },
        metadata: { pipeline: "rag-nightly" },
      },
    });
    const done = await waitForPublished(created.id);
    const hooks = await waitForEvents(name, ["batch.started", "batch.completed"]);
    // At least once: deduplicated by event id, exactly these two.
    const byId = new Map(hooks.map((h) => [h.headers["x-trawl-event-id"], h.headers["x-trawl-event"]]));
    expect([...byId.values()].sort()).toEqual(["batch.completed", "batch.started"]);

    const secret = await secretOf();
    const now = Math.floor(Date.now() / 1000);
    for (const hook of hooks) {
      expect(await verifyWebhook(secret, hook.headers["x-trawl-signature"] ?? "", hook.body, now)).toBe(true);
      expect(await verifyWebhook(secret, hook.headers["x-trawl-signature"] ?? "", `${hook.body} `, now)).toBe(false);
      expect(hook.headers.authorization).toBe("Bearer receiver-token");
      const event = JSON.parse(hook.body) as WebhookEvent;
      expect(event.id).toBe(hook.headers["x-trawl-event-id"]);
      expect(event.batchId).toBe(created.id);
      expect(event.metadata).toEqual({ pipeline: "rag-nightly" });
    }
    // Another tenant's secret does not verify this tenant's events.
    const other = await secretOf(KEY_B);
    expect(other).not.toBe(secret);
    const first = hooks[0] as ReceivedHook;
    expect(await verifyWebhook(other, first.headers["x-trawl-signature"] ?? "", first.body, now)).toBe(false);

    const completed = JSON.parse(hooks.find((h) => h.headers["x-trawl-event"] === "batch.completed")?.body ?? "{}");
    expect(completed.data).toMatchObject({
      status: "completed",
      totals: { total: 7, succeeded: 7, failed: 0, skipped: 0 },
      links: { manifest: `/v1/batches/${created.id}/manifest`, download: `/v1/batches/${created.id}/download` },
    });
    expect(done.counts.succeeded).toBe(7);
    // The manifest never shows the webhook: its headers may hold the receiver's credentials.
    const manifest = await json<{ options: Record<string, unknown> }>(await api(`/v1/batches/${created.id}/manifest`));
    expect(manifest.options.webhook).toBeUndefined();
  });

  it("retries a receiver that answers 500, so each event arrives exactly once after dedup by id, and logs every attempt", async () => {
    const name = unique("flaky");
    const created = await submit(pages(name, 3), { webhook: { url: `${ORIGIN}/hooks/${name}?fail=3` } });
    await waitForPublished(created.id);
    const hooks = await waitForEvents(name, ["batch.started", "batch.completed"]);
    expect(hooks.slice(0, 3).map((h) => h.status)).toEqual([500, 500, 500]);
    const accepted = hooks.filter((h) => h.status === 200);
    const ids = accepted.map((h) => h.headers["x-trawl-event-id"]);
    expect(new Set(ids).size).toBe(2);
    // Every attempt at one event sends the same bytes.
    for (const hook of hooks) {
      const same = hooks.filter((h) => h.headers["x-trawl-event-id"] === hook.headers["x-trawl-event-id"]);
      expect(new Set(same.map((h) => h.body)).size).toBe(1);
    }

    const deadline = Date.now() + 10_000;
    let log: { eventId: string; type: string; attempt: number; statusCode: number | null; delivered: boolean }[] = [];
    while (Date.now() < deadline) {
      log = (await json<{ deliveries: typeof log }>(await api(`/v1/batches/${created.id}/webhooks`))).deliveries;
      if (log.filter((e) => e.delivered).length === 2) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(log.length).toBe(hooks.length);
    expect(log.filter((e) => e.statusCode === 500)).toHaveLength(3);
    for (const id of ids) {
      const attempts = log.filter((e) => e.eventId === id);
      expect(attempts.map((e) => e.attempt)).toEqual(attempts.map((_, i) => i + 1));
      expect(attempts.at(-1)?.delivered).toBe(true);
    }
    // The log is the tenant's alone.
    expect((await api(`/v1/batches/${created.id}/webhooks`, { key: KEY_B })).status).toBe(404);
  });

  it("lists every URL in exactly one batch.page event when asked for pages", async () => {
    const name = unique("pages");
    const urls = [...pages(name, 12), `${ORIGIN}/status/404?run=${name}`, `${ORIGIN}/pages/1.html?run=${name}#dup`];
    const created = await submit(urls, {
      webhook: { url: `${ORIGIN}/hooks/${name}`, events: ["batch.page", "batch.completed"] },
    });
    await waitForPublished(created.id);
    const hooks = await waitForEvents(name, ["batch.completed"]);
    const byId = new Map(hooks.map((h) => [h.headers["x-trawl-event-id"], JSON.parse(h.body) as WebhookEvent]));
    const events = [...byId.values()];
    expect(events.some((e) => e.type === "batch.started")).toBe(false);
    const listed = events
      .filter((e) => e.type === "batch.page")
      .flatMap((e) => e.data.pages as { index: number; status: string; code: string | null }[]);
    const records = await download(created.id);
    expect(listed.map((p) => p.index).sort((a, b) => a - b)).toEqual(records.map((r) => r.index));
    for (const page of listed) {
      const record = records[page.index] as { status: string; error: { code: string } | null };
      expect([page.status, page.code]).toEqual([record.status, record.error?.code ?? null]);
    }
  });

  it("never follows a receiver's redirect, logs it as undelivered, and the batch does not wait", async () => {
    const name = unique("redirect");
    const created = await submit(pages(name, 2), {
      webhook: { url: `${ORIGIN}/hooks/${name}?redirect`, events: ["batch.completed"] },
    });
    await waitForPublished(created.id);
    type Attempt = { statusCode: number | null; delivered: boolean; error: string | null; attempt: number };
    const deadline = Date.now() + 15_000;
    let log: Attempt[] = [];
    while (Date.now() < deadline) {
      log = (await json<{ deliveries: Attempt[] }>(await api(`/v1/batches/${created.id}/webhooks`))).deliveries;
      if (log.length >= 3) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(log.length).toBeGreaterThanOrEqual(3);
    for (const entry of log) {
      expect(entry).toMatchObject({ statusCode: 302, delivered: false, error: "redirects are not followed" });
    }
    expect(await received(`${name}-moved`)).toEqual([]);
  });

  it("gives up on an event after WEBHOOK_MAX_ATTEMPTS attempts, each logged", { timeout: 90_000 }, async () => {
    const name = unique("down");
    const created = await submit(pages(name, 1), {
      webhook: { url: `${ORIGIN}/hooks/${name}?fail=1000`, events: ["batch.completed"] },
    });
    await waitForPublished(created.id);
    type Attempt = { attempt: number; statusCode: number | null; delivered: boolean };
    const deadline = Date.now() + 75_000;
    let log: Attempt[] = [];
    while (Date.now() < deadline && log.length < WEBHOOK_MAX_ATTEMPTS) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      log = (await json<{ deliveries: Attempt[] }>(await api(`/v1/batches/${created.id}/webhooks`))).deliveries;
    }
    // Long enough for a thirteenth attempt to show, were there one.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    log = (await json<{ deliveries: Attempt[] }>(await api(`/v1/batches/${created.id}/webhooks`))).deliveries;
    expect(log.map((e) => e.attempt)).toEqual(Array.from({ length: WEBHOOK_MAX_ATTEMPTS }, (_, i) => i + 1));
    expect(log.every((e) => e.statusCode === 500 && !e.delivered)).toBe(true);
  });

  it("announces batch.cancelled when a cancelled batch publishes", async () => {
    const name = unique("cancelled");
    const created = await submit(pages(name, 60), { webhook: { url: `${ORIGIN}/hooks/${name}` } });
    expect((await api(`/v1/batches/${created.id}/cancel`, { method: "POST" })).status).toBe(200);
    await waitForPublished(created.id);
    const hooks = await waitForEvents(name, ["batch.cancelled"]);
    const cancelled = JSON.parse(hooks.find((h) => h.headers["x-trawl-event"] === "batch.cancelled")?.body ?? "{}");
    expect(cancelled.data.status).toBe("cancelled");
    expect(hooks.some((h) => h.headers["x-trawl-event"] === "batch.completed")).toBe(false);
  });

  // Every batch that ends has started: batch.started comes, once, before its end event,
  // whichever transition left `queued` (a claim, a cancel, or a publication with nothing
  // to fetch).
  async function startedThenEnded(name: string, end: string): Promise<WebhookEvent[]> {
    const hooks = await waitForEvents(name, ["batch.started", end]);
    const byId = new Map(hooks.map((h) => [h.headers["x-trawl-event-id"], JSON.parse(h.body) as WebhookEvent]));
    const events = [...byId.values()].filter((e) => e.type !== "batch.page");
    expect(events.map((e) => e.type).sort()).toEqual([end, "batch.started"].sort());
    return events;
  }

  it("announces batch.started before completed for a batch whose every URL was refused at submission", async () => {
    const name = unique("unstarted");
    const created = await submit(["mailto:x@example.com", "not a url"], {
      webhook: { url: `${ORIGIN}/hooks/${name}` },
    });
    await waitForPublished(created.id);
    await startedThenEnded(name, "batch.completed");
  });

  it("announces batch.started with batch.cancelled for a batch cancelled before any chunk was claimed", async () => {
    const name = unique("cancel-queued");
    // Its only source never answers in time, so no chunk exists to claim when it is cancelled.
    const response = await api("/v1/batches", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        sources: [{ sitemap: `${ORIGIN}/fault/hang/${name}` }],
        options: { webhook: { url: `${ORIGIN}/hooks/${name}` } },
      }),
    });
    expect(response.status).toBe(202);
    const created = await json<{ id: string; status: string }>(response);
    const cancelled = await json<{ status: string }>(await api(`/v1/batches/${created.id}/cancel`, { method: "POST" }));
    expect(cancelled.status).toBe("cancelled");
    await waitForPublished(created.id);
    await startedThenEnded(name, "batch.cancelled");
  });

  it("stops delivering a batch's events once it is deleted, even those already on the queue", async () => {
    const name = unique("deleted");
    // The receiver keeps failing, so batch.completed stays on the queue between retries.
    const created = await submit(pages(name, 1), {
      webhook: { url: `${ORIGIN}/hooks/${name}?fail=1000`, events: ["batch.completed"] },
    });
    await waitForPublished(created.id);
    const deadline = Date.now() + 20_000;
    while ((await received(name)).length < 2 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect((await received(name)).length).toBeGreaterThanOrEqual(2);
    expect((await api(`/v1/batches/${created.id}`, { method: "DELETE" })).status).toBe(204);
    // An attempt under way when DELETE ran may still land; none may start after it.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const afterDelete = (await received(name)).length;
    await new Promise((resolve) => setTimeout(resolve, 5000));
    expect((await received(name)).length).toBe(afterDelete);
  });

  it("refuses a webhook to a blocked address at submission, naming the field, in JSON and in the options parameter", async () => {
    const blocked = { webhook: { url: "http://169.254.169.254/latest/meta-data/" } };
    const response = await api("/v1/batches", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ urls: [`${ORIGIN}/pages/1.html`], options: blocked }),
    });
    expect(response.status).toBe(400);
    const body = await json<{ error: { details: { field: string; reason: string }[] } }>(response);
    expect(body.error.details[0]?.field).toBe("options.webhook.url");
    expect(body.error.details[0]?.reason).toMatch(/blocked_address/);

    const streamed = await api(`/v1/batches?options=${encodeURIComponent(JSON.stringify(blocked))}`, {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: `${ORIGIN}/pages/1.html\n`,
    });
    expect(streamed.status).toBe(400);
    expect((await json<{ error: { details: { field: string }[] } }>(streamed)).error.details[0]?.field).toBe(
      "options.webhook.url",
    );
  });

  it("checks the address policy again at delivery: a blocked URL is logged and never retried or fetched", async () => {
    const name = unique("blocked-later");
    const created = await submit(pages(name, 1));
    await waitForPublished(created.id);
    const message = (id: string, url: string) => ({
      id,
      timestamp: new Date(),
      attempts: 1,
      body: {
        batchId: created.id,
        tenant: "tenant-a",
        eventId: `evt_${id}`,
        type: "batch.completed",
        url,
        headers: {},
        body: "{}",
      },
    });
    // As if the submission check had passed (the allow list changed, or a schedule's copy).
    const batch = createMessageBatch<unknown>("trawl-webhooks", [
      message("b1", "http://169.254.169.254/latest/meta-data/"),
      message("b2", "http://10.0.0.7/hooks"),
      { id: "b3", timestamp: new Date(), attempts: 1, body: { not: "a webhook message" } },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks.sort()).toEqual(["b1", "b2", "b3"]);
    expect(result.retryMessages).toEqual([]);
    const log = (
      await json<{ deliveries: { eventId: string; statusCode: number | null; error: string }[] }>(
        await api(`/v1/batches/${created.id}/webhooks`),
      )
    ).deliveries;
    expect(log.map((e) => [e.eventId, e.statusCode, e.error.split(":")[0]])).toEqual([
      ["evt_b1", null, "blocked_address"],
      ["evt_b2", null, "blocked_address"],
    ]);
  });

  it("logs a malformed message by where it is wrong, never with the receiver's headers", async () => {
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      const batch = createMessageBatch<unknown>("trawl-webhooks", [
        {
          id: "m1",
          timestamp: new Date(),
          attempts: 1,
          body: { url: `${ORIGIN}/hooks/x`, headers: { authorization: "Bearer receiver-credential" }, body: "{}" },
        },
      ]);
      const ctx = createExecutionContext();
      await worker.queue(batch, env);
      expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual(["m1"]);
      const lines = logged.mock.calls.map((call) => call.map(String).join(" "));
      expect(lines.some((line) => line.includes("m1") && line.includes("batchId"))).toBe(true);
      expect(lines.join("\n")).not.toContain("receiver-credential");
    } finally {
      logged.mockRestore();
    }
  });

  it("refuses hop-by-hop headers at submission, naming the header", async () => {
    for (const name of ["Upgrade", "Expect", "Proxy-Connection", "Keep-Alive", "TE"]) {
      const response = await api("/v1/batches", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          urls: [`${ORIGIN}/pages/1.html`],
          options: { webhook: { url: `${ORIGIN}/hooks/x`, headers: { [name]: "websocket" } } },
        }),
      });
      expect(response.status, name).toBe(400);
      const body = await json<{ error: { details: { field: string }[] } }>(response);
      expect(body.error.details[0]?.field).toBe(`options.webhook.headers.${name}`);
    }
  });

  it("refuses headers Trawl sets itself", async () => {
    const response = await api("/v1/batches", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        urls: [`${ORIGIN}/pages/1.html`],
        options: { webhook: { url: `${ORIGIN}/hooks/x`, headers: { "X-Trawl-Signature": "forged" } } },
      }),
    });
    expect(response.status).toBe(400);
    const body = await json<{ error: { details: { field: string }[] } }>(response);
    expect(body.error.details[0]?.field).toBe("options.webhook.headers.X-Trawl-Signature");
  });
});
