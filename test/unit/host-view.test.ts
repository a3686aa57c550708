import { describe, expect, it } from "vitest";
import { HELD_NOTE_MS, type HostPaceNote, nextHeldBy, originOfStored, slowestHostOf } from "../../lib/host-view";

const note = (origin: string, reason: HostPaceNote["reason"], pace: number | null, at = 0): HostPaceNote => ({
  origin,
  reason,
  pace,
  at,
});

describe("held-back note", () => {
  it("keeps the slowest held-back origin, and clears it when that origin is back at ok", () => {
    let held = nextHeldBy(null, [note("https://a", "crawl_delay", 0.5), note("https://b", "ok", 20)], 0);
    expect(held?.origin).toBe("https://a");
    held = nextHeldBy(held, [note("https://c", "throttled_429", 2, 10)], 10);
    expect(held?.origin).toBe("https://a"); // c is faster than a: a still holds the batch back most
    held = nextHeldBy(held, [note("https://c", "throttled_503", 0.25, 20)], 20);
    expect(held).toMatchObject({ origin: "https://c", reason: "throttled_503" });
    expect(nextHeldBy(held, [note("https://c", "ok", 10, 30)], 30)).toBeNull();
  });

  it("forgets a note after a minute, in the status too", () => {
    const held = note("https://a", "slow", 1, 0);
    expect(slowestHostOf(held, HELD_NOTE_MS - 1)).toEqual({ origin: "https://a", reason: "slow", pace: 1 });
    expect(slowestHostOf(held, HELD_NOTE_MS)).toBeNull();
    expect(nextHeldBy(held, [], HELD_NOTE_MS)).toBeNull();
  });

  it("reads the origin of a stored URL", () => {
    expect(originOfStored("https://Example.com:443/a?b")).toBe("https://example.com");
    expect(originOfStored("not a url")).toBeNull();
  });
});
