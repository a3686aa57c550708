// The whole pipeline inside workerd: API → coordinator → real local queue → consumer →
// R2 → manifest → signed download, fetching from a real local origin server.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { r2Keys } from "../../lib/r2-keys";
import { Manifest } from "../../lib/schemas";
import { api, download, json, ORIGIN, originRequests, submit, unique, waitForPublished } from "./helpers";

describe("a batch from submission to download", () => {
  it("ends every URL in exactly one terminal state and downloads one record per URL in input order", async () => {
    const run = unique("run");
    const page = (n: number) => `${ORIGIN}/pages/${n}.html?run=${run}`;
    const urls: unknown[] = [];
    for (let n = 0; n < 40; n++) urls.push(n % 10 === 3 ? { url: page(n), id: `caller-${n}` } : page(n));
    urls.push(page(1), `${page(2)}#fragment`); // duplicates once normalised
    urls.push("not a url", "ftp://example.com/file", "http://169.254.169.254/latest/meta-data/");
    urls.push(`${ORIGIN}/status/404?run=${run}`, `${ORIGIN}/status/410?run=${run}`);

    const created = await submit(urls);
    expect(created.accepted).toBe(42);
    expect(created.duplicates).toBe(2);
    expect(created.invalid?.count).toBe(3);
    expect(created.invalid?.samples.map((s) => s.code)).toEqual(["invalid_url", "invalid_url", "blocked_address"]);

    const done = await waitForPublished(created.id);
    expect(done.status).toBe("completed");
    expect(done.counts).toEqual({ total: 47, pending: 0, succeeded: 40, failed: 2, skipped: 5 });

    const manifest = Manifest.parse(await (await api(`/v1/batches/${created.id}/manifest`)).json());
    expect(manifest.totals).toEqual({ total: 47, succeeded: 40, failed: 2, skipped: 5 });
    expect(manifest.parts.reduce((sum, p) => sum + p.records, 0)).toBe(47);
    for (const part of manifest.parts) {
      const object = await env.RESULTS.get(part.key);
      expect(object?.size).toBe(part.bytes);
    }

    const records = await download(created.id);
    expect(records.map((r) => r.index)).toEqual(urls.map((_, i) => i));
    expect(records.map((r) => r.url)).toEqual(
      urls.map((u) => (typeof u === "string" ? u : (u as { url: string }).url)),
    );
    expect(records[3]?.id).toBe("caller-3");
    // The article's text, titled in `title` (its heading repeats the title, so the Markdown drops it).
    expect(records[0]).toMatchObject({ title: "Article 0" });
    expect(records[0]?.markdown).toContain("Paragraph 1 of article 0.");
    expect(records[0]?.markdown).not.toContain("cookies");
    expect(records[40]).toMatchObject({ status: "skipped", error: { code: "duplicate" } });
    expect(records[45]).toMatchObject({ status: "failed", httpStatus: 404, error: { code: "http_error" } });

    // Each distinct page was fetched exactly once, duplicates included.
    const fetched = (await originRequests()).filter((r) => r.path.includes(run));
    expect(fetched).toHaveLength(42);
    expect(new Set(fetched.map((r) => r.path)).size).toBe(42);
    expect(fetched[0]?.userAgent).toMatch(/^TrawlBot\//);
  });

  it("marks results partial while running and pages final ones in input order", async () => {
    const run = unique("partial");
    const urls = Array.from({ length: 12 }, (_, n) => `${ORIGIN}/pages/${n}.html?run=${run}`);
    const created = await submit(urls);
    // Queue deliveries wait up to a second to fill a batch: nothing is published yet.
    const early = await json<{ partial: boolean }>(await api(`/v1/batches/${created.id}/results`));
    expect(early.partial).toBe(true);
    await waitForPublished(created.id);
    const first = await json<{ partial: boolean; records: { index: number }[]; nextCursor: string }>(
      await api(`/v1/batches/${created.id}/results?limit=5`),
    );
    expect(first.partial).toBe(false);
    expect(first.records.map((r) => r.index)).toEqual([0, 1, 2, 3, 4]);
    const second = await json<{ records: { index: number }[] }>(
      await api(`/v1/batches/${created.id}/results?limit=5&cursor=${first.nextCursor}`),
    );
    expect(second.records.map((r) => r.index)).toEqual([5, 6, 7, 8, 9]);
  });

  it("records failures with their codes: redirect loops, private redirect hops, a broken PDF", async () => {
    const run = unique("faults");
    const urls = [
      `${ORIGIN}/fault/redirect-loop?run=${run}`,
      `${ORIGIN}/fault/redirect-to/${encodeURIComponent("http://127.0.0.2/secret")}?run=${run}`,
      `${ORIGIN}/fault/redirect-to/${encodeURIComponent("file:///etc/passwd")}?run=${run}`,
      `${ORIGIN}/fault/pdf?run=${run}`,
    ];
    const created = await submit(urls);
    await waitForPublished(created.id);
    const errors = await json<{ errors: { index: number; code: string }[] }>(
      await api(`/v1/batches/${created.id}/errors`),
    );
    expect(errors.errors.map((e) => e.code)).toEqual([
      "too_many_redirects",
      "blocked_address",
      "invalid_url",
      "document_malformed",
    ]);
  });

  it("retries a page that fails twice and then succeeds", async () => {
    const created = await submit([`${ORIGIN}/fault/flaky/${unique("flaky")}`], { maxAttempts: 3 });
    const done = await waitForPublished(created.id, undefined, 29_000);
    expect(done.counts.succeeded).toBe(1);
    const [record] = await download(created.id);
    expect(record).toMatchObject({ status: "succeeded", attempts: 3, title: "Recovered" });
  });

  it("cancels a batch: what was not fetched ends skipped with code cancelled, and a manifest is still published", async () => {
    const run = unique("cancel");
    const urls = Array.from({ length: 60 }, (_, n) => `${ORIGIN}/pages/${n}.html?run=${run}`);
    const created = await submit(urls);
    const cancelled = await api(`/v1/batches/${created.id}/cancel`, { method: "POST" });
    expect(cancelled.status).toBe(200);
    const done = await waitForPublished(created.id);
    expect(done.status).toBe("cancelled");
    const { total, succeeded, failed, skipped } = done.counts;
    expect(succeeded + failed + skipped).toBe(total);
    expect(skipped).toBeGreaterThan(0);
    const records = await download(created.id);
    expect(records).toHaveLength(60);
    expect(records.filter((r) => (r.error as { code?: string } | null)?.code === "cancelled")).toHaveLength(skipped);
    const manifest = await env.RESULTS.head(r2Keys.manifest(created.id));
    expect(manifest).not.toBeNull();
  });
});
