// A whole day's work through /ui in headless Chromium, the API agreeing at each step:
// submit a pasted list with a name and labels, watch it finish, read its errors past the
// first page and by code, retry the failed URLs, download Parquet, delete with
// confirmation. Screenshots of each step go to test/e2e/out/ (gitignored).
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Origin, startOrigin } from "../../demo/origin-server";
import { launchBrowser } from "../support/browser";
import { readParquet } from "../support/parquet-rows";
import { type DevServer, startWranglerDev } from "../support/wrangler-dev";
import { slowPages, until } from "./cli-runner";
import { TrawlClient } from "./client";

const OUT = join(import.meta.dirname, "out");

let origin: Origin;
let dev: DevServer;
let client: TrawlClient;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  origin = await startOrigin({ routes: slowPages });
  dev = await startWranglerDev({ allowedOrigins: [origin.url] });
  client = new TrawlClient(dev.url, "dev-key");
  browser = await launchBrowser();
  mkdirSync(OUT, { recursive: true });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  page.on("pageerror", (error) => pageErrors.push(error.message));
  page.on("console", (message) => {
    if (message.type() === "error" && /Content Security Policy/i.test(message.text())) pageErrors.push(message.text());
  });
});

afterAll(async () => {
  await browser?.close();
  await dev?.stop();
  await origin?.close();
});

const shot = (name: string) => page.screenshot({ path: join(OUT, `ui-day-${name}.png`), fullPage: true });

async function api<T>(path: string): Promise<{ status: number; body: T }> {
  const response = await client.request(path);
  return { status: response.status, body: (await response.json().catch(() => null)) as T };
}

describe("a day's work through the status page", () => {
  // 6 pages and 24 that answer 404: more errors than one page of 20 shows.
  const urls = () => [
    ...Array.from({ length: 6 }, (_, i) => `${origin.url}/slow/${i}.html?ms=300&run=day`),
    ...Array.from({ length: 24 }, (_, i) => `${origin.url}/status/404?day=${i}`),
  ];
  let id = "";
  let retryId = "";
  const row = () => `tr[data-batch="${id}"]`;

  it("submits a pasted list with a name and labels", async () => {
    await page.goto(`${dev.url}/ui`);
    await page.fill("#key", "dev-key");
    await page.keyboard.press("Enter");
    await page.waitForSelector("#board:not([hidden])");
    await page.click("#submit-panel summary");
    await page.fill("#urls", urls().join("\n"));
    await page.fill("#name", "Day in the life");
    await page.fill("#labels", "ui-day, team:ops");
    await page.check("input[name=format][value=links]");
    await shot("1-submit");
    await page.click("#submit button[type=submit]");
    await page.locator("#message", { hasText: /as batch [0-9a-f]{64}/ }).waitFor();
    id = /as batch ([0-9a-f]{64})/.exec((await page.textContent("#message")) ?? "")?.[1] ?? "";
    const { body } = await api<{ name: string; labels: string[]; counts: { total: number } }>(`/v1/batches/${id}`);
    expect(body).toMatchObject({ name: "Day in the life", labels: ["team:ops", "ui-day"], counts: { total: 30 } });
    expect(await page.textContent(`${row()} code.full-id`)).toBe(id);
    expect(await page.textContent(`${row()} div.name`)).toBe("Day in the life");
  });

  it("watches it finish, the row and the API agreeing", async () => {
    await until(async () => (await page.getAttribute(row(), "data-published")) === "true", 120_000, "published");
    const { body } = await api<{ status: string; counts: Record<string, number> }>(`/v1/batches/${id}`);
    expect(body.status).toBe("completed");
    expect(await page.textContent(`${row()} td.counts`)).toBe(
      `30 / 30 · ${body.counts.succeeded} ok · ${body.counts.failed} failed · ${body.counts.skipped} skipped`,
    );
    expect(body.counts.failed).toBe(24);
    await shot("2-completed");
  });

  it("shows errors past the first page and by code, as the API lists them", async () => {
    await page.click(`${row()} button.show-errors`);
    await page.waitForSelector("table.error-list tbody tr");
    const first = await page.$$eval("table.error-list tbody tr", (trs) =>
      trs.map((tr) => Number(tr.getAttribute("data-index"))),
    );
    const apiFirst = await api<{ errors: { index: number }[]; nextCursor: string }>(
      `/v1/batches/${id}/errors?limit=20`,
    );
    expect(first).toEqual(apiFirst.body.errors.map((e) => e.index));
    await page.click("button.next-errors");
    await page.locator("table.error-list caption", { hasText: /page 2$/ }).waitFor();
    const second = await page.$$eval("table.error-list tbody tr", (trs) =>
      trs.map((tr) => Number(tr.getAttribute("data-index"))),
    );
    const apiSecond = await api<{ errors: { index: number }[] }>(
      `/v1/batches/${id}/errors?limit=20&cursor=${apiFirst.body.nextCursor}`,
    );
    expect(second).toEqual(apiSecond.body.errors.map((e) => e.index));
    expect(first.length + second.length).toBe(24);
    await page.selectOption("select.code-filter", "http_error");
    await page.locator("table.error-list caption", { hasText: /page 1$/ }).waitFor();
    const byCode = await page.$$eval("ul.bars li", (items) => items.map((item) => item.textContent));
    expect(byCode).toEqual(["succeeded 6", "http_error 24"]);
    await shot("3-errors");
  });

  it("retries the failed URLs", async () => {
    await page.click(`${row()} button.retry`);
    await page.locator("#message", { hasText: /Retrying \d+ failed URLs as batch/ }).waitFor();
    retryId = /as batch ([0-9a-f]{64})/.exec((await page.textContent("#message")) ?? "")?.[1] ?? "";
    const { body } = await api<{ retryOf: string; counts: { total: number } }>(`/v1/batches/${retryId}`);
    expect(body).toMatchObject({ retryOf: id, counts: { total: 24 } });
    await page.waitForSelector(`tr[data-batch="${retryId}"]`);
    await shot("4-retry");
  });

  it("downloads Parquet with one row per URL", async () => {
    await page.selectOption(`${row()} select.format`, "parquet");
    const [download] = await Promise.all([page.waitForEvent("download"), page.click(`${row()} button.download`)]);
    const saved = join(OUT, "ui-day.parquet");
    await download.saveAs(saved);
    const bytes = readFileSync(saved);
    const rows = await readParquet(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    expect(rows.map((r) => r.url)).toEqual(urls());
  });

  it("deletes the batch after confirmation", async () => {
    page.once("dialog", (dialog) => dialog.accept());
    await page.click(`${row()} button.delete`);
    await page.waitForSelector(row(), { state: "detached" });
    expect((await api(`/v1/batches/${id}`)).status).toBe(404);
    await shot("5-deleted");
    expect(pageErrors).toEqual([]);
  });
});
