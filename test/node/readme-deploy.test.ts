// The README's deploy commands create every queue and bucket wrangler.toml binds: a
// deploy that follows them must not fail (or run without a consumer) for a missing one.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const readme = readFileSync("README.md", "utf8");
const config = readFileSync("wrangler.toml", "utf8");
const deploySection = readme.slice(readme.indexOf("## Deploying to Cloudflare"), readme.indexOf("## Reliability"));

describe("the README's deploy section", () => {
  it("creates every queue (producers, consumers, dead letters) and bucket wrangler.toml names", () => {
    const names = (pattern: RegExp) => [...config.matchAll(pattern)].map((m) => m[1] ?? "");
    const queues = new Set([
      ...names(/^\s*queue\s*=\s*"([^"]+)"/gm),
      ...names(/^\s*dead_letter_queue\s*=\s*"([^"]+)"/gm),
    ]);
    expect(queues.size).toBeGreaterThan(0);
    for (const queue of queues) expect(deploySection).toContain(`npx wrangler queues create ${queue}\n`);
    for (const bucket of names(/^\s*bucket_name\s*=\s*"([^"]+)"/gm)) {
      expect(deploySection).toContain(`npx wrangler r2 bucket create ${bucket}\n`);
    }
  });
});
