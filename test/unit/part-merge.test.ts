import { describe, expect, it } from "vitest";
import { mergeParts } from "../../lib/part-merge";
import { indexOfLine } from "../../lib/result-parts";

const line = (index: number) => `{"index":${index},"status":"succeeded"}`;
const text = (indices: number[]) => indices.map((i) => `${line(i)}\n`).join("");

async function merged(parts: Record<string, number[]>): Promise<{ order: number[]; reads: string[] }> {
  const reads: string[] = [];
  const manifestParts = Object.entries(parts).map(([key, indices]) => ({
    key,
    first: Math.min(...indices),
    last: Math.max(...indices),
    records: indices.length,
    bytes: 0,
    sha256: "",
  }));
  let out = "";
  for await (const block of mergeParts(manifestParts, async (key) => {
    reads.push(key);
    return text(parts[key] ?? []);
  })) {
    out += block;
  }
  return { order: out.split("\n").filter(Boolean).map(indexOfLine), reads };
}

describe("mergeParts", () => {
  it("passes side-by-side parts through in order", async () => {
    expect((await merged({ b: [3, 4, 5], a: [0, 1, 2] })).order).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it("interleaves a chunk's retry parts and the coordinator's sparse parts by index", async () => {
    const { order } = await merged({
      first: [0, 2, 4],
      retry: [1, 3],
      coordinator: [5, 9, 12],
      last: [6, 7, 8, 10, 11],
    });
    expect(order).toEqual(Array.from({ length: 13 }, (_, i) => i));
  });

  it("opens a part only when the stream reaches its first index", async () => {
    const opened: string[] = [];
    const parts = [
      { key: "a", first: 0, last: 1, records: 2, bytes: 0, sha256: "" },
      { key: "b", first: 2, last: 3, records: 2, bytes: 0, sha256: "" },
    ];
    const source = { a: [0, 1], b: [2, 3] } as Record<string, number[]>;
    const stream = mergeParts(parts, async (key) => {
      opened.push(key);
      return text(source[key] ?? []);
    });
    await stream.next();
    expect(opened).toEqual(["a"]);
  });
});

describe("indexOfLine", () => {
  it("reads the leading index and refuses a line without one", () => {
    expect(indexOfLine('{"index":42,"url":"x"}')).toBe(42);
    expect(indexOfLine('{"url":"x","index":42}')).toBe(-1);
    expect(indexOfLine('{"index":-1,"url":"x"}')).toBe(-1);
  });
});
