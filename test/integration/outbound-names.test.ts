// SSRF through names: a host name that this machine resolves to loopback (a hosts-file
// name) is refused on every fetch path under local workerd, where nothing checks the
// address a name resolves to: pages, redirect hops, sitemap sources, the single scrape
// and webhooks. Before the outbound gate, the page came back in the results.
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, inject, it } from "vitest";
import type { DiscoveryStatus } from "../../lib/discovery";
import worker from "../../workers/index";
import {
  api,
  type BatchBody,
  download,
  expectViewsAgree,
  json,
  ORIGIN,
  originRequests,
  submit,
  unique,
  waitForPublished,
} from "./helpers";

/** The test origin, reached through a name instead of its allowed IP literal. */
const named = (path: string) => `http://${inject("loopbackName")}:${new URL(ORIGIN).port}${path}`;

/** Paths of this run the origin answered, other than the allowed redirect that names the target. */
async function requestedPaths(run: string): Promise<string[]> {
  return (await originRequests())
    .map((r) => r.path)
    .filter((path) => path.includes(run) && !path.startsWith("/fault/redirect-to/"));
}

describe("host names under local workerd", () => {
  it("refuses a page and a redirect hop to a name that resolves to loopback, without a request", async () => {
    const run = unique("ssrf-name");
    const redirect = `${ORIGIN}/fault/redirect-to/${encodeURIComponent(named(`/pages/2.html?run=${run}`))}`;
    const created = await submit([named(`/pages/1.html?run=${run}`), redirect]);
    await waitForPublished(created.id);
    const records = await download(created.id);
    expect(records.map((r) => [r.status, (r.error as { code: string } | null)?.code])).toEqual([
      ["failed", "blocked_address"],
      ["failed", "blocked_address"],
    ]);
    expect(await requestedPaths(run)).toEqual([]);
    await expectViewsAgree(created.id);
  });

  it("refuses a sitemap source and a robots.txt source on such a name", async () => {
    const run = unique("ssrf-sitemap");
    const response = await api("/v1/batches", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        sources: [{ sitemap: named(`/sitemap/urls.xml?n=3&t=${run}`) }, { robots: named("/") }],
      }),
    });
    expect(response.status, await response.clone().text()).toBe(202);
    const { id } = await json<BatchBody>(response);
    const done = await waitForPublished(id);
    const status = await json<{ discovery: DiscoveryStatus }>(await api(`/v1/batches/${done.id}`));
    expect(status.discovery.sources).toMatchObject({ failed: 2, done: 0 });
    expect(status.discovery.errors.map((e) => e.code)).toEqual(["blocked_address", "blocked_address"]);
    expect(await requestedPaths(run)).toEqual([]);
  });

  it.each(["/v1/scrape", "/v2/scrape"])("refuses it in %s with 403 blocked_address", async (path) => {
    const run = unique("ssrf-scrape");
    const response = await api(path, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ url: named(`/pages/3.html?run=${run}`) }),
    });
    expect(response.status, await response.clone().text()).toBe(403);
    expect(await response.text()).toContain("blocked_address");
    expect(await requestedPaths(run)).toEqual([]);
  });

  it("never POSTs a webhook to it", async () => {
    const name = unique("ssrf-hook");
    const created = await submit([`${ORIGIN}/pages/1.html?run=${name}`]);
    await waitForPublished(created.id);
    const batch = createMessageBatch<unknown>("trawl-webhooks", [
      {
        id: "n1",
        timestamp: new Date(),
        attempts: 1,
        body: {
          batchId: created.id,
          tenant: "tenant-a",
          eventId: `evt_${name}`,
          type: "batch.completed",
          url: named(`/hooks/${name}`),
          headers: {},
          body: "{}",
        },
      },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks).toEqual(["n1"]);
    const hooks = (await (await fetch(`${ORIGIN}/__hooks/${name}`)).json()) as unknown[];
    expect(hooks).toEqual([]);
    const log = await json<{ deliveries: { statusCode: number | null; error: string }[] }>(
      await api(`/v1/batches/${created.id}/webhooks`),
    );
    expect(log.deliveries.map((d) => [d.statusCode, d.error.split(":")[0]])).toEqual([[null, "blocked_address"]]);
  });
});
