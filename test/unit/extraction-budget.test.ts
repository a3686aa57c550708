import { describe, expect, it } from "vitest";
import { ExtractionBudget } from "../../fetch/extraction-budget";

/** A piece of work that runs until released, recording when it started. */
function held(log: string[], name: string) {
  let release: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    release = resolve;
  });
  return {
    work: async () => {
      log.push(name);
      await done;
      return name;
    },
    release: () => release(),
  };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("ExtractionBudget", () => {
  it("starts small pages side by side, holds a big one until there is room, and keeps arrival order", async () => {
    const budget = new ExtractionBudget(10);
    const log: string[] = [];
    const a = held(log, "a");
    const b = held(log, "b");
    const big = held(log, "big");
    const c = held(log, "c");
    const runs = [budget.run(4, a.work), budget.run(4, b.work), budget.run(8, big.work), budget.run(1, c.work)];
    await tick();
    // a and b fit together; big does not; c would fit but arrived after big, so it waits.
    expect(log).toEqual(["a", "b"]);
    expect(budget.inUse).toBe(8);
    a.release();
    await tick();
    expect(log).toEqual(["a", "b"]);
    b.release();
    await tick();
    // big starts, and c behind it fits beside it.
    expect(log).toEqual(["a", "b", "big", "c"]);
    expect(budget.inUse).toBe(9);
    big.release();
    c.release();
    expect(await Promise.all(runs)).toEqual(["a", "b", "big", "c"]);
    expect(budget.inUse).toBe(0);
  });

  it("always starts the first in, however big, and frees its bytes when it throws", async () => {
    const budget = new ExtractionBudget(10);
    await expect(budget.run(50, async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(budget.inUse).toBe(0);
    expect(await budget.run(50, async () => "alone")).toBe("alone");
  });
});
