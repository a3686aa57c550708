// The cron and many schedules: it starts at most SCHEDULE_STARTS_PER_CRON runs, tenants
// taking turns, and leaves the copy of each list to the run; schedules are listed a
// page at a time, read one by one, and capped per tenant.
import { createExecutionContext, createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import worker from "../../workers/index";
import type { ScheduleView } from "../support/api-types";
import { api, json, KEY_A, KEY_B, ORIGIN, unique, waitForPublished } from "./helpers";

/** The Worker under other settings. */
async function fetchWith(vars: Record<string, string>, path: string, init: RequestInit & { key?: string } = {}) {
  const { key, ...rest } = init;
  const headers = new Headers(rest.headers);
  headers.set("authorization", `Bearer ${key ?? KEY_A}`);
  return await worker.fetch(
    new Request(`http://trawl.test${path}`, { method: rest.method, body: rest.body, headers }),
    { ...env, ...vars } as unknown as Env,
    createExecutionContext(),
  );
}

async function scheduled(key: string, cron = "* * * * *"): Promise<string> {
  const response = await api("/v1/batches", {
    method: "POST",
    key,
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ urls: [`${ORIGIN}/pages/1.html?run=${unique("cron")}`], schedule: { cron } }),
  });
  expect(response.status, await response.clone().text()).toBe(202);
  const { id } = await json<{ id: string }>(response);
  await waitForPublished(id, key);
  return id;
}

async function allSchedules(key: string, limit: number): Promise<ScheduleView[]> {
  const all: ScheduleView[] = [];
  let cursor: string | null = null;
  do {
    const query: string = `?limit=${limit}${cursor ? `&cursor=${cursor}` : ""}`;
    const page = await json<{ schedules: ScheduleView[]; nextCursor: string | null }>(
      await api(`/v1/schedules${query}`, { key }),
    );
    expect(page.schedules.length).toBeLessThanOrEqual(limit);
    all.push(...page.schedules);
    cursor = page.nextCursor;
  } while (cursor);
  return all;
}

const mine: string[] = [];
let theirs = "";

beforeAll(async () => {
  for (let i = 0; i < 5; i++) mine.push(await scheduled(KEY_A));
  theirs = await scheduled(KEY_B);
}, 60_000);

describe("the cron with many due schedules", () => {
  it("starts at most SCHEDULE_STARTS_PER_CRON runs, tenants taking turns, and the rest at the next cron", async () => {
    const started = async () => {
      const a = (await allSchedules(KEY_A, 100)).filter((s) => mine.includes(s.id) && s.lastBatch !== null);
      const b = (await allSchedules(KEY_B, 100)).filter((s) => s.id === theirs && s.lastBatch !== null);
      return [a.length, b.length];
    };
    const at = Date.now() + 3 * 60_000;
    const fire = () =>
      worker.scheduled(createScheduledController({ scheduledTime: at, cron: "* * * * *" }), {
        ...env,
        SCHEDULE_STARTS_PER_CRON: "2",
      } as unknown as Env);
    await fire();
    // Tenant A's five come first in key order; tenant B's one still starts in the first cron.
    expect(await started()).toEqual([1, 1]);
    await fire();
    expect(await started()).toEqual([3, 1]);
    await fire();
    expect(await started()).toEqual([5, 1]);
  });
});

describe("GET /v1/schedules", () => {
  it("pages through every schedule once, and refuses a cursor it did not make", async () => {
    await api(`/v1/schedules/${mine[0]}`, { method: "DELETE" }); // a stopped one, listed after the active ones
    const paged = await allSchedules(KEY_A, 2);
    const ids = paged.map((s) => s.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual([...(await allSchedules(KEY_A, 100)).map((s) => s.id)].sort());
    for (const id of mine) expect(ids).toContain(id);
    expect(paged[paged.length - 1]?.active).toBe(false);
    const bad = await api("/v1/schedules?cursor=bm90LW91cnM");
    expect(bad.status).toBe(400);
  });

  it("reads one schedule by id, and another tenant's as missing", async () => {
    const response = await api(`/v1/schedules/${mine[1]}`);
    expect(response.status).toBe(200);
    expect(await json<ScheduleView>(response)).toMatchObject({ id: mine[1], active: true });
    expect((await api(`/v1/schedules/${mine[1]}`, { key: KEY_B })).status).toBe(404);
  });
});

describe("the per-tenant schedule quota", () => {
  it("refuses a schedule past MAX_SCHEDULES_PER_TENANT with 409 naming it, before making a batch", async () => {
    const quota = { MAX_SCHEDULES_PER_TENANT: "1" };
    const body = JSON.stringify({
      urls: [`${ORIGIN}/pages/2.html?run=${unique("quota")}`],
      schedule: { cron: "0 3 * * *" },
    });
    const post = () =>
      fetchWith(quota, "/v1/batches", {
        method: "POST",
        key: KEY_B,
        headers: { "content-type": "application/json" },
        body,
      });
    const refused = await post();
    expect(refused.status).toBe(409);
    const error = (await json<{ error: { code: string; message: string; details: { field: string }[] } }>(refused))
      .error;
    expect(error.code).toBe("schedule_quota");
    expect(error.message).toContain("MAX_SCHEDULES_PER_TENANT");
    expect(error.details[0]?.field).toBe("schedule");

    expect((await api(`/v1/schedules/${theirs}`, { method: "DELETE", key: KEY_B })).status).toBe(200);
    expect((await post()).status).toBe(202);
  });
});
