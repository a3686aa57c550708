import { env } from "cloudflare:workers";
import { describe, expect, inject, it } from "vitest";
import { DocumentBudget } from "../../../fetch/document-budget";
import { fetchAndExtract } from "../../../fetch/fetch-and-extract";
import { fetchLimitsFrom } from "../../../fetch/fetcher";
import { BatchOptions } from "../../../lib/schemas";
import { readSettings } from "../../../lib/settings";

const origin = inject("originUrl");
const entry = (url: string) => ({ index: 0, id: null, url, key: url, attempts: 0 });
const limits = fetchLimitsFrom(readSettings(env));
const options = BatchOptions.parse({});

describe("the documents' budget of one queue delivery", () => {
  it("puts a document back, uncounted, once the delivery's documents have had their time; pages still go through", async () => {
    const spent = new DocumentBudget(1000);
    spent.spend(1000);
    const pdf = await fetchAndExtract(
      entry(`${origin}/docs/text.pdf?budget=spent`),
      options,
      limits,
      null,
      undefined,
      spent,
    );
    expect(pdf).toEqual({ kind: "retry", afterSeconds: 0, fetched: false, rateLimited: false });
    const page = await fetchAndExtract(
      entry(`${origin}/pages/7.html?budget=spent`),
      options,
      limits,
      null,
      undefined,
      spent,
    );
    expect(page.kind === "terminal" && page.record.status).toBe("succeeded");
  });

  it("lets the first document of a delivery through and counts its time", async () => {
    const fresh = new DocumentBudget(60_000);
    const pdf = await fetchAndExtract(
      entry(`${origin}/docs/text.pdf?budget=fresh`),
      options,
      limits,
      null,
      undefined,
      fresh,
    );
    expect(pdf.kind === "terminal" && pdf.record).toMatchObject({ status: "succeeded", pageCount: 3 });
    const tight = new DocumentBudget(0);
    expect(tight.allows()).toBe(false);
    const zero = new DocumentBudget(1);
    expect(zero.allows()).toBe(true);
    zero.spend(1);
    expect(zero.allows()).toBe(false);
  });

  it("reads one document at a time, and gives null to one whose turn comes after the budget is spent", async () => {
    const budget = new DocumentBudget(60_000);
    const log: string[] = [];
    const slow = (name: string) => async () => {
      log.push(`${name} start`);
      await new Promise((resolve) => setTimeout(resolve, 20));
      log.push(`${name} end`);
      return name;
    };
    expect(await Promise.all([budget.read(slow("a")), budget.read(slow("b"))])).toEqual(["a", "b"]);
    expect(log).toEqual(["a start", "a end", "b start", "b end"]);
    const small = new DocumentBudget(5);
    const both = await Promise.all([small.read(slow("c")), small.read(slow("d"))]);
    expect(both).toEqual(["c", null]);
  });

  it("ends document failures on their first attempt, never as a retry", async () => {
    const cases = [
      ["scanned.pdf", "document_no_text"],
      ["issue3371.pdf", "document_encrypted"],
      ["broken.pdf", "document_malformed"],
      ["huge.pdf", "too_large"],
      ["xml-bomb.docx", "document_too_complex"],
    ] as const;
    for (const [name, code] of cases) {
      const outcome = await fetchAndExtract(entry(`${origin}/docs/${name}?budget=final`), options, limits, null);
      expect(outcome.kind === "terminal" && outcome.record, name).toMatchObject({
        status: "failed",
        error: { code },
        attempts: 1,
      });
    }
  });

  it("applies the batch's maxPages under the deployment's DOCUMENT_MAX_PAGES", async () => {
    const capped = BatchOptions.parse({ maxPages: 3 });
    const long = await fetchAndExtract(entry(`${origin}/docs/long.pdf?budget=pages`), capped, limits, null);
    expect(long.kind === "terminal" && long.record).toMatchObject({ truncated: true, pageCount: 12 });
    expect(long.kind === "terminal" && long.record.markdown?.match(/<!-- page \d+ -->/g)).toHaveLength(3);
    const tight = { ...limits, documents: limits.documents && { ...limits.documents, maxPages: 2 } };
    const wider = BatchOptions.parse({ maxPages: 10 });
    const underCap = await fetchAndExtract(entry(`${origin}/docs/long.pdf?budget=cap`), wider, tight, null);
    expect(underCap.kind === "terminal" && underCap.record.markdown?.match(/<!-- page \d+ -->/g)).toHaveLength(2);
  });
});
