// Retention and deletion: a published batch shows when its results go; the cron
// deletes them past that and leaves an `expired` status whose downloads answer 410;
// DELETE removes a batch at once, its objects, its storage and its listing entry.
import { createScheduledController, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { shiftClock } from "../../lib/clock";
import { toIngestRow } from "../../lib/ingest-row";
import { r2Keys } from "../../lib/r2-keys";
import { BatchOptions } from "../../lib/schemas";
import worker from "../../workers/index";
import { api, type BatchBody, json, KEY_B, ORIGIN, submit, unique, waitForPublished } from "./helpers";

const DAY = 86_400_000;

type Status = BatchBody & { expiresAt: string | null; finishedAt: string | null };

async function objectsOf(id: string): Promise<number> {
  return (await env.RESULTS.list({ prefix: r2Keys.batchPrefix(id) })).objects.length;
}

/** The real cron handler, run as if it fired at `at`. */
async function cronAt(at: number): Promise<void> {
  await worker.scheduled(createScheduledController({ scheduledTime: at, cron: "*/15 * * * *" }), env);
}

async function listed(key?: string): Promise<{ id: string; status: string }[]> {
  return (await json<{ batches: { id: string; status: string }[] }>(await api("/v1/batches?limit=100", { key })))
    .batches;
}

const pages = (run: string, n: number) => Array.from({ length: n }, (_, i) => `${ORIGIN}/pages/${i}.html?run=${run}`);

describe("retention", () => {
  it("shows expiresAt (publication + 30 days by default) in the status and the manifest", async () => {
    const created = await submit(pages(unique("retain"), 3));
    await waitForPublished(created.id);
    const status = await json<Status>(await api(`/v1/batches/${created.id}`));
    expect(Date.parse(status.expiresAt ?? "") - Date.parse(status.finishedAt ?? "")).toBe(30 * DAY);
    const manifest = await json<{ expiresAt: string; options: { retentionDays: number } }>(
      await api(`/v1/batches/${created.id}/manifest`),
    );
    expect(manifest.expiresAt).toBe(status.expiresAt);
    expect(manifest.options.retentionDays).toBe(30);
  });

  it("deletes the results of a batch past its retention and answers its downloads 410, leaving its status readable", async () => {
    const short = await submit(pages(unique("short"), 4), { retentionDays: 1 });
    const long = await submit(pages(unique("long"), 2), { retentionDays: 7 });
    await waitForPublished(short.id);
    await waitForPublished(long.id);
    const link = new URL((await json<{ url: string }>(await api(`/v1/batches/${short.id}/download`))).url);
    expect(await objectsOf(short.id)).toBeGreaterThan(1);

    await cronAt(Date.now() + 2 * DAY);

    expect(await objectsOf(short.id)).toBe(0);
    const status = await json<Status>(await api(`/v1/batches/${short.id}`));
    expect(status.status).toBe("expired");
    expect(status.counts).toMatchObject({ total: 4, succeeded: 4 });
    expect(status.links.download).toBeNull();
    for (const path of ["download", "manifest", "results"]) {
      const response = await api(`/v1/batches/${short.id}/${path}`);
      expect(response.status, path).toBe(410);
      expect((await json<{ error: { code: string } }>(response)).error.code).toBe("expired");
    }
    const viaLink = await api(`${link.pathname}${link.search}`, { key: null });
    expect(viaLink.status).toBe(410);
    expect((await json<{ error: { code: string } }>(viaLink)).error.code).toBe("expired");
    expect((await listed()).find((b) => b.id === short.id)?.status).toBe("expired");

    // A batch still within its retention keeps everything.
    expect(await objectsOf(long.id)).toBeGreaterThan(1);
    expect((await json<Status>(await api(`/v1/batches/${long.id}`))).status).toBe("completed");

    // A second cron run finds nothing more to do.
    await cronAt(Date.now() + 2 * DAY);
    expect((await json<Status>(await api(`/v1/batches/${short.id}`))).status).toBe("expired");
  });
});

describe("retention of a tenant whose key was removed", () => {
  it("expires each batch by its own alarm at its expiry, whatever API_KEYS lists", async () => {
    // A tenant no key names any more (tests run with tenant-a and tenant-b only).
    const tenant = unique("former-tenant");
    const stub = env.BATCH.get(env.BATCH.newUniqueId());
    const begun = await stub.begin({
      batchId: stub.id.toString(),
      tenant,
      options: BatchOptions.parse({ retentionDays: 1 }),
      chunkSize: 5,
    });
    if (!begun.created) throw new Error("expected a new batch");
    await stub.append(begun.token, [toIngestRow("not a url", { origins: new Set([ORIGIN]) })]);
    await stub.seal(begun.token);
    const id = stub.id.toString();
    for (let i = 0; i < 50 && (await stub.view(tenant))?.manifestKey == null; i++) await runDurableObjectAlarm(stub);
    expect((await stub.view(tenant))?.status).toBe("completed");
    expect(await objectsOf(id)).toBeGreaterThan(0);

    // A day later its results are still kept: the alarm finds the expiry not yet come.
    const shiftBack = shiftClock(DAY - 60_000);
    try {
      await runDurableObjectAlarm(stub);
      expect((await stub.view(tenant))?.status).toBe("completed");
    } finally {
      shiftBack();
    }

    // Its retention runs out: two days later.
    const shiftBackAgain = shiftClock(2 * DAY);
    try {
      await runDurableObjectAlarm(stub);
      expect((await stub.view(tenant))?.status).toBe("expired");
      expect(await objectsOf(id)).toBe(0);
      const row = await runInDurableObject(env.TENANT.getByName(tenant), async (directory) =>
        (await directory.list(10, null)).find((entry) => entry.id === id),
      );
      expect(row?.status).toBe("expired");
    } finally {
      shiftBackAgain();
    }
  });
});

describe("DELETE /v1/batches/{id}", () => {
  it("deletes the objects, the coordinator's storage and the listing entry; again is 204; another tenant gets 404", async () => {
    const created = await submit(pages(unique("delete"), 5));
    await waitForPublished(created.id);
    expect(await objectsOf(created.id)).toBeGreaterThan(1);
    const link = new URL((await json<{ url: string }>(await api(`/v1/batches/${created.id}/download`))).url);

    expect((await api(`/v1/batches/${created.id}`, { method: "DELETE", key: KEY_B })).status).toBe(404);
    expect(await objectsOf(created.id)).toBeGreaterThan(1);

    expect((await api(`/v1/batches/${created.id}`, { method: "DELETE" })).status).toBe(204);
    expect(await objectsOf(created.id)).toBe(0);
    expect((await api(`/v1/batches/${created.id}`)).status).toBe(404);
    expect((await listed()).some((b) => b.id === created.id)).toBe(false);
    // A link handed out before says the batch was deleted, not that its retention ran out.
    const viaLink = await api(`${link.pathname}${link.search}`, { key: null });
    expect(viaLink.status).toBe(410);
    expect((await json<{ error: { code: string; message: string } }>(viaLink)).error).toMatchObject({
      code: "deleted",
      message: expect.stringContaining("deleted"),
    });
    const stub = env.BATCH.get(env.BATCH.idFromString(created.id));
    const rows = await runInDurableObject(stub, (_instance, state) => ({
      urls: state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM urls").one().n,
      batch: state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM batch").one().n,
    }));
    expect(rows).toMatchObject({ urls: 0, batch: 0 });
    expect(await runInDurableObject(stub, (_instance, state) => state.storage.getAlarm())).toBeNull();

    expect((await api(`/v1/batches/${created.id}`, { method: "DELETE" })).status).toBe(204);
    expect((await api(`/v1/batches/${created.id}`, { method: "DELETE", key: KEY_B })).status).toBe(404);
  });

  it("deletes a running batch: its consumers' late parts are refused and removed, so nothing remains", async () => {
    const created = await submit(pages(unique("delete-running"), 40));
    expect((await api(`/v1/batches/${created.id}`, { method: "DELETE" })).status).toBe(204);
    const deadline = Date.now() + 15_000;
    while ((await objectsOf(created.id)) > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    // Long enough for chunks already claimed to report (and be refused).
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(await objectsOf(created.id)).toBe(0);
    expect((await api(`/v1/batches/${created.id}`)).status).toBe(404);
  });
});
