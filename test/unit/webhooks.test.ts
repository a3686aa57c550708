import { describe, expect, it } from "vitest";
import { WEBHOOK_MAX_ATTEMPTS, webhookRetryDelay } from "../../lib/retry-policy";
import {
  buildWebhookMessage,
  eventId,
  pageGroups,
  signWebhook,
  verifyWebhook,
  WebhookConfig,
  wantsEvent,
  webhookSecret,
} from "../../lib/webhooks";

describe("webhook signatures", () => {
  it("verifies a signed body and rejects a changed body, another secret or an old timestamp", async () => {
    const secret = await webhookSecret("deployment-secret", "tenant-a");
    const header = await signWebhook(secret, 1_800_000_000, '{"id":"evt_1"}');
    expect(header).toMatch(/^t=1800000000,v1=[0-9a-f]{64}$/);
    expect(await verifyWebhook(secret, header, '{"id":"evt_1"}', 1_800_000_010)).toBe(true);
    expect(await verifyWebhook(secret, header, '{"id":"evt_2"}', 1_800_000_010)).toBe(false);
    expect(
      await verifyWebhook(
        await webhookSecret("deployment-secret", "tenant-b"),
        header,
        '{"id":"evt_1"}',
        1_800_000_010,
      ),
    ).toBe(false);
    // A replay an hour later is refused by the timestamp check.
    expect(await verifyWebhook(secret, header, '{"id":"evt_1"}', 1_800_003_600)).toBe(false);
  });

  it("derives a different secret per tenant and per deployment secret", async () => {
    const a = await webhookSecret("s1", "tenant-a");
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(await webhookSecret("s1", "tenant-b")).not.toBe(a);
    expect(await webhookSecret("s2", "tenant-a")).not.toBe(a);
    expect(await webhookSecret("s1", "tenant-a")).toBe(a);
  });
});

describe("webhook retries", () => {
  it("doubles the delay from the base and caps it at six hours, spanning about a day in all", () => {
    expect([1, 2, 3, 4].map((n) => webhookRetryDelay(n, 30))).toEqual([30, 60, 120, 240]);
    expect(webhookRetryDelay(40, 30)).toBe(6 * 3600);
    const total = Array.from({ length: WEBHOOK_MAX_ATTEMPTS - 1 }, (_, i) => webhookRetryDelay(i + 1, 30)).reduce(
      (a, b) => a + b,
    );
    expect(total / 3600).toBeGreaterThan(12);
    expect(total / 3600).toBeLessThan(30);
    expect(webhookRetryDelay(5, 0)).toBe(0);
  });
});

describe("webhook events", () => {
  const config = WebhookConfig.parse({ url: "https://hooks.example.com/trawl", metadata: { team: "data" } });

  it("names an event the same way every time, so receivers can deduplicate", () => {
    const a = buildWebhookMessage({
      batchId: "ab".repeat(32),
      tenant: "t",
      config,
      type: "batch.completed",
      key: "completed",
      data: {},
      now: 1,
    });
    const b = buildWebhookMessage({
      batchId: "ab".repeat(32),
      tenant: "t",
      config,
      type: "batch.completed",
      key: "completed",
      data: {},
      now: 2,
    });
    expect(a.eventId).toBe(b.eventId);
    expect(a.eventId).toBe(eventId("ab".repeat(32), "completed"));
    expect(eventId("ab".repeat(32), "started")).not.toBe(a.eventId);
    expect(JSON.parse(a.body)).toMatchObject({ id: a.eventId, type: "batch.completed", metadata: { team: "data" } });
  });

  it("sends everything but pages by default, and only what is listed otherwise", () => {
    expect(wantsEvent(config, "batch.completed")).toBe(true);
    expect(wantsEvent(config, "batch.page")).toBe(false);
    const pagesOnly = WebhookConfig.parse({ url: "https://x.example/", events: ["batch.page"] });
    expect(wantsEvent(pagesOnly, "batch.page")).toBe(true);
    expect(wantsEvent(pagesOnly, "batch.started")).toBe(false);
    expect(wantsEvent(undefined, "batch.started")).toBe(false);
  });

  it("splits page lists into groups that fit one queue message, keeping every page once and in order", () => {
    const pages = Array.from({ length: 3000 }, (_, index) => ({
      index,
      id: null,
      url: `https://example.com/${"x".repeat(100)}/${index}`,
      status: "succeeded" as const,
      code: null,
    }));
    const groups = pageGroups(pages);
    expect(groups.length).toBeGreaterThan(1);
    expect(groups.flat().map((p) => p.index)).toEqual(pages.map((p) => p.index));
    for (const group of groups) expect(JSON.stringify(group).length).toBeLessThan(64 * 1024);
  });

  it("refuses reserved headers and malformed header names", () => {
    expect(
      WebhookConfig.safeParse({ url: "https://x.example/", headers: { "Content-Type": "text/plain" } }).success,
    ).toBe(false);
    expect(WebhookConfig.safeParse({ url: "https://x.example/", headers: { "bad header": "v" } }).success).toBe(false);
    expect(WebhookConfig.safeParse({ url: "https://x.example/", headers: { "X-Api-Key": "k" } }).success).toBe(true);
  });

  it("refuses every hop-by-hop header, in any case, so a delivery stays one signed POST", () => {
    const hopByHop = ["Upgrade", "Expect", "Proxy-Connection", "Connection", "Keep-Alive", "TE", "Trailer"];
    const framing = ["Transfer-Encoding", "Host", "Content-Length"];
    for (const name of [...hopByHop, ...framing]) {
      for (const spelled of [name, name.toLowerCase(), name.toUpperCase()]) {
        const parsed = WebhookConfig.safeParse({ url: "https://x.example/", headers: { [spelled]: "v" } });
        expect(parsed.success, spelled).toBe(false);
        expect(parsed.error?.issues[0]?.path, spelled).toEqual(["headers", spelled]);
      }
    }
  });
});
