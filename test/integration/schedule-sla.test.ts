// A scheduled run's window: the SLA figures in its status, `schedule.late` sent once
// when the run cannot publish in time, and the run history marking it late.
import { createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { shiftClock } from "../../lib/clock";
import { readSettings } from "../../lib/settings";
import type { WebhookEvent } from "../../lib/webhooks";
import worker from "../../workers/index";
import type { BatchView } from "../support/api-types";
import type { ReceivedHook } from "../support/webhook-receiver";
import { api, json, ORIGIN, unique, waitForPublished } from "./helpers";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function received(name: string): Promise<ReceivedHook[]> {
  return (await (await fetch(`${ORIGIN}/__hooks/${name}`)).json()) as ReceivedHook[];
}

type Sla = NonNullable<BatchView["sla"]>;

/** Submits `urls` with a webhook to receiver `name` and `schedule`; answers the schedule's id and first occurrence. */
async function scheduleWithHook(name: string, urls: string[], schedule: unknown, events: string[]) {
  const response = await api("/v1/batches", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ urls, options: { webhook: { url: `${ORIGIN}/hooks/${name}`, events } }, schedule }),
  });
  expect(response.status, await response.clone().text()).toBe(202);
  const created = await json<{ id: string; schedule: { nextRunAt: string; window: string; lateThreshold: number } }>(
    response,
  );
  return { id: created.id, schedule: created.schedule, due: Date.parse(created.schedule.nextRunAt) };
}

async function lastRunOf(scheduleId: string): Promise<string> {
  const schedules = (await json<{ schedules: { id: string; lastBatch: string }[] }>(await api("/v1/schedules")))
    .schedules;
  return schedules.find((s) => s.id === scheduleId)?.lastBatch ?? "";
}

describe("schedule windows", () => {
  const lateHook = unique("late");
  const onTimeHook = unique("on-time");
  let late: Awaited<ReturnType<typeof scheduleWithHook>>;
  let onTime: Awaited<ReturnType<typeof scheduleWithHook>>;

  beforeAll(async () => {
    // The schedules are made "a minute ago", so their first occurrence has already come:
    // the cron is fired for it at once instead of after a sleep to the next minute.
    const shiftBack = shiftClock(-60_000);
    // Four pages of 1.5 s fetched one after another: about six seconds against a two-second window.
    late = await scheduleWithHook(
      lateHook,
      [0, 1, 2, 3].map((n) => `${ORIGIN}/slow/1500/${n}?run=${lateHook}`),
      { cron: "* * * * *", window: "PT2S", lateThreshold: 0.2 },
      ["schedule.late", "batch.completed"],
    );
    // Against an hour: a chunk of five quick pages, then one of five taking a second each,
    // so the run is measurably under way for seconds.
    const delays = [100, 100, 100, 100, 100, 1000, 1000, 1000, 1000, 1000];
    onTime = await scheduleWithHook(
      onTimeHook,
      delays.map((ms, n) => `${ORIGIN}/slow/${ms}/${n}?run=${onTimeHook}`),
      { cron: "* * * * *", timeZone: "America/New_York", window: "PT1H" },
      ["schedule.late"],
    );
    shiftBack();
    // A schedule's first run follows the batch that made it, so that batch publishes first.
    await Promise.all([waitForPublished(late.id), waitForPublished(onTime.id)]);
    // A window starts at its occurrence, which has come: fire the cron for it, as the trigger does.
    const due = Math.max(late.due, onTime.due);
    expect(due).toBeLessThanOrEqual(Date.now());
    await worker.scheduled(createScheduledController({ scheduledTime: due, cron: "* * * * *" }), env);
  }, 90_000);

  it("keeps a run with room in its window on time, showing its margin and required concurrency", async () => {
    const runId = await lastRunOf(onTime.id);
    let sla: Sla | null = null;
    for (const deadline = Date.now() + 20_000; Date.now() < deadline && !sla; await sleep(100)) {
      const view = await json<{ sla: Sla; published: boolean; counts: { succeeded: number } }>(
        await api(`/v1/batches/${runId}`),
      );
      if (view.counts.succeeded > 0 && !view.published) sla = view.sla;
    }
    expect(sla?.margin).toBeGreaterThan(0.9);
    expect(sla?.requiredConcurrency).toBe(1);
    expect(sla?.late).toBe(false);
    await waitForPublished(runId);
    const runs = (
      await json<{ runs: { late: boolean; boost: unknown }[] }>(await api(`/v1/schedules/${onTime.id}/runs`))
    ).runs;
    expect(runs.map((r) => r.late)).toEqual([false]);
    expect(runs.map((r) => r.boost)).toEqual([null]); // on time: no boost
    expect((await received(onTimeHook)).filter((h) => h.headers["x-trawl-event"] === "schedule.late")).toEqual([]);
  });
  it("sends schedule.late exactly once for a run on a slow origin that cannot publish in a tiny window, and its history says late", async () => {
    expect(late.schedule).toMatchObject({ window: "PT2S", lateThreshold: 0.2 });
    const runId = await lastRunOf(late.id);
    const running = await json<{ status: string; sla: Sla; run: { window: string } }>(
      await api(`/v1/batches/${runId}`),
    );
    expect(running.run.window).toBe("PT2S");
    expect(running.sla).toMatchObject({ window: "PT2S", deadline: new Date(late.due + 2000).toISOString() });

    const published = await waitForPublished(runId);
    expect(published.status).toBe("completed");
    const final = await json<{ sla: Sla; boost: BatchView["boost"] }>(await api(`/v1/batches/${runId}`));
    expect(final.sla.late).toBe(true);
    expect(final.sla.margin).toBeLessThan(0);
    expect(final.sla.requiredConcurrency).toBe(0);
    // Projected past its deadline, the run asked for more per-host concurrency, never past the configured maximum.
    expect(final.boost?.concurrency).toBeGreaterThanOrEqual(1);
    expect(final.boost?.concurrency).toBeLessThanOrEqual(readSettings(env).HOST_MAX_CONCURRENCY);

    // Deliveries at the receiver: one schedule.late, from this run, however often the alarm and reports looked.
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; await sleep(100)) {
      const hooks = await received(lateHook);
      if (hooks.some((h) => h.headers["x-trawl-event"] === "batch.completed" && h.body.includes(runId))) break;
    }
    await sleep(1000); // time for a second schedule.late to arrive, were there one
    const lateHooks = (await received(lateHook)).filter((h) => h.headers["x-trawl-event"] === "schedule.late");
    expect(lateHooks).toHaveLength(1);
    const event = JSON.parse(lateHooks[0]?.body ?? "{}") as WebhookEvent;
    expect(event.batchId).toBe(runId);
    expect(event.data).toMatchObject({
      scheduleId: late.id,
      scheduledAt: new Date(late.due).toISOString(),
      sla: { window: "PT2S", late: true },
    });
    const log = (
      await json<{ deliveries: { type: string; delivered: boolean }[] }>(await api(`/v1/batches/${runId}/webhooks`))
    ).deliveries;
    expect(log.filter((d) => d.type === "schedule.late")).toEqual([expect.objectContaining({ delivered: true })]);

    const runs = (
      await json<{ runs: { batchId: string; status: string; late: boolean; counts: unknown }[] }>(
        await api(`/v1/schedules/${late.id}/runs`),
      )
    ).runs;
    expect(runs).toEqual([
      expect.objectContaining({ batchId: runId, status: "completed", late: true, boost: final.boost }),
    ]);
    const manifest = await json<{ totals: unknown }>(await api(`/v1/batches/${runId}/manifest`));
    expect(runs[0]?.counts).toEqual(manifest.totals);
    // The batch that created the schedule is no run: no window, no SLA.
    expect(await json<{ sla: unknown; run: unknown }>(await api(`/v1/batches/${late.id}`))).toMatchObject({
      sla: null,
      run: null,
    });
  });
});
