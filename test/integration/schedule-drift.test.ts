// Drift alerts: a scheduled run that took or cost more than its schedule's factor times
// the median of its recent runs sends `schedule.drift` once, and its history says so; a
// run in line with its history sends none. The history before the real run is what the
// directory would hold after earlier runs (seeded through its own RPC, as coordinators
// report), so one real run is judged against a known median.
import { createScheduledController, runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { coordinatorOf } from "../../lib/batch-objects";
import { shiftClock } from "../../lib/clock";
import type { ScheduleRun } from "../../lib/schedule-runs";
import type { WebhookEvent } from "../../lib/webhooks";
import worker from "../../workers/index";
import type { ReceivedHook } from "../support/webhook-receiver";
import { api, json, ORIGIN, unique, waitForPublished } from "./helpers";

const TENANT = "tenant-a"; // KEY_A's
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function driftHooks(name: string): Promise<ReceivedHook[]> {
  const hooks = (await (await fetch(`${ORIGIN}/__hooks/${name}`)).json()) as ReceivedHook[];
  return hooks.filter((h) => h.headers["x-trawl-event"] === "schedule.drift");
}

async function schedule(name: string, drift: unknown) {
  const urls = [0, 1, 2, 3].map((n) => `${ORIGIN}/slow/300/${n}?run=${name}`);
  const response = await api("/v1/batches", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      urls,
      options: { webhook: { url: `${ORIGIN}/hooks/${name}`, events: ["schedule.drift", "batch.completed"] } },
      schedule: { cron: "* * * * *", drift },
    }),
  });
  expect(response.status, await response.clone().text()).toBe(202);
  const created = await json<{ id: string; schedule: { nextRunAt: string; drift: unknown } }>(response);
  return { id: created.id, due: Date.parse(created.schedule.nextRunAt), drift: created.schedule.drift };
}

/** Three earlier completed runs of `scheduleId`, as their coordinators would have reported them. */
async function seedHistory(scheduleId: string, due: number, durationMs: number, estimatedUsd: number) {
  const directory = env.TENANT.getByName(TENANT);
  for (const k of [3, 2, 1]) {
    const run: Omit<ScheduleRun, "reason"> = {
      scheduleId,
      scheduledAt: due - k * 86_400_000,
      batchId: null,
      status: "completed",
      startedAt: due - k * 86_400_000,
      finishedAt: due - k * 86_400_000 + durationMs,
      counts: { total: 4, succeeded: 4, failed: 0, skipped: 0 },
      changes: null,
      late: null,
      durationMs,
      estimatedUsd,
      retries: 0,
      drift: null,
      boost: null,
    };
    expect(await directory.updateRun(run)).toBeNull(); // too little history to judge the first three
  }
}

async function lastRunOf(scheduleId: string): Promise<string> {
  const schedules = (await json<{ schedules: { id: string; lastBatch: string }[] }>(await api("/v1/schedules")))
    .schedules;
  return schedules.find((s) => s.id === scheduleId)?.lastBatch ?? "";
}

type RunView = { batchId: string | null; drift: { measures: string[]; factor: number } | null; estimatedUsd: number };

describe("schedule drift", () => {
  const slowHook = unique("drift");
  const usualHook = unique("usual");
  let drifting: Awaited<ReturnType<typeof schedule>>;
  let usual: Awaited<ReturnType<typeof schedule>>;

  beforeAll(async () => {
    const shiftBack = shiftClock(-60_000); // the first occurrence has come: see schedule-sla.test.ts
    drifting = await schedule(slowHook, { factor: 3, window: 5 });
    usual = await schedule(usualHook, undefined);
    shiftBack();
    await Promise.all([waitForPublished(drifting.id), waitForPublished(usual.id)]);
    // Earlier runs that took 10 ms and cost a millionth of a cent: the real run (four 300 ms
    // pages) is far above both. For the other schedule, runs of an hour and a dollar.
    await seedHistory(drifting.id, drifting.due, 10, 1e-8);
    await seedHistory(usual.id, usual.due, 3_600_000, 1);
    const due = Math.max(drifting.due, usual.due);
    await worker.scheduled(createScheduledController({ scheduledTime: due, cron: "* * * * *" }), env);
  }, 90_000);

  it("sends schedule.drift exactly once for a run far above its schedule's median, and its history shows it", async () => {
    expect(drifting.drift).toEqual({ factor: 3, window: 5 });
    const runId = await lastRunOf(drifting.id);
    expect(runId).not.toBe(drifting.id);
    await waitForPublished(runId);
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; await sleep(100)) {
      if ((await driftHooks(slowHook)).length > 0) break;
    }
    // The alarm looks again after publication and the directory answers the drift again: no second event.
    await runDurableObjectAlarm(coordinatorOf(env, runId));
    await sleep(1000);
    const hooks = await driftHooks(slowHook);
    expect(hooks).toHaveLength(1);
    const event = JSON.parse(hooks[0]?.body ?? "{}") as WebhookEvent;
    expect(event.batchId).toBe(runId);
    expect(event.data).toMatchObject({
      scheduleId: drifting.id,
      drift: { measures: ["duration", "cost"], factor: 3, runs: 3, medianDurationMs: 10, medianUsd: 1e-8 },
    });

    const runs = (await json<{ runs: RunView[] }>(await api(`/v1/schedules/${drifting.id}/runs`))).runs;
    const real = runs.find((r) => r.batchId === runId);
    expect(real?.drift).toMatchObject({ measures: ["duration", "cost"], factor: 3 });
    expect(real?.estimatedUsd).toBeGreaterThan(0);
    expect(runs.filter((r) => r.drift !== null)).toHaveLength(1);
    const status = await json<{ drift: unknown }>(await api(`/v1/batches/${runId}`));
    expect(status.drift).toEqual(real?.drift);
  });

  it("sends none for a run in line with its schedule's history (the default rule)", async () => {
    expect(usual.drift).toEqual({ factor: 2, window: 7 });
    const runId = await lastRunOf(usual.id);
    await waitForPublished(runId);
    await sleep(1000);
    expect(await driftHooks(usualHook)).toEqual([]);
    const runs = (await json<{ runs: RunView[] }>(await api(`/v1/schedules/${usual.id}/runs`))).runs;
    expect(runs.map((r) => r.drift)).toEqual([null, null, null, null]);
  });

  it("refuses a drift rule it cannot use, naming the field", async () => {
    const response = await api("/v1/batches", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ urls: [`${ORIGIN}/pages/1.html`], schedule: { daily: "06:00", drift: { factor: 0 } } }),
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain("drift.factor");
  });
});
