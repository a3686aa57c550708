// Validation and quarantine through the real pipeline: pages that break a batch's
// rules end `failed` with `validation_failed` naming the rule, keep their content,
// show under /errors?code=validation_failed, and every count still adds up.
import { describe, expect, it } from "vitest";
import type { ErrorsPage } from "../support/api-types";
import { api, download, expectViewsAgree, json, ORIGIN, submit, unique, waitForPublished } from "./helpers";

type ErrorEntry = ErrorsPage["errors"][number];

const pages = (run: string, n: number) => Array.from({ length: n }, (_, i) => `${ORIGIN}/pages/${i}.html?run=${run}`);

describe("validation and quarantine", () => {
  it("quarantines pages under minWords with their content kept, listed by /errors?code=validation_failed", async () => {
    const run = unique("quarantine");
    const created = await submit([...pages(run, 5), `${ORIGIN}/status/404?run=${run}`], {
      validate: { minWords: 5000 },
    });
    await waitForPublished(created.id);
    const states = await expectViewsAgree(created.id);
    expect([...states.values()]).toEqual(["failed", "failed", "failed", "failed", "failed", "failed"]);

    const records = await download(created.id);
    for (const record of records.slice(0, 5)) {
      expect(record.error).toMatchObject({
        code: "validation_failed",
        message: expect.stringMatching(/^minWords: \d+ words, at least 5000 required$/),
      });
      expect(record.markdown).toMatch(/Paragraph 1 of article \d\./);
      expect(record.title).toMatch(/^Article \d$/);
      expect(record.httpStatus).toBe(200);
    }
    // The 404 is not a validation failure: rules only judge pages that were fetched and extracted.
    expect(records[5]?.error).toMatchObject({ code: "http_error" });

    const quarantined = await json<{ errors: ErrorEntry[] }>(
      await api(`/v1/batches/${created.id}/errors?code=validation_failed`),
    );
    expect(quarantined.errors.map((e) => e.index)).toEqual([0, 1, 2, 3, 4]);
    expect(quarantined.errors.every((e) => e.status === "failed")).toBe(true);
  });

  it("names the selector a page lacks, and lets pages that meet every rule succeed", async () => {
    const missing = await submit(pages(unique("selectors"), 3), {
      validate: { requireSelectors: ["article h1", "div.price"] },
    });
    const passing = await submit(pages(unique("passing"), 3), {
      validate: { requireTitle: true, minWords: 20, requireSelectors: ["article h1", "main"] },
    });
    await waitForPublished(missing.id);
    const done = await waitForPublished(passing.id);
    expect(done.counts).toMatchObject({ total: 3, succeeded: 3, failed: 0 });
    const records = await download(missing.id);
    expect(records.map((r) => (r.error as { message: string } | null)?.message)).toEqual(
      Array(3).fill('requireSelectors: nothing matches "div.price"'),
    );
  });

  it("refuses a rule that cannot be checked at submission, naming the field", async () => {
    const response = await api("/v1/batches", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        urls: [`${ORIGIN}/pages/1.html`],
        options: { validate: { requireSelectors: ["div >>> p"] } },
      }),
    });
    expect(response.status).toBe(400);
    const body = await json<{ error: { details: { field: string }[] } }>(response);
    expect(body.error.details[0]?.field).toBe("options.validate.requireSelectors[0]");
  });
});
