import { describe, expect, it } from "vitest";
import { CsvRecords, csvToNdjson } from "../../../cli/csv-list";

async function lines(chunks: string[]): Promise<string[]> {
  const out: string[] = [];
  async function* source() {
    yield* chunks;
  }
  for await (const line of csvToNdjson(source())) out.push(line.trim());
  return out;
}

describe("CSV URL lists", () => {
  it("takes the url column (and id) by the header, whatever the column order", async () => {
    expect(
      await lines(["title,URL,id\r\nKettle,https://a.example/1,k1\r\n", "Toaster,https://a.example/2,\n"]),
    ).toEqual(['{"url":"https://a.example/1","id":"k1"}', '"https://a.example/2"']);
  });

  it("reads quoted fields with commas, quotes and newlines, split across chunks", async () => {
    const records = new CsvRecords();
    expect(records.push('a,"b, ""c""\nd",e\nf')).toEqual([["a", 'b, "c"\nd', "e"]]);
    expect(records.end()).toEqual([["f"]]);
    expect(await lines(['"url"\n"https://a.example/', 'x?y=1,2"\n'])).toEqual(['"https://a.example/x?y=1,2"']);
  });

  it("refuses a header without a url column, naming what it found", async () => {
    await expect(lines(["link,id\nhttps://a.example/,1\n"])).rejects.toThrow(
      "CSV header has no `url` column (found: link, id)",
    );
  });
});
