import { createHmac, timingSafeEqual } from "node:crypto";
import { describe, expect, it } from "vitest";
import { toWebhookConfig } from "../../../lib/firecrawl/webhook";
import { buildWebhookMessage, signFirecrawlWebhook, WebhookConfig } from "../../../lib/webhooks";

/** Firecrawl's documented receiver check (docs.firecrawl.dev/webhooks/security): `sha256=` HMAC of the raw body. */
function firecrawlVerify(secret: string, header: string, rawBody: string): boolean {
  const [algorithm, hash] = header.split("=");
  if (algorithm !== "sha256" || !hash) return false;
  const expected = createHmac("sha256", secret).update(rawBody).digest("hex");
  return timingSafeEqual(Buffer.from(hash, "hex"), Buffer.from(expected, "hex"));
}

const BATCH = "a".repeat(64);

function message(config: WebhookConfig, type: "batch.started" | "batch.page" | "batch.failed", data = {}) {
  return buildWebhookMessage({ batchId: BATCH, tenant: "t", config, type, key: type, data, now: 0 });
}

describe("Firecrawl-shaped webhooks", () => {
  const config = WebhookConfig.parse(
    toWebhookConfig({ url: "https://example.com/h", metadata: { run: "1" } }, "batch_scrape"),
  );

  it("sends Firecrawl's payload, named after the job kind", () => {
    const started = message(config, "batch.started", { status: "running" });
    expect(started.style).toBe("firecrawl");
    expect(JSON.parse(started.body)).toEqual({
      success: true,
      type: "batch_scrape.started",
      id: BATCH,
      data: [],
      metadata: { run: "1" },
    });
    const crawl = WebhookConfig.parse(toWebhookConfig("https://example.com/h", "crawl"));
    const page = message(crawl, "batch.page", {
      pages: [
        { index: 0, id: null, url: "https://s/a", status: "succeeded", code: null },
        { index: 1, id: null, url: "https://s/b", status: "failed", code: "http_error" },
      ],
    });
    expect(JSON.parse(page.body)).toMatchObject({
      success: true,
      type: "crawl.page",
      data: [
        { metadata: { sourceURL: "https://s/a", url: "https://s/a" } },
        { metadata: { sourceURL: "https://s/b", error: "http_error" } },
      ],
    });
    const failed = message(config, "batch.failed", { failure: "upload failed" });
    expect(JSON.parse(failed.body)).toMatchObject({
      success: false,
      type: "batch_scrape.failed",
      error: "upload failed",
    });
  });

  it("keeps Trawl's own shape for a Trawl webhook", () => {
    const own = message(WebhookConfig.parse({ url: "https://example.com/h" }), "batch.started");
    expect(own.style).toBeUndefined();
    expect(JSON.parse(own.body)).toMatchObject({ type: "batch.started", batchId: BATCH });
  });

  it("signs the raw body as Firecrawl's documented check verifies, and nothing else", async () => {
    const body = message(config, "batch.started").body;
    const header = await signFirecrawlWebhook("s3cret", body);
    expect(header).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(firecrawlVerify("s3cret", header, body)).toBe(true);
    expect(firecrawlVerify("other", header, body)).toBe(false);
    expect(firecrawlVerify("s3cret", header, `${body} `)).toBe(false);
  });
});
