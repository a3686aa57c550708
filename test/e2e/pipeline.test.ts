// End to end, as a client would use Trawl: `wrangler dev` and a local origin server,
// nothing but the public HTTP API in between.
import { describe, expect, it } from "vitest";
import { serviceForFile } from "./service";

const service = serviceForFile();

describe("wrangler dev, end to end", () => {
  it("runs 1,000 URLs (50 duplicates, 20 invalid, 30 not found) to exact counts and one record per URL", async () => {
    const urls: string[] = [];
    for (let n = 0; n < 900; n++) urls.push(`${service.origin.url}/pages/${n}.html`);
    for (let n = 0; n < 30; n++) urls.push(`${service.origin.url}/status/404?n=${n}`);
    for (let n = 0; n < 50; n++) urls.push(`${service.origin.url}/pages/${n * 7}.html#again`);
    for (let n = 0; n < 20; n++) urls.push(n % 2 ? `mailto:someone${n}@example.com` : `http://[not-an-ip-${n}]/`);
    // Interleave so duplicates, failures and invalid entries sit between good pages.
    const shuffled = urls.map((url, i) => ({ url, key: (i * 7919) % urls.length })).sort((a, b) => a.key - b.key);
    const input = shuffled.map((s) => s.url);

    const created = await service.client.submit({ urls: input }, "e2e-thousand");
    expect(created.status).toBe(202);
    expect(created.body).toMatchObject({ accepted: 930, duplicates: 50, invalid: { count: 20 } });

    const again = await service.client.submit({ urls: input }, "e2e-thousand");
    expect(again.body.id).toBe(created.body.id);
    expect(again.body.replayed).toBe(true);

    const done = await service.client.waitForPublished(created.body.id);
    expect(done.status).toBe("completed");
    expect(done.counts).toEqual({ total: 1000, pending: 0, succeeded: 900, failed: 30, skipped: 70 });

    const manifest = (await (await service.client.request(`/v1/batches/${created.body.id}/manifest`)).json()) as {
      totals: Record<string, number>;
      parts: { records: number }[];
    };
    expect(manifest.totals).toEqual({ total: 1000, succeeded: 900, failed: 30, skipped: 70 });
    expect(manifest.parts.reduce((sum, part) => sum + part.records, 0)).toBe(1000);

    const records = await service.client.downloadAll(created.body.id);
    expect(records).toHaveLength(1000);
    expect(records.map((r) => r.index)).toEqual(input.map((_, i) => i));
    expect(records.map((r) => r.url)).toEqual(input);
    const byStatus = (status: string) => records.filter((r) => r.status === status).length;
    expect([byStatus("succeeded"), byStatus("failed"), byStatus("skipped")]).toEqual([900, 30, 70]);
    expect(records.filter((r) => r.error?.code === "duplicate")).toHaveLength(50);
    expect(records.filter((r) => r.error?.code === "invalid_url")).toHaveLength(20);
    expect(records.filter((r) => r.httpStatus === 404)).toHaveLength(30);

    // Nothing fetched twice: one request per distinct page (robots.txt aside).
    const pages = service.origin.requests.filter((r) => r.path !== "/robots.txt");
    expect(pages).toHaveLength(930);
    expect(new Set(pages.map((r) => r.path)).size).toBe(930);
  });
});
