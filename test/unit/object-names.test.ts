import { describe, expect, it } from "vitest";
import { idempotentBatchName, objectName, scheduledRunName } from "../../lib/object-names";

describe("object names", () => {
  it("keeps tenant dev with key x:K apart from tenant dev:x with key K", () => {
    expect(idempotentBatchName("dev", "x:K")).not.toBe(idempotentBatchName("dev:x", "K"));
  });

  it("gives distinct names to distinct parts, whatever separators and escapes they hold", () => {
    // Every list of three parts over an alphabet of separators and escape characters.
    const alphabet = ["", "a", ":", "%", "%3A", "%25", "::", "a:b"];
    const seen = new Map<string, string>();
    for (const a of alphabet) {
      for (const b of alphabet) {
        for (const c of alphabet) {
          const name = objectName("kind", a, b, c);
          const parts = JSON.stringify([a, b, c]);
          expect(seen.get(name) ?? parts, name).toBe(parts);
          seen.set(name, parts);
        }
      }
    }
    expect(seen.size).toBe(alphabet.length ** 3);
  });

  it("spells names whose leading parts hold no : or % as before, so existing objects are found", () => {
    expect(idempotentBatchName("tenant-a", "key:with:colons")).toBe("idempotency:tenant-a:key:with:colons");
    expect(scheduledRunName("tenant-a", "s1", "2026-12-07T14:00:00.000Z")).toBe(
      "schedule:tenant-a:s1:2026-12-07T14:00:00.000Z",
    );
  });
});
