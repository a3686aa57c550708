import { describe, expect, it } from "vitest";
import { type GoGrant, originOf, robotsVerdict } from "../../fetch/polite-fetch";
import type { RobotsRules } from "../../lib/robots";

const grant = (robots: RobotsRules | null): GoGrant => ({
  kind: "go",
  lease: "l",
  slots: [0],
  robots,
  robotsExpiresAt: 1234,
  reason: "ok",
  pace: null,
});
const rules: RobotsRules = {
  outcome: "parsed",
  status: 200,
  text: "User-agent: *\nDisallow: /private\n",
  truncated: false,
};

describe("robotsVerdict", () => {
  it("judges a URL by the grant's robots.txt", () => {
    expect(robotsVerdict(grant(rules), true, "https://a.example/private/x", "TrawlBot").kind).toBe("disallowed");
    expect(robotsVerdict(grant(rules), true, "https://a.example/public", "TrawlBot").kind).toBe("allowed");
  });

  it("allows everything when the batch does not respect robots.txt", () => {
    expect(robotsVerdict(grant(rules), false, "https://a.example/private/x", "TrawlBot").kind).toBe("allowed");
  });

  it("names an unreachable robots.txt apart, with when the gate asks again", () => {
    const verdict = robotsVerdict(grant({ outcome: "unreachable", status: 503 }), true, "https://a.example/", "T");
    expect(verdict).toEqual({ kind: "unreachable", status: 503, reaskAt: 1234 });
  });
});

describe("originOf", () => {
  it("is the scheme, host and port a URL's politeness is counted against, or null", () => {
    expect(originOf("https://a.example:8443/x?y")).toBe("https://a.example:8443");
    expect(originOf("not a url")).toBeNull();
  });
});
