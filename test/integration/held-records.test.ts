// Records as large as records get, more of them in a delivery than an isolate holds
// (fetch/held-records.ts): the URLs past the limit go back to the queue unfetched, and a
// later delivery takes them. Nothing is lost and nothing is fetched twice.
import { describe, expect, it } from "vitest";
import { download, expectViewsAgree, ORIGIN, originRequests, submit, unique, waitForPublished } from "./helpers";

describe("records held until their part", () => {
  it("sends back what does not fit and fetches every URL once", { timeout: 180_000 }, async () => {
    const run = unique("held");
    const urls = Array.from({ length: 8 }, (_, i) => `${ORIGIN}/worst/text/${run}/${i}`);
    const created = await submit(urls);
    const done = await waitForPublished(created.id, undefined, 170_000);
    expect(done.counts).toMatchObject({ total: 8, pending: 0, succeeded: 8, failed: 0, skipped: 0 });
    const records = await download(created.id);
    expect(records.map((r) => r.url)).toEqual(urls);
    for (const record of records) expect(String(record.markdown ?? "").length).toBeGreaterThan(1_000_000);
    await expectViewsAgree(created.id);
    // Each URL reached the origin once: those sent back were sent back before their fetch.
    const asked = (await originRequests(ORIGIN)).filter((r) => r.path.includes(run)).map((r) => r.path);
    expect(asked.sort()).toEqual(urls.map((url) => new URL(url).pathname).sort());
    // Two chunks of five (CHUNK_SIZE in vitest.config.ts) hold at most three such records
    // each at a time, so chunks went back to the queue: more messages than chunks.
    expect(done.cost.counts.queueMessages).toBeGreaterThan(2);
  });
});
