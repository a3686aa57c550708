// The status page at /ui, in headless Chromium against `wrangler dev`: it loads with no
// key, asks for one, shows a running batch advancing to completed, lists its errors by
// code, and its download link saves the whole result set. Leaves a screenshot in
// test/e2e/out/ for a person to look at.
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Origin, startOrigin } from "../../demo/origin-server";
import { launchBrowser } from "../support/browser";
import { type DevServer, startWranglerDev } from "../support/wrangler-dev";
import { slowPages, until } from "./cli-runner";
import { TrawlClient } from "./client";

const OUT = join(import.meta.dirname, "out");

let origin: Origin;
let dev: DevServer;
let client: TrawlClient;
let browser: Browser;

beforeAll(async () => {
  origin = await startOrigin({ routes: slowPages });
  dev = await startWranglerDev({ allowedOrigins: [origin.url] });
  client = new TrawlClient(dev.url, "dev-key");
  browser = await launchBrowser();
  mkdirSync(OUT, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await dev?.stop();
  await origin?.close();
});

/** A fresh page whose script errors fail the test. */
async function openPage(): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 640 }, acceptDownloads: true });
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  // A CSP violation is reported on the console; the page must not cause any.
  page.on("console", (message) => {
    if (message.type() === "error" && /Content Security Policy/i.test(message.text())) errors.push(message.text());
  });
  return { page, errors };
}

async function signIn(page: Page, key: string): Promise<void> {
  await page.fill("#key", key);
  await page.click("#signin button[type=submit]");
}

describe("the status page", () => {
  it("loads without a key and asks for one, sending nothing to the internet", async () => {
    const response = await fetch(`${dev.url}/ui`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-security-policy")).toContain("default-src 'none'");
    const html = await response.text();
    expect(html).not.toMatch(/(src|href)="https?:/);

    const { page, errors } = await openPage();
    const requested: string[] = [];
    page.on("request", (request) => requested.push(request.url()));
    await page.goto(`${dev.url}/ui`);
    expect(await page.isVisible("#key")).toBe(true);
    expect(await page.isHidden("#board")).toBe(true);
    expect(requested.every((url) => url.startsWith(dev.url) || url.startsWith("data:"))).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("shows the API's message for a wrong key and asks again", async () => {
    const { page, errors } = await openPage();
    await page.goto(`${dev.url}/ui`);
    await signIn(page, "not-a-key");
    await page.waitForSelector("#message.error");
    expect(await page.textContent("#message")).toBe("Authorization: unknown API key");
    expect(await page.isVisible("#signin")).toBe(true);
    expect(await page.evaluate(() => sessionStorage.getItem("trawl.key"))).toBeNull();
    expect(errors).toEqual([]);
    await page.close();
  });

  it("shows a running batch advancing to completed, its errors by code, and a download link that works", async () => {
    const urls = [
      ...Array.from({ length: 24 }, (_, i) => `${origin.url}/slow/${i}.html?ms=400&run=ui`),
      `${origin.url}/status/404?n=ui`,
      `${origin.url}/slow/3.html?ms=400&run=ui#dup`,
    ];
    const created = await client.submit({ urls });
    const id = created.body.id;
    const { page, errors } = await openPage();
    await page.goto(`${dev.url}/ui`);
    await signIn(page, "dev-key");
    const row = `tr[data-batch="${id}"]`;
    await page.waitForSelector(row);

    // Seen running (not yet complete), then completed and published, with the bar full.
    const seen: number[] = [];
    const published = until(
      async () => {
        const percent = Number(await page.getAttribute(`${row} progress`, "value"));
        if (percent > 0 && percent < 100 && !seen.some((p) => p > 0 && p < 100)) {
          await page.screenshot({ path: join(OUT, "status-page-running.png"), fullPage: true });
        }
        seen.push(percent);
        return (await page.getAttribute(row, "data-published")) === "true";
      },
      90_000,
      "the batch to be shown published",
    );
    // On failure, the screenshot shows what the page showed instead.
    await published.catch(() => page.screenshot({ path: join(OUT, "status-page-failure.png"), fullPage: true }));
    await published;
    expect(seen.some((percent) => percent < 100)).toBe(true);
    expect(await page.getAttribute(row, "data-status")).toBe("completed");
    expect(await page.textContent(`${row} td.counts`)).toBe("26 / 26 · 24 ok · 1 failed · 1 skipped");
    expect(await page.textContent(`${row} .percent`)).toBe("100.0%");

    await page.click(`${row} button.show-errors`);
    await page.waitForSelector("ul.by-code li");
    const byCode = await page.$$eval("ul.by-code li", (items) => items.map((item) => item.textContent));
    expect(byCode.sort()).toEqual(["duplicate 1", "http_error 1", "succeeded 24"]);
    await page.screenshot({ path: join(OUT, "status-page.png"), fullPage: true });

    const [download] = await Promise.all([page.waitForEvent("download"), page.click(`${row} button.download`)]);
    const saved = join(OUT, "status-page-download.ndjson");
    await download.saveAs(saved);
    const records = readFileSync(saved, "utf8").trim().split("\n");
    expect(records).toHaveLength(urls.length);
    expect(records.map((line) => (JSON.parse(line) as { url: string }).url)).toEqual(urls);
    expect(errors).toEqual([]);
    await page.close();
  });
});
