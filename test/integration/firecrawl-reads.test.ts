// Reading a batch through the Firecrawl routes: documents in input order across pages
// (`skip` counts input positions, `limit` documents), the errors list, cancel, and the
// tenant check, on the same coordinator as Trawl's own routes.
import { beforeAll, describe, expect, it } from "vitest";
import type { FirecrawlBatchStatus } from "../support/api-types";
import { api, json, KEY_B, ORIGIN, unique } from "./helpers";

const path = (n: number) => `${ORIGIN}/pages/${n}.html`;

async function start(urls: string[]): Promise<string> {
  const response = await api("/v2/batch/scrape", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ urls }),
  });
  expect(response.status, await response.clone().text()).toBe(200);
  return (await json<{ id: string }>(response)).id;
}

async function waitForCompleted(id: string): Promise<FirecrawlBatchStatus> {
  const deadline = Date.now() + 25_000;
  for (;;) {
    const status = await json<FirecrawlBatchStatus>(await api(`/v2/batch/scrape/${id}`));
    if (status.status === "completed") return status;
    if (Date.now() > deadline) throw new Error(`not completed: ${JSON.stringify(status)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Follows `next` from `first`, relative to this Worker, collecting every document. */
async function allDocuments(first: string): Promise<{ pages: number; sources: string[] }> {
  const sources: string[] = [];
  let pages = 0;
  let url: string | undefined = first;
  while (url) {
    const next = new URL(url, "http://trawl.test");
    const page: FirecrawlBatchStatus = await json<FirecrawlBatchStatus>(await api(`${next.pathname}${next.search}`));
    sources.push(...page.data.map((d) => d.metadata.sourceURL));
    url = page.next;
    pages++;
  }
  return { pages, sources };
}

describe("Firecrawl reads", () => {
  // Positions: 0-4 pages, 5 a duplicate of 0, 6 a 404, 7 a blocked address, 8-11 pages.
  const run = unique("fc");
  const urls = [
    ...[0, 1, 2, 3, 4].map(path),
    `${path(0)}#${run}`,
    `${ORIGIN}/status/404?${run}`,
    "http://192.168.0.1/router",
    ...[5, 6, 7, 8].map(path),
  ];
  const documents = urls.filter((_, i) => i !== 5 && i !== 7);
  let id = "";

  beforeAll(async () => {
    id = await start(urls);
    await waitForCompleted(id);
  });

  it("counts every URL and ends completed", async () => {
    const status = await json<FirecrawlBatchStatus>(await api(`/v1/batch/scrape/${id}`));
    expect(status).toMatchObject({ success: true, status: "completed", total: 12, completed: 12, creditsUsed: 10 });
    // The batch's own retention date, the same as Trawl's status gives.
    const own = await json<{ expiresAt: string | null }>(await api(`/v1/batches/${id}`));
    expect(own.expiresAt).not.toBeNull();
    expect(status.expiresAt).toBe(own.expiresAt);
    expect(status.data.map((d) => d.metadata.sourceURL)).toEqual(documents);
    expect(status.next).toBeUndefined();
  });

  it("pages by `limit` documents, with `skip` counting input positions, in input order", async () => {
    const first = await json<FirecrawlBatchStatus>(await api(`/v2/batch/scrape/${id}?limit=4`));
    expect(first.data.map((d) => d.metadata.sourceURL)).toEqual(documents.slice(0, 4));
    expect(first.next).toBe(`http://trawl.test/v2/batch/scrape/${id}?skip=4&limit=4`);
    // From position 4 on: the fifth page, the duplicate left out, the 404 as a document.
    const second = await json<FirecrawlBatchStatus>(await api(`/v2/batch/scrape/${id}?skip=4&limit=2`));
    expect(second.data.map((d) => d.metadata.sourceURL)).toEqual([urls[4], urls[6]]);
    expect(second.next).toBe(`http://trawl.test/v2/batch/scrape/${id}?skip=7&limit=2`);
    const walked = await allDocuments(`/v1/crawl/${id}?limit=3`);
    expect(walked.sources).toEqual(documents);
    expect(walked.pages).toBe(4);
  });

  it("keeps a target's 404 as a document with its status and error", async () => {
    const status = await json<FirecrawlBatchStatus>(await api(`/v2/batch/scrape/${id}?skip=6&limit=1`));
    expect(status.data[0]?.metadata).toMatchObject({ statusCode: 404, error: expect.stringMatching(/^http_error: /) });
  });

  it("lists the failed and skipped URLs with their codes, under every errors path and method", async () => {
    const expected = [
      { id: "5", url: urls[5], code: "duplicate" },
      { id: "6", url: urls[6], code: "http_error" },
      { id: "7", url: urls[7], code: "blocked_address" },
    ];
    for (const [route, method] of [
      [`/v2/batch/scrape/${id}/errors`, "GET"],
      [`/v1/batch/scrape/${id}/errors`, "DELETE"],
      [`/v1/crawl/${id}/errors`, "GET"],
    ] as const) {
      const body = await json<{ errors: { id: string; url: string; code: string }[]; robotsBlocked: string[] }>(
        await api(route, { method }),
      );
      expect(
        body.errors.map(({ id, url, code }) => ({ id, url, code })),
        route,
      ).toEqual(expected);
      expect(body.robotsBlocked).toEqual([]);
    }
  });

  it("answers the cancel of a completed batch 200 as Firecrawl does; the batch stays completed", async () => {
    const response = await api(`/v2/batch/scrape/${id}`, { method: "DELETE" });
    expect(response.status).toBe(200);
    expect(await json(response)).toEqual({ success: true, status: "cancelled" });
    const after = await json<FirecrawlBatchStatus>(await api(`/v2/batch/scrape/${id}`));
    expect(after.status).toBe("completed");
    expect(after.completed).toBe(12);
  });

  it("gives a small batch whole on one page when no limit is asked (pages are cut by size)", async () => {
    const whole = await json<FirecrawlBatchStatus>(await api(`/v2/batch/scrape/${id}`));
    expect(whole.next).toBeUndefined();
    expect(whole.data).toHaveLength(10);
  });

  it("answers any unknown id with 404, a Firecrawl UUID too, on every route", async () => {
    for (const unknown of ["0".repeat(64), "3c90c3cc-0d44-4b50-8888-8dd25736052a", "nope"]) {
      for (const [route, method] of [
        [`/v2/batch/scrape/${unknown}`, "GET"],
        [`/v2/batch/scrape/${unknown}/errors`, "GET"],
        [`/v1/crawl/${unknown}`, "GET"],
        [`/v1/batch/scrape/${unknown}`, "DELETE"],
      ] as const) {
        const response = await api(route, { method });
        expect(response.status, `${method} ${route}`).toBe(404);
        expect(await json(response)).toMatchObject({ success: false, code: "not_found" });
      }
    }
  });

  it("answers another tenant's batch with 404 on every route", async () => {
    for (const [route, method] of [
      [`/v2/batch/scrape/${id}`, "GET"],
      [`/v2/batch/scrape/${id}/errors`, "GET"],
      [`/v1/crawl/${id}`, "DELETE"],
    ] as const) {
      const response = await api(route, { method, key: KEY_B });
      expect(response.status, route).toBe(404);
    }
  });

  it("shows a batch started through Firecrawl's routes in Trawl's own, with the same counts", async () => {
    const trawl = await json<{ counts: Record<string, number> }>(await api(`/v1/batches/${id}`));
    expect(trawl.counts).toEqual({ total: 12, pending: 0, succeeded: 9, failed: 1, skipped: 2 });
  });
});
