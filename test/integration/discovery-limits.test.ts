// A hostile sitemap (80,000 nested elements, the probe) ends its source with a
// closed code and leaves the service answering: the reader stops at the depth cap and
// yields to the event loop between slices of the document.
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { DiscoveryStatus } from "../../lib/discovery";
import { api, type BatchBody, download, expectViewsAgree, json, ORIGIN, unique, waitForPublished } from "./helpers";

/** How many /health requests were answered while `work` ran, polled back to back. */
async function healthAnsweredDuring(work: Promise<unknown>): Promise<number> {
  let done = false;
  void work.finally(() => {
    done = true;
  });
  let answered = 0;
  while (!done) {
    const response = await exports.default.fetch(new Request("http://trawl.test/health"));
    expect(response.status).toBe(200);
    answered++;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return answered;
}

describe("discovery limits", () => {
  it("ends a sitemap nested 80,000 deep as too_complex, keeps the pages before it, and /health keeps answering", async () => {
    const t = unique("nested");
    const response = await api("/v1/batches", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        sources: [{ sitemap: `${ORIGIN}/sitemap/nested.xml?n=3&start=1&t=${t}&depth=80000` }],
      }),
    });
    expect(response.status, await response.clone().text()).toBe(202);
    const { id } = await json<BatchBody>(response);
    const answered = await healthAnsweredDuring(waitForPublished(id));
    const batch = await json<BatchBody & { discovery: DiscoveryStatus }>(await api(`/v1/batches/${id}`));
    expect(batch.discovery.sources).toEqual({ pending: 0, done: 0, failed: 1 });
    expect(batch.discovery.errors.map((e) => [e.code, e.message])).toEqual([
      ["too_complex", "XML elements nested more than 64 deep"],
    ]);
    expect(batch.counts).toMatchObject({ total: 3, succeeded: 3 });
    expect((await download(id)).map((r) => r.url)).toEqual([1, 2, 3].map((n) => `${ORIGIN}/pages/${n}.html?t=${t}`));
    await expectViewsAgree(id);
    // The service answered throughout (no wall-clock bound: the cap, tested in
    // sitemap-parser.test.ts, is what keeps one read short).
    expect(answered).toBeGreaterThan(0);
  });
});
