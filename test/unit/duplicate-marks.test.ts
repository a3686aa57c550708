import { describe, expect, it } from "vitest";
import { markLine, withDuplicateMarks } from "../../lib/duplicate-marks";
import type { ManifestPart } from "../../lib/schemas";

async function* blocksOf(...blocks: string[]): AsyncGenerator<string> {
  for (const b of blocks) yield b;
}

const part = (key: string, first: number, last: number): ManifestPart => ({
  key,
  first,
  last,
  records: 0,
  bytes: 0,
  sha256: "",
});

describe("withDuplicateMarks", () => {
  it("adds each mark's fields to its record line and leaves the others byte for byte", async () => {
    const lines = Array.from({ length: 8 }, (_, i) => `{"index":${i},"change":"new","url":"u${i}"}`);
    const files: Record<string, string> = {
      a: `{"index":2,"nearDuplicateOf":0,"nearDuplicateDistance":1}\n{"index":5,"nearDuplicateOf":2,"nearDuplicateDistance":0,"duplicateOf":2}\n`,
      b: `{"index":7,"nearDuplicateOf":1,"nearDuplicateDistance":3}\n`,
    };
    const out: string[] = [];
    const merged = withDuplicateMarks(
      blocksOf(`${lines.slice(0, 4).join("\n")}\n`, `${lines.slice(4).join("\n")}\n`),
      [part("b", 7, 7), part("a", 2, 5)],
      async (key) => files[key] as string,
    );
    for await (const block of merged) out.push(block);
    const records = out
      .join("")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    expect(records.map((r) => [r.index, r.nearDuplicateOf ?? null, r.duplicateOf ?? null])).toEqual([
      [0, null, null],
      [1, null, null],
      [2, 0, null],
      [3, null, null],
      [4, null, null],
      [5, 2, 2],
      [6, null, null],
      [7, 1, null],
    ]);
    // `index` and `change` still lead every line (the merge and changes filters read them unparsed).
    expect(out.join("").split("\n")[2]).toBe(
      '{"index":2,"change":"new","url":"u2","nearDuplicateOf":0,"nearDuplicateDistance":1}',
    );
  });

  it("passes over marks of records the selection left out", async () => {
    const merged = withDuplicateMarks(
      blocksOf('{"index":3,"url":"x"}\n'),
      [part("a", 1, 3)],
      async () =>
        '{"index":1,"nearDuplicateOf":0,"nearDuplicateDistance":0}\n{"index":3,"nearDuplicateOf":0,"nearDuplicateDistance":2}\n',
    );
    let text = "";
    for await (const block of merged) text += block;
    expect(JSON.parse(text.trim())).toEqual({ index: 3, url: "x", nearDuplicateOf: 0, nearDuplicateDistance: 2 });
  });

  it("joins a mark to a record line", () => {
    expect(markLine('{"index":4,"a":1}', '{"index":4,"nearDuplicateOf":1,"nearDuplicateDistance":0}')).toBe(
      '{"index":4,"a":1,"nearDuplicateOf":1,"nearDuplicateDistance":0}',
    );
  });
});
