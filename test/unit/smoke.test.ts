import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

describe("runtime", () => {
  it("sees bindings", () => {
    expect(typeof env.RESULTS.put).toBe("function");
    expect(new TextDecoder("shift_jis").encoding).toBe("shift_jis");
  });
});
