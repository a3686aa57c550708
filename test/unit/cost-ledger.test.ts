// The cost ledger's model: adding counts, the price table and its override, the estimate.
import { describe, expect, it } from "vitest";
import {
  addCounts,
  CostCounts,
  costView,
  DEFAULT_PRICES,
  emptyCounts,
  estimateUsd,
  isEmptyCounts,
  priceTableFrom,
} from "../../lib/cost-ledger";

describe("cost counts", () => {
  it("adds counter by counter and treats missing counters as zero", () => {
    const sum = addCounts(addCounts(emptyCounts(), { fetches: 3, r2ClassA: 1 }), { fetches: 2, doRequests: 4 });
    expect(sum).toEqual({ ...emptyCounts(), fetches: 5, r2ClassA: 1, doRequests: 4 });
    expect(isEmptyCounts(emptyCounts())).toBe(true);
    expect(isEmptyCounts({ retries: 1 })).toBe(false);
  });

  it("parses stored counts from before a counter existed", () => {
    expect(CostCounts.parse({ fetches: 2 })).toEqual({ ...emptyCounts(), fetches: 2 });
  });
});

describe("the estimate", () => {
  it("prices each operation at its published unit price", () => {
    const million = (field: keyof CostCounts) => ({ ...emptyCounts(), [field]: 1_000_000 });
    expect(estimateUsd(million("doRequests"), DEFAULT_PRICES, 30)).toBe(0.15);
    expect(estimateUsd(million("sqliteRowsWritten"), DEFAULT_PRICES, 30)).toBe(1);
    // A delivered message is written, read and deleted: three operations.
    expect(estimateUsd(million("queueMessages"), DEFAULT_PRICES, 30)).toBe(1.2);
    expect(estimateUsd(million("r2ClassA"), DEFAULT_PRICES, 30)).toBe(4.5);
    expect(estimateUsd(million("r2ClassB"), DEFAULT_PRICES, 30)).toBe(0.36);
    // Subrequests, bytes fetched, webhook deliveries and retries cost nothing by themselves.
    for (const free of ["fetches", "bytesFetched", "webhookDeliveries", "retries"] as const) {
      expect(estimateUsd(million(free), DEFAULT_PRICES, 30)).toBe(0);
    }
  });

  it("prices the bytes stored for the batch's retention", () => {
    const tenGb = { ...emptyCounts(), r2BytesStored: 10e9 };
    expect(estimateUsd(tenGb, DEFAULT_PRICES, 30)).toBe(0.15);
    expect(estimateUsd(tenGb, DEFAULT_PRICES, 15)).toBe(0.075);
  });

  it("matches docs/scaling.md's per-page model for a 10,000-page catalog crawl", () => {
    // 5.4 rows, 0.16 DO requests, 0.04 messages and 0.04 Class A per page, 10 KB a record.
    const pages = 10_000;
    const counts = {
      ...emptyCounts(),
      sqliteRowsWritten: 5.4 * pages,
      doRequests: 0.16 * pages,
      queueMessages: 0.04 * pages,
      r2ClassA: 0.04 * pages,
      r2BytesStored: 10_000 * pages,
    };
    // 0.054 + 0.00024 + 0.00048 + 0.0018 + 0.0015 = $0.05802
    expect(estimateUsd(counts, DEFAULT_PRICES, 30)).toBeCloseTo(0.05802, 6);
  });

  it("shows the counts with the estimate and the date of the prices", () => {
    const view = costView({ ...emptyCounts(), r2ClassA: 2_000_000 }, DEFAULT_PRICES, 30);
    expect(view).toEqual({
      counts: { ...emptyCounts(), r2ClassA: 2_000_000 },
      estimatedUsd: 9,
      priceTableDate: DEFAULT_PRICES.date,
    });
  });
});

describe("the price table", () => {
  it("is the published one, dated, when COST_PRICES is empty", () => {
    expect(priceTableFrom("")).toBe(DEFAULT_PRICES);
    expect(priceTableFrom(undefined)).toBe(DEFAULT_PRICES);
    expect(DEFAULT_PRICES.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it("lays the fields COST_PRICES names over the published ones", () => {
    const prices = priceTableFrom('{"date": "2027-01-01", "r2ClassAPerMillion": 9, "fetchPerMillion": 0.5}');
    expect(prices).toMatchObject({ date: "2027-01-01", r2ClassAPerMillion: 9, fetchPerMillion: 0.5 });
    expect(prices.doRequestPerMillion).toBe(DEFAULT_PRICES.doRequestPerMillion);
    expect(estimateUsd({ ...emptyCounts(), fetches: 2_000_000 }, prices, 30)).toBe(1);
  });

  it("refuses a COST_PRICES that is not JSON, names an unknown field or a negative price", () => {
    expect(() => priceTableFrom("{oops")).toThrow(/not JSON/);
    expect(() => priceTableFrom('{"r2ClassAPerMilion": 1}')).toThrow(/COST_PRICES/);
    expect(() => priceTableFrom('{"r2ClassAPerMillion": -1}')).toThrow(/r2ClassAPerMillion/);
  });
});
