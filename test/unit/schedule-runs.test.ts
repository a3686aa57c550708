// Reading a run's change counts from its manifest, loosely: absent or malformed is null.
import { describe, expect, it } from "vitest";
import { changesOf } from "../../lib/schedule-runs";

describe("changesOf", () => {
  it("reads the manifest's changes object, and null for anything else", () => {
    const changes = { new: 3, changed: 2, unchanged: 90, removed: 1 };
    expect(changesOf({ version: 2, totals: {}, changes })).toEqual(changes);
    expect(changesOf({ version: 2, totals: {} })).toBeNull();
    expect(changesOf({ changes: { new: 3 } })).toBeNull();
    expect(changesOf({ changes: { ...changes, new: -1 } })).toBeNull();
    expect(changesOf(null)).toBeNull();
  });
});
