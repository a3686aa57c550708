import { describe, expect, it } from "vitest";
import { HeldRecords } from "../../fetch/held-records";
import type { ResultRecord } from "../../lib/schemas";

const record = (markdown: string) => ({ markdown }) as ResultRecord;

describe("HeldRecords", () => {
  it("counts each chunk's records until that chunk lets them go, and is full at its limit", () => {
    const held = new HeldRecords(100_000);
    const one = held.chunk();
    const two = held.chunk();
    one.hold(record("x".repeat(20_000)));
    two.hold(record("y".repeat(20_000)));
    // Two bytes a character (a two-byte script), plus a record's own fields.
    expect(held.bytes).toBe(2 * (2 * 20_000 + 2048));
    expect(one.full()).toBe(false);
    two.hold(record("z".repeat(10_000)));
    expect(held.full()).toBe(true);
    two.release();
    expect(held.bytes).toBe(2 * 20_000 + 2048);
    expect(held.full()).toBe(false);
    two.release(); // a second release lets nothing more go
    one.release();
    expect(held.bytes).toBe(0);
  });
});
