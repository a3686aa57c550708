import { describe, expect, it } from "vitest";
import { ndjsonToParquet } from "../../lib/parquet-export";
import { unfetchedRecord } from "../../lib/result-parts";
import type { ResultRecord } from "../../lib/schemas";
import { expectedRow, readParquet } from "../support/parquet-rows";

const base = unfetchedRecord(
  { index: 0, id: null, url: "https://shop.example/p", attempts: 1 },
  "failed",
  "http_error",
  "",
);

async function* lines(records: ResultRecord[]): AsyncGenerator<string> {
  yield `${records.map((r) => JSON.stringify(r)).join("\n")}\n`;
}

describe("Parquet export", () => {
  it("gives a product's structured data and the needs-rendering flag typed columns, null when absent", async () => {
    const records: ResultRecord[] = [
      {
        ...base,
        structured: {
          name: "Kettle",
          price: 39.9,
          currency: "USD",
          availability: "InStock",
          sku: "K-1",
          brand: "Steelworks",
          rating: 4.5,
          ratingCount: 12,
        },
        needsRendering: true,
      },
      { ...base, index: 1 },
    ];
    const rows = await readParquet(await new Response(ndjsonToParquet(lines(records))).arrayBuffer());
    expect(rows).toEqual(records.map(expectedRow));
    expect(rows[0]).toMatchObject({ price: 39.9, rating_count: 12, needs_rendering: true, product_name: "Kettle" });
    expect(rows[1]).toMatchObject({ price: null, needs_rendering: null, product_name: null });
  });
});
