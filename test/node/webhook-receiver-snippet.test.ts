// The README's five-line receiver check, run as written (Node's crypto) against what
// Trawl signs: if either side changes, this fails.
import { createHmac, timingSafeEqual } from "node:crypto";
import { describe, expect, it } from "vitest";
import { signWebhook, webhookSecret } from "../../lib/webhooks";

// --- copied from README "Webhooks" ---
function verify(secret: string, header: string, rawBody: string, now = Date.now() / 1000): boolean {
  const pairs = header.split(",").map((kv) => kv.split("="));
  const t = pairs.find(([k]) => k === "t")?.[1];
  const expected = Buffer.from(createHmac("sha256", secret).update(`${t}.${rawBody}`).digest("hex"));
  const matches = (v1 = "") => /^[0-9a-f]{64}$/.test(v1) && timingSafeEqual(Buffer.from(v1), expected);
  return Math.abs(now - Number(t)) < 300 && pairs.some(([k, v1]) => k === "v1" && matches(v1));
}
// --- end of copy ---

describe("the README's receiver check", () => {
  it("accepts what Trawl signs and refuses a changed body or a stale timestamp", async () => {
    const secret = await webhookSecret("deployment-secret", "tenant-a");
    const body = '{"id":"evt_x","type":"batch.completed"}';
    const now = Math.floor(Date.now() / 1000);
    const header = await signWebhook(secret, now, body);
    expect(verify(secret, header, body)).toBe(true);
    expect(verify(secret, header, `${body}\n`)).toBe(false);
    expect(verify(secret, header, body, now + 3600)).toBe(false);
  });

  it("refuses, without throwing, a signature that is not hex: non-ASCII, short, missing or repeated", async () => {
    const secret = await webhookSecret("deployment-secret", "tenant-a");
    const body = "{}";
    const t = Math.floor(Date.now() / 1000);
    for (const v1 of ["é".repeat(64), "ü".repeat(32), "z".repeat(64), "ab", ""]) {
      expect(() => verify(secret, `t=${t},v1=${v1}`, body), v1).not.toThrow();
      expect(verify(secret, `t=${t},v1=${v1}`, body), v1).toBe(false);
    }
    expect(verify(secret, `v1=${"0".repeat(64)}`, body)).toBe(false);
    expect(verify(secret, "", body)).toBe(false);
  });

  it("accepts a delivery signed with two secrets (a rotation) under either of them", async () => {
    const [oldSecret, newSecret] = ["old", "new"];
    const body = '{"id":"evt_y"}';
    const t = Math.floor(Date.now() / 1000);
    const [fresh, stale] = await Promise.all([signWebhook(newSecret, t, body), signWebhook(oldSecret, t, body)]);
    const both = `${fresh},${stale.split(",")[1]}`;
    expect(verify(newSecret, both, body)).toBe(true);
    expect(verify(oldSecret, both, body)).toBe(true);
    expect(verify("neither", both, body)).toBe(false);
  });
});
