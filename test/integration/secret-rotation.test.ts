// Rotating secrets without a gap: download links signed with the previous
// SIGNING_SECRET still verify while SIGNING_SECRET_PREVIOUS names it, and a tenant that
// rotates its webhook secret gets deliveries its receiver verifies with either secret.
import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { verifyWebhook } from "../../lib/webhooks";
import worker from "../../workers/index";
import type { SecretView } from "../support/api-types";
import type { ReceivedHook } from "../support/webhook-receiver";
import { api, json, KEY_A, KEY_B, ORIGIN, submit, unique, waitForPublished } from "./helpers";

/** The Worker under other settings (a deployment mid-rotation). */
async function fetchWith(vars: Record<string, string>, path: string): Promise<Response> {
  return await worker.fetch(
    new Request(`http://trawl.test${path}`, { headers: { authorization: `Bearer ${KEY_A}` } }),
    { ...env, ...vars } as unknown as Env,
    createExecutionContext(),
  );
}

describe("rotating SIGNING_SECRET", () => {
  it("keeps links signed with the previous secret valid while SIGNING_SECRET_PREVIOUS names it, and only then", async () => {
    const created = await submit([`${ORIGIN}/pages/1.html?run=${unique("rotate-link")}`]);
    await waitForPublished(created.id);
    const link = new URL((await json<{ url: string }>(await api(`/v1/batches/${created.id}/download`))).url);
    const path = `${link.pathname}${link.search}`;

    const rotated = { SIGNING_SECRET: "the-next-secret", SIGNING_SECRET_PREVIOUS: env.SIGNING_SECRET };
    expect((await fetchWith(rotated, path)).status).toBe(200);
    expect((await fetchWith({ SIGNING_SECRET: "the-next-secret" }, path)).status).toBe(403);
    // New links are signed with the new secret.
    const fresh = new URL(
      (await json<{ url: string }>(await fetchWith(rotated, `/v1/batches/${created.id}/download`))).url,
    );
    expect((await fetchWith({ SIGNING_SECRET: "the-next-secret" }, `${fresh.pathname}${fresh.search}`)).status).toBe(
      200,
    );
  });
});

describe("rotating a tenant's webhook secret", () => {
  it("gives a new secret, signs deliveries with both during the overlap, and leaves other tenants alone", async () => {
    const before = await json<SecretView>(await api("/v1/webhook-secret"));
    const otherBefore = await json<SecretView>(await api("/v1/webhook-secret", { key: KEY_B }));
    const response = await api("/v1/webhook-secret/rotate", { method: "POST" });
    expect(response.status, await response.clone().text()).toBe(200);
    const after = await json<SecretView>(response);
    expect(after.secret).not.toBe(before.secret);
    expect(after.previous?.secret).toBe(before.secret);
    expect(Date.parse(after.previous?.validUntil ?? "")).toBeGreaterThan(Date.now());
    expect(await json<SecretView>(await api("/v1/webhook-secret"))).toEqual(after);
    expect((await json<SecretView>(await api("/v1/webhook-secret", { key: KEY_B }))).secret).toBe(otherBefore.secret);

    const name = unique("rotated-hook");
    const created = await submit([`${ORIGIN}/pages/1.html?run=${name}`], {
      webhook: { url: `${ORIGIN}/hooks/${name}`, events: ["batch.completed"] },
    });
    await waitForPublished(created.id);
    let hooks: ReceivedHook[] = [];
    for (let i = 0; i < 100 && hooks.length === 0; i++) {
      hooks = (await (await fetch(`${ORIGIN}/__hooks/${name}`)).json()) as ReceivedHook[];
      if (hooks.length === 0) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const hook = hooks[0];
    if (!hook) throw new Error("no delivery");
    const now = Math.floor(Date.now() / 1000);
    const signature = hook.headers["x-trawl-signature"] ?? "";
    expect(await verifyWebhook(after.secret, signature, hook.body, now)).toBe(true);
    expect(await verifyWebhook(before.secret, signature, hook.body, now)).toBe(true);
    expect(await verifyWebhook(otherBefore.secret, signature, hook.body, now)).toBe(false);
  });
});
