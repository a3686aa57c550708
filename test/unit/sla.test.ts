// The SLA margin, projected finish and required concurrency of a scheduled run.
import { describe, expect, it } from "vitest";
import { parseDuration } from "../../lib/iso-duration";
import { type SlaInput, slaOf } from "../../lib/sla";

const HOUR = 3_600_000;
const base: SlaInput = {
  scheduledAt: 0,
  windowMs: 2 * HOUR,
  lateThreshold: 0.15,
  pending: 3600,
  etaSeconds: 3600,
  busyMs: 1000 * 2000,
  busyUrls: 1000,
  finishedAt: null,
  now: 0.5 * HOUR,
};

describe("slaOf", () => {
  it("projects the finish from the rate and measures the margin against the window", () => {
    const sla = slaOf(base);
    expect(sla.deadline).toBe(2 * HOUR);
    expect(sla.projectedFinish).toBe(1.5 * HOUR);
    expect(sla.margin).toBe(0.25);
    // 3,600 URLs at 2 s of slot time each, in the 1.5 h left: 2 in flight.
    expect(sla.requiredConcurrency).toBe(Math.ceil((3600 * 2) / 5400));
    expect(sla.late).toBe(false);
  });

  it("is late when the margin falls under the threshold, or the deadline passes unpublished", () => {
    expect(slaOf({ ...base, etaSeconds: 1.4 * 3600 }).late).toBe(true); // margin 0.05
    expect(slaOf({ ...base, etaSeconds: 1.2 * 3600 }).late).toBe(false); // margin 0.15
    expect(slaOf({ ...base, etaSeconds: null, now: 2 * HOUR + 1 })).toMatchObject({
      late: true,
      margin: null,
      requiredConcurrency: null,
    });
  });

  it("answers for a published run from its finish", () => {
    expect(slaOf({ ...base, pending: 0, finishedAt: 1.9 * HOUR, now: 3 * HOUR })).toMatchObject({
      projectedFinish: 1.9 * HOUR,
      margin: 0.05,
      requiredConcurrency: 0,
      late: false,
    });
    expect(slaOf({ ...base, pending: 0, finishedAt: 2.5 * HOUR, now: 3 * HOUR }).late).toBe(true);
  });

  it("has no projection or concurrency before anything was fetched", () => {
    expect(slaOf({ ...base, etaSeconds: null, busyMs: 0, busyUrls: 0 })).toMatchObject({
      projectedFinish: null,
      margin: null,
      requiredConcurrency: null,
      late: false,
    });
  });
});

describe("parseDuration", () => {
  it("reads weeks, days, hours, minutes and seconds, and refuses the rest", () => {
    expect(parseDuration("PT2H")).toEqual({ ok: true, value: 2 * HOUR });
    expect(parseDuration("P1DT30M")).toEqual({ ok: true, value: 24 * HOUR + 30 * 60_000 });
    expect(parseDuration("P1W")).toEqual({ ok: true, value: 7 * 24 * HOUR });
    expect(parseDuration("PT1.5S")).toEqual({ ok: true, value: 1500 });
    for (const bad of ["PT0S", "P", "PT", "2h", "P1M", "P1Y", "PT-1H"]) expect(parseDuration(bad).ok).toBe(false);
  });
});
