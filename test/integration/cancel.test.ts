// Cancel racing consumers: whatever the order of cancel, claims, reports and lost
// leases, every URL ends in exactly one state, and every view (status counts, /results,
// /errors, the manifest totals and the download) says the same.
//
// The test plays the consumer for a few chunks it claims itself (CHUNK_SIZE 5 and a
// window of 4 in the test env keep chunks 10-12 of a 60-URL batch undispatched at
// first), while the real queue consumers fetch the rest from the local origin.
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { ClaimResult } from "../../lib/coordinator-protocol";
import { api, expectViewsAgree, ORIGIN, reportClaim, submit, unique, waitForPublished } from "./helpers";

const HELD = [10, 11, 12];
type Stub = DurableObjectStub<import("../../durable-objects/batch-coordinator").BatchCoordinator>;
type Work = Extract<ClaimResult, { kind: "work" }>;

/** The holder of `chunkId` vanishes: its lease runs out and the alarm hands the chunk on. */
async function expire(stub: Stub, chunkId: number): Promise<void> {
  await runInDurableObject(stub, (_instance, state) => {
    state.storage.sql.exec("UPDATE chunks SET lost_at = 0 WHERE id = ?", chunkId);
  });
  await runDurableObjectAlarm(stub);
}

type Step = { op: "claim" | "report" | "expire"; chunk: number } | { op: "cancel" };

async function newBatch(): Promise<{ id: string; stub: Stub }> {
  const run = unique("cancel-race");
  const created = await submit(Array.from({ length: 60 }, (_, n) => `${ORIGIN}/pages/${n}.html?run=${run}`));
  return { id: created.id, stub: env.BATCH.get(env.BATCH.idFromString(created.id)) as Stub };
}

/**
 * Plays `steps` against a fresh batch, finishes what is still held, waits for the
 * manifest and checks every view; then checks what each accepted report said.
 */
async function play(steps: Step[]): Promise<void> {
  const { id, stub } = await newBatch();
  const held = new Map<number, Work>();
  const reportedSucceeded = new Set<number>();
  const run = async (step: Step) => {
    if (step.op === "cancel") {
      expect((await api(`/v1/batches/${id}/cancel`, { method: "POST" })).status).toBe(200);
      return;
    }
    const claim = held.get(step.chunk);
    if (step.op === "claim") {
      const got = await stub.claim(step.chunk);
      if (got.kind === "work") held.set(step.chunk, got);
    } else if (claim && step.op === "report") {
      held.delete(step.chunk);
      if (await reportClaim(id, step.chunk, claim, "succeeded")) {
        for (const e of claim.entries) reportedSucceeded.add(e.index);
      }
    } else if (claim && step.op === "expire") {
      held.delete(step.chunk);
      await expire(stub, step.chunk);
    }
  };
  for (const step of steps) await run(step);
  for (const chunk of [...held.keys()]) await run({ op: "report", chunk });

  await waitForPublished(id);
  const states = await expectViewsAgree(id);
  // An accepted report is the truth for its URLs: nothing cancels them behind its back.
  for (const index of reportedSucceeded) expect(states.get(index), `index ${index}`).toBe("succeeded");
}

/** A small deterministic generator, so a failing interleaving can be replayed by its seed. */
function randomSteps(seed: number): Step[] {
  let x = seed;
  const next = (n: number) => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return x % n;
  };
  const steps: Step[] = [];
  let cancelled = false;
  for (let i = 0; i < 10; i++) {
    const chunk = HELD[next(HELD.length)] ?? 10;
    const pick = next(cancelled ? 3 : 4);
    if (pick === 3) {
      steps.push({ op: "cancel" });
      cancelled = true;
    } else steps.push({ op: (["claim", "report", "expire"] as const)[pick] ?? "claim", chunk });
  }
  if (!cancelled) steps.splice(next(steps.length), 0, { op: "cancel" });
  return steps;
}

describe("cancel racing consumers", () => {
  it("leaves a chunk a consumer holds to its report: its URLs end as reported, not cancelled", async () => {
    await play([{ op: "claim", chunk: 10 }, { op: "cancel" }, { op: "report", chunk: 10 }]);
  });

  it("cancels the URLs of a held chunk whose holder vanished, and ignores its late report", async () => {
    await play([
      { op: "claim", chunk: 10 },
      { op: "cancel" },
      { op: "expire", chunk: 10 },
      { op: "report", chunk: 10 },
    ]);
  });

  it("hands a consumer nothing to fetch from a chunk claimed after the cancel", async () => {
    const { id, stub } = await newBatch();
    expect((await api(`/v1/batches/${id}/cancel`, { method: "POST" })).status).toBe(200);
    expect(await stub.claim(11)).toEqual({ kind: "done" });
    await waitForPublished(id);
    const states = await expectViewsAgree(id);
    for (let i = 55; i < 60; i++) expect(states.get(i)).toBe("skipped");
  });

  it("keeps the reports of chunks held across the cancel, made before it and after it", async () => {
    await play([
      { op: "claim", chunk: 10 },
      { op: "claim", chunk: 11 },
      { op: "report", chunk: 10 },
      { op: "cancel" },
      { op: "report", chunk: 11 },
    ]);
  });

  it.each([1, 2, 3, 4, 5, 6, 7, 8])("agrees in every view after random interleaving #%i", async (seed) => {
    await play(randomSteps(seed));
  });
});
