import { describe, expect, it } from "vitest";
import type { DiscoveryPlan } from "../../lib/discovery";
import { finishUpload } from "../../lib/upload";

/** A coordinator's upload steps that record what was called. */
function steps(answers: { plan?: boolean; seal?: string | null } = {}) {
  const calls: string[] = [];
  return {
    calls,
    planDiscovery: async () => {
      calls.push("plan");
      return answers.plan ?? true;
    },
    seal: async () => {
      calls.push("seal");
      return answers.seal === undefined ? "summary" : answers.seal;
    },
    abandon: async () => {
      calls.push("abandon");
    },
  };
}
const plan = { sources: [] } as unknown as DiscoveryPlan;

describe("finishUpload", () => {
  it("fills, hands over the plan and seals", async () => {
    const target = steps();
    const finished = await finishUpload(target, "t", async () => 3, { plan, abandonOnError: true });
    expect(finished).toEqual({ ok: true, value: 3, summary: "summary" });
    expect(target.calls).toEqual(["plan", "seal"]);
  });

  it("abandons the upload when filling it fails, unless the caller resumes it later", async () => {
    const fail = async () => {
      throw new Error("bad line");
    };
    const api = steps();
    await expect(finishUpload(api, "t", fail, { plan: null, abandonOnError: true })).rejects.toThrow("bad line");
    expect(api.calls).toEqual(["abandon"]);
    const copy = steps();
    await expect(finishUpload(copy, "t", fail, { plan: null, abandonOnError: false })).rejects.toThrow("bad line");
    expect(copy.calls).toEqual([]);
  });

  it("answers superseded when the plan or the seal finds another upload holding the key", async () => {
    const planLost = steps({ plan: false });
    expect(await finishUpload(planLost, "t", async () => 0, { plan, abandonOnError: true })).toEqual({
      ok: false,
      superseded: true,
    });
    expect(planLost.calls).toEqual(["plan", "abandon"]);
    const sealLost = steps({ seal: null });
    expect((await finishUpload(sealLost, "t", async () => 0, { plan: null, abandonOnError: true })).ok).toBe(false);
    expect(sealLost.calls).toEqual(["seal"]);
  });
});
