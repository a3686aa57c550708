// Schedules: created with a batch, started by the real cron handler on each occurrence
// of their cron expression, paused, resumed, stopped, and their run history.
import { createScheduledController, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { TenantDirectory } from "../../durable-objects/tenant-directory";
import worker from "../../workers/index";
import type { ScheduleRunView, ScheduleView } from "../support/api-types";
import { api, download, json, KEY_B, ORIGIN, unique, waitForPublished } from "./helpers";

async function fireCron(at: number): Promise<void> {
  await worker.scheduled(createScheduledController({ scheduledTime: at, cron: "* * * * *" }), env);
}

async function schedules(key?: string): Promise<ScheduleView[]> {
  return (await json<{ schedules: ScheduleView[] }>(await api("/v1/schedules", { key }))).schedules;
}

async function scheduleOf(id: string): Promise<ScheduleView> {
  const found = (await schedules()).find((s) => s.id === id);
  if (!found) throw new Error(`schedule ${id} not listed`);
  return found;
}

async function runsOf(id: string, query = ""): Promise<ScheduleRunView[]> {
  const response = await api(`/v1/schedules/${id}/runs${query}`);
  expect(response.status).toBe(200);
  return (await json<{ runs: ScheduleRunView[] }>(response)).runs;
}

/**
 * Submits `urls` with `schedule` and returns the batch id and its schedule, once that
 * batch is published: a schedule's first run follows it, and would be skipped before.
 */
async function scheduled(urls: string[], schedule: unknown): Promise<{ id: string; schedule: ScheduleView }> {
  const response = await api("/v1/batches", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ urls, schedule }),
  });
  expect(response.status, await response.clone().text()).toBe(202);
  const created = await json<{ id: string; schedule: ScheduleView }>(response);
  await waitForPublished(created.id);
  return created;
}

async function expectRunAgreesWithManifest(run: ScheduleRunView | undefined): Promise<void> {
  const manifest = await json<{ totals: ScheduleRunView["counts"] }>(await api(`/v1/batches/${run?.batchId}/manifest`));
  expect(run?.counts).toEqual(manifest.totals);
}

describe("schedules", () => {
  it("runs the batch's URL list again when due, until stopped (daily HH:MM as shorthand)", async () => {
    const run = unique("daily");
    const urls = [`${ORIGIN}/pages/1.html?run=${run}`, `${ORIGIN}/pages/2.html?run=${run}`, "not a url"];
    const created = await scheduled(urls, { daily: "06:30" });
    expect(created.schedule).toMatchObject({
      id: created.id,
      sourceBatch: created.id,
      daily: "06:30",
      cron: "30 6 * * *",
      timeZone: "UTC",
      active: true,
      paused: false,
    });
    expect(created.schedule.nextRunAt).toMatch(/T06:30:00\.000Z$/);

    const due = Date.parse(created.schedule.nextRunAt);
    await fireCron(due);
    const after = await scheduleOf(created.id);
    expect(after.lastBatch).toMatch(/^[0-9a-f]{64}$/);
    expect(after.lastBatch).not.toBe(created.id);
    expect(Date.parse(after.nextRunAt)).toBe(due + 24 * 60 * 60_000);

    const rerun = await waitForPublished(after.lastBatch ?? "");
    expect(rerun.counts).toEqual({ total: 3, pending: 0, succeeded: 2, failed: 0, skipped: 1 });
    expect((await download(after.lastBatch ?? "")).map((r) => r.url)).toEqual(urls);

    const stopped = await api(`/v1/schedules/${created.id}`, { method: "DELETE" });
    expect((await json<ScheduleView>(stopped)).active).toBe(false);
    expect((await api(`/v1/schedules/${created.id}/resume`, { method: "POST" })).status).toBe(409);
    await fireCron(due + 24 * 60 * 60_000);
    expect((await scheduleOf(created.id)).lastBatch).toBe(after.lastBatch);
  });

  it("starts one run when the cron trigger fires twice for an occurrence, at once or again later", async () => {
    const created = await scheduled([`${ORIGIN}/pages/3.html?run=${unique("twice")}`], {
      cron: "0 2 * * *",
      timeZone: "Europe/Berlin",
    });
    const due = Date.parse(created.schedule.nextRunAt);
    // 02:00 in Berlin is 00:00 or 01:00 UTC, whichever the season makes it.
    expect(new Date(due).getUTCHours() === 0 || new Date(due).getUTCHours() === 1).toBe(true);
    const listed = async () =>
      (await json<{ batches: { id: string }[] }>(await api("/v1/batches?limit=100"))).batches.map((b) => b.id);
    const before = new Set(await listed());
    await Promise.all([fireCron(due), fireCron(due)]);
    await fireCron(due + 60_000);
    const runs = await runsOf(created.id);
    expect(runs).toHaveLength(1);
    const [first] = runs;
    // One batch started, not one per firing.
    expect((await listed()).filter((id) => !before.has(id))).toEqual([first?.batchId]);
    expect(first).toMatchObject({ scheduledAt: new Date(due).toISOString(), reason: null, late: null });
    expect((await scheduleOf(created.id)).lastBatch).toBe(first?.batchId);
    const batch = await json<{ run: unknown; sla: unknown; previousBatch: string }>(
      await api(`/v1/batches/${first?.batchId}`),
    );
    expect(batch.run).toEqual({ scheduleId: created.id, scheduledAt: new Date(due).toISOString() });
    // The first run follows the batch that made the schedule.
    expect(batch.previousBatch).toBe(created.id);
    expect(batch.sla).toBeNull();
    await waitForPublished(first?.batchId ?? "");
    const [done] = await runsOf(created.id);
    expect(done).toMatchObject({ status: "completed", counts: { total: 1, succeeded: 1, failed: 0, skipped: 0 } });
    expect(done?.durationSeconds).toBeGreaterThan(0);
    await expectRunAgreesWithManifest(done);
  });

  it("skips an occurrence while the previous run is still going, records the skip, and runs the next", async () => {
    const tag = unique("overlap");
    // Three pages of 1.5 s fetched one after another: the first run lasts seconds.
    const urls = [0, 1, 2].map((n) => `${ORIGIN}/slow/1500/${n}?run=${tag}`);
    const created = await scheduled(urls, { cron: "*/10 * * * *" });
    const t1 = Date.parse(created.schedule.nextRunAt);
    await fireCron(t1);
    const first = (await scheduleOf(created.id)).lastBatch ?? "";
    const t2 = Date.parse((await scheduleOf(created.id)).nextRunAt);
    expect(t2).toBe(t1 + 10 * 60_000);
    await fireCron(t2);
    const afterSkip = await scheduleOf(created.id);
    expect(afterSkip.lastBatch).toBe(first);
    expect(Date.parse(afterSkip.nextRunAt)).toBe(t2 + 10 * 60_000);

    await waitForPublished(first);
    await fireCron(t2 + 10 * 60_000);
    const second = (await scheduleOf(created.id)).lastBatch ?? "";
    expect(second).not.toBe(first);
    const link = await json<{ previousBatch: string | null }>(await api(`/v1/batches/${second}`));
    expect(link.previousBatch).toBe(first);
    await waitForPublished(second);

    const runs = await runsOf(created.id);
    expect(runs.map((r) => [r.scheduledAt, r.status, r.batchId, r.reason])).toEqual([
      [new Date(t2 + 10 * 60_000).toISOString(), "completed", second, null],
      [new Date(t2).toISOString(), "skipped", null, "previous run still running"],
      [new Date(t1).toISOString(), "completed", first, null],
    ]);
    await expectRunAgreesWithManifest(runs[0]);
    await expectRunAgreesWithManifest(runs[2]);
    // Newest first, a page at a time.
    const page = await json<{ runs: ScheduleRunView[]; nextCursor: string }>(
      await api(`/v1/schedules/${created.id}/runs?limit=2`),
    );
    expect(page.runs).toHaveLength(2);
    expect((await runsOf(created.id, `?limit=2&cursor=${page.nextCursor}`)).map((r) => r.batchId)).toEqual([first]);
  });

  it("starts nothing while paused, and resumes from the next occurrence after now", async () => {
    const created = await scheduled([`${ORIGIN}/pages/4.html?run=${unique("paused")}`], { cron: "* * * * *" });
    const paused = await api(`/v1/schedules/${created.id}/pause`, { method: "POST" });
    expect(paused.status).toBe(200);
    expect(await json<ScheduleView>(paused)).toMatchObject({ paused: true, active: true });
    const due = Date.parse(created.schedule.nextRunAt);
    await fireCron(due);
    await fireCron(due + 5 * 60_000);
    expect((await scheduleOf(created.id)).lastBatch).toBeNull();
    expect(await runsOf(created.id)).toEqual([]);

    const before = Date.now();
    const resumed = await json<ScheduleView>(await api(`/v1/schedules/${created.id}/resume`, { method: "POST" }));
    // The occurrences the cron saw while paused are not made up: the next is the first after the resume.
    expect(resumed.paused).toBe(false);
    const next = Date.parse(resumed.nextRunAt);
    expect(next).toBeGreaterThan(before);
    expect(next).toBeLessThanOrEqual(Date.now() + 60_000);
    expect(next % 60_000).toBe(0);
    await fireCron(next);
    expect((await scheduleOf(created.id)).lastBatch).toMatch(/^[0-9a-f]{64}$/);
    expect(await runsOf(created.id)).toHaveLength(1);
  });

  it("keeps schedules per tenant", async () => {
    const created = await scheduled([`${ORIGIN}/pages/3.html?run=${unique("other")}`], { daily: "07:00" });
    expect((await schedules(KEY_B)).map((s) => s.id)).not.toContain(created.id);
    for (const [method, path] of [
      ["DELETE", ""],
      ["POST", "/pause"],
      ["POST", "/resume"],
      ["GET", "/runs"],
    ] as const) {
      expect((await api(`/v1/schedules/${created.id}${path}`, { method, key: KEY_B })).status).toBe(404);
    }
  });

  it("refuses to delete a schedule's source batch until the schedule is stopped (paused is not stopped)", async () => {
    const created = await scheduled([`${ORIGIN}/pages/4.html?run=${unique("source")}`], { daily: "08:00" });
    expect((await api(`/v1/schedules/${created.id}/pause`, { method: "POST" })).status).toBe(200);
    const refused = await api(`/v1/batches/${created.id}`, { method: "DELETE" });
    expect(refused.status).toBe(409);
    expect((await json<{ error: { code: string; message: string } }>(refused)).error).toMatchObject({
      code: "schedule_source",
      message: expect.stringContaining(`DELETE /v1/schedules/${created.id}`),
    });
    expect((await api(`/v1/batches/${created.id}`)).status).toBe(200);

    expect((await api(`/v1/schedules/${created.id}`, { method: "DELETE" })).status).toBe(200);
    expect((await api(`/v1/batches/${created.id}`, { method: "DELETE" })).status).toBe(204);
    expect((await api(`/v1/batches/${created.id}`)).status).toBe(404);
  });

  it("refuses a bad expression, an unknown zone or a bad window, naming the field and the reason", async () => {
    const refused = async (schedule: unknown) => {
      const response = await api("/v1/batches", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ urls: [`${ORIGIN}/pages/1.html`], schedule }),
      });
      expect(response.status).toBe(400);
      return (await json<{ error: { message: string; details: { field: string; reason: string }[] } }>(response)).error;
    };
    expect((await refused({ daily: "25:00" })).message).toContain("schedule.daily");
    expect((await refused({ cron: "0 2 * *" })).details[0]).toEqual({
      field: "schedule.cron",
      reason: "must have 5 fields (minute hour day-of-month month day-of-week), found 4",
    });
    expect((await refused({ cron: "0 0 30 2 *" })).details[0]?.field).toBe("schedule.cron");
    const zone = await refused({ cron: "0 2 * * *", timeZone: "Europe/Nowhere" });
    expect(zone.details[0]?.field).toBe("schedule.timeZone");
    expect(zone.details[0]?.reason).toMatch(/unknown time zone/);
    expect((await refused({ cron: "0 2 * * *", window: "2 hours" })).details[0]?.field).toBe("schedule.window");

    // A streamed list takes the schedule as JSON in the query, checked the same way.
    const streamed = await api(`/v1/batches?schedule=${encodeURIComponent('{"cron":"0 25 * * *"}')}`, {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: `${ORIGIN}/pages/1.html\n`,
    });
    expect(streamed.status).toBe(400);
    expect((await json<{ error: { details: { field: string }[] } }>(streamed)).error.details[0]?.field).toBe(
      "schedule.cron",
    );
  });

  it("reads a daily schedule stored before cron expressions as the expression its time stands for", async () => {
    const stub = env.TENANT.getByName(unique("old-directory"));
    const id = "c".repeat(64);
    const schedule = await runInDurableObject(stub, async (_instance, state) => {
      state.storage.sql.exec(`
        DROP TABLE schedules;
        CREATE TABLE schedules (id TEXT PRIMARY KEY, source_batch TEXT NOT NULL, daily TEXT NOT NULL,
          options TEXT NOT NULL, next_run_at INTEGER NOT NULL, last_batch TEXT, active INTEGER NOT NULL DEFAULT 1);
      `);
      state.storage.sql.exec(
        "INSERT INTO schedules (id, source_batch, daily, options, next_run_at) VALUES (?, ?, '06:05', '{}', 0)",
        id,
        id,
      );
      // The directory as a deployment that upgraded finds it: its constructor migrates the table.
      return new TenantDirectory(state, env).get(id);
    });
    expect(schedule).toMatchObject({ cron: "5 6 * * *", timeZone: "UTC", daily: "06:05", window: null, paused: false });
  });
});
