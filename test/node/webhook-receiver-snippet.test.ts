// The README's five-line receiver check, run as written (Node's crypto) against what
// Trawl signs: if either side changes, this fails.
import { createHmac, timingSafeEqual } from "node:crypto";
import { describe, expect, it } from "vitest";
import { signWebhook, webhookSecret } from "../../lib/webhooks";

// --- copied from README "Webhooks" ---
function verify(secret: string, header: string, rawBody: string, now = Date.now() / 1000): boolean {
  const { t, v1 } = Object.fromEntries(header.split(",").map((kv) => kv.split("=")));
  const expected = createHmac("sha256", secret).update(`${t}.${rawBody}`).digest("hex");
  return (
    Math.abs(now - Number(t)) < 300 && v1?.length === 64 && timingSafeEqual(Buffer.from(v1), Buffer.from(expected))
  );
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
});
