// A nightly catalog crawl end to end, as README "Recurring runs" tells it: `wrangler dev`
// and a local shop whose sitemap index (gzip children) lists products served with ETags.
// The batch that creates the schedule discovers the catalog; the shop then changes (two
// prices, one product delisted, two added); the cron fires twice for the night's
// occurrence and one run starts; it fetches no body for the unchanged products, counts
// each change exactly, and its change-only download holds just what moved.
import { describe, expect, it } from "vitest";
import type { BatchView } from "../support/api-types";
import { serviceForFile } from "./service";

const service = serviceForFile();

type Run = BatchView;

async function post(path: string): Promise<void> {
  const response = await fetch(`${service.origin.url}${path}`, { method: "POST" });
  expect(response.status).toBe(200);
}

async function json<T>(path: string): Promise<T> {
  const response = await service.client.request(path);
  expect(response.status, path).toBe(200);
  return (await response.json()) as T;
}

/** Fires the Worker's cron handler as the trigger would at `time` (epoch ms). */
async function fireCron(time: number): Promise<void> {
  const response = await fetch(`${service.dev.url}/cdn-cgi/handler/scheduled?cron=*+*+*+*+*&time=${time}`);
  expect(response.status, await response.clone().text()).toBe(200);
}

describe("a nightly catalog crawl", () => {
  it("discovers the catalog, then re-crawls it by schedule fetching only what changed", async () => {
    const shop = `shop-${Date.now()}`;
    const product = (n: number) => `${service.origin.url}/catalog/${shop}/${n}.html`;
    const created = await service.client.submit({
      sources: [{ sitemap: `${service.origin.url}/catalog/${shop}/sitemap.xml` }],
      schedule: { cron: "0 2 * * *", timeZone: "Europe/Berlin" },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(202);
    const { id } = created.body;
    const schedule = (created.body as unknown as { schedule: { id: string; nextRunAt: string } }).schedule;
    await service.client.waitForPublished(id);
    const first = await json<Run>(`/v1/batches/${id}`);
    expect(first.discovery).toMatchObject({ state: "done", found: 20 });
    expect(first.changes).toEqual({ new: 20, changed: 0, unchanged: 0, removed: 0 });

    await post(`/__catalog/bump?path=/catalog/${shop}/3.html`);
    await post(`/__catalog/bump?path=/catalog/${shop}/8.html`);
    await post(`/__catalog/remove?path=/catalog/${shop}/5.html`);
    await post(`/__catalog/grow?catalog=${shop}&by=2`);
    const logged = service.origin.requests.length;

    // The night's occurrence, fired twice (a retried trigger): one run.
    const due = Date.parse(schedule.nextRunAt);
    await fireCron(due);
    await fireCron(due);
    const runs = await json<{ runs: { batchId: string | null; status: string }[] }>(
      `/v1/schedules/${schedule.id}/runs`,
    );
    expect(runs.runs).toHaveLength(1);
    const runId = runs.runs[0]?.batchId ?? "";
    await service.client.waitForPublished(runId);
    const second = await json<Run>(`/v1/batches/${runId}`);
    expect(second.previousBatch).toBe(id);
    expect(second.counts).toMatchObject({ total: 21, succeeded: 21 });
    expect(second.changes).toEqual({ new: 2, changed: 2, unchanged: 17, removed: 1 });

    // No body for the 17 unchanged products: each was asked once, and answered 304.
    const answers = new Map<string, number[]>();
    for (const request of service.origin.requests.slice(logged)) {
      if (!/^\/catalog\/[\w-]+\/\d+\.html$/.test(request.path)) continue;
      answers.set(request.path, [...(answers.get(request.path) ?? []), request.status ?? 0]);
    }
    const unchanged = [0, 1, 2, 4, 6, 7, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19];
    for (const n of unchanged) expect(answers.get(`/catalog/${shop}/${n}.html`), `product ${n}`).toEqual([304]);
    for (const n of [3, 8, 20, 21]) expect(answers.get(`/catalog/${shop}/${n}.html`), `product ${n}`).toEqual([200]);
    expect(answers.has(`/catalog/${shop}/5.html`)).toBe(false);

    // The change-only download: what a downstream index must update, and nothing else.
    const link = await json<{ url: string; records: number }>(`/v1/batches/${runId}/download?changes=only`);
    const moved = (await (await fetch(link.url)).text())
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { url: string; change: string; markdown: string | null });
    expect(moved).toHaveLength(link.records);
    expect(moved.map((r) => [r.url, r.change]).sort()).toEqual(
      [
        [product(3), "changed"],
        [product(8), "changed"],
        [product(20), "new"],
        [product(21), "new"],
        [product(5), "removed"],
      ].sort(),
    );
    expect(moved.find((r) => r.url === product(3))?.markdown).toContain("Revision 2");

    // The run history says the same as the run.
    const history = await json<{ runs: { status: string; changes: unknown; counts: unknown }[] }>(
      `/v1/schedules/${schedule.id}/runs`,
    );
    const { total, succeeded, failed, skipped } = second.counts;
    expect(history.runs[0]).toMatchObject({
      status: "completed",
      changes: second.changes,
      counts: { total, succeeded, failed, skipped },
    });
  });
});
