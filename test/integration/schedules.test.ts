// Daily schedules: created with a batch, started by the real cron handler, once a day.
import { createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../../workers/index";
import { api, download, json, KEY_B, ORIGIN, submit, unique, waitForPublished } from "./helpers";

interface ScheduleBody {
  id: string;
  sourceBatch: string;
  daily: string;
  nextRunAt: string;
  lastBatch: string | null;
  active: boolean;
}

async function fireCron(at: number): Promise<void> {
  await worker.scheduled(createScheduledController({ scheduledTime: at, cron: "*/15 * * * *" }), env);
}

async function schedules(key?: string): Promise<ScheduleBody[]> {
  return (await json<{ schedules: ScheduleBody[] }>(await api("/v1/schedules", { key }))).schedules;
}

describe("daily schedules", () => {
  it("runs the batch's URL list again when due, once per day, until stopped", async () => {
    const run = unique("daily");
    const urls = [`${ORIGIN}/pages/1.html?run=${run}`, `${ORIGIN}/pages/2.html?run=${run}`, "not a url"];
    const response = await api("/v1/batches", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ urls, schedule: { daily: "06:30" } }),
    });
    expect(response.status).toBe(202);
    const created = await json<{ id: string; schedule: ScheduleBody }>(response);
    expect(created.schedule).toMatchObject({ id: created.id, sourceBatch: created.id, daily: "06:30", active: true });
    expect(created.schedule.nextRunAt).toMatch(/T06:30:00\.000Z$/);
    await waitForPublished(created.id);

    const due = Date.parse(created.schedule.nextRunAt);
    await fireCron(due);
    await fireCron(due + 60_000); // a cron that fires twice starts the run once
    const [after] = (await schedules()).filter((s) => s.id === created.id);
    expect(after?.lastBatch).toMatch(/^[0-9a-f]{64}$/);
    expect(after?.lastBatch).not.toBe(created.id);
    expect(Date.parse(after?.nextRunAt ?? "")).toBe(due + 24 * 60 * 60_000);

    const rerun = await waitForPublished(after?.lastBatch ?? "");
    expect(rerun.counts).toEqual({ total: 3, pending: 0, succeeded: 2, failed: 0, skipped: 1 });
    expect((await download(after?.lastBatch ?? "")).map((r) => r.url)).toEqual(urls);

    const stopped = await api(`/v1/schedules/${created.id}`, { method: "DELETE" });
    expect((await json<ScheduleBody>(stopped)).active).toBe(false);
    await fireCron(due + 24 * 60 * 60_000);
    const [final] = (await schedules()).filter((s) => s.id === created.id);
    expect(final?.lastBatch).toBe(after?.lastBatch);
  });

  it("keeps schedules per tenant and refuses a malformed time naming the field", async () => {
    const created = await submit([`${ORIGIN}/pages/3.html?run=${unique("other")}`]);
    expect((await schedules(KEY_B)).map((s) => s.id)).not.toContain(created.id);
    expect((await api(`/v1/schedules/${created.id}`, { method: "DELETE", key: KEY_B })).status).toBe(404);
    const bad = await api("/v1/batches", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ urls: [`${ORIGIN}/pages/1.html`], schedule: { daily: "25:00" } }),
    });
    expect(bad.status).toBe(400);
    expect((await json<{ error: { message: string } }>(bad)).error.message).toContain("schedule.daily");
  });
});
