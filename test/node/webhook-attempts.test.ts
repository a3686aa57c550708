// The webhook attempt limit has one source, lib/retry-policy.ts: the queue's own retry
// limit in wrangler.toml must be that limit less the first delivery, neither more (a
// queue that outlasts the consumer's give-up is dead config) nor less (it would drop
// events the code still means to try).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { WEBHOOK_MAX_ATTEMPTS } from "../../lib/retry-policy";

/** The `max_retries` of the `[[queues.consumers]]` block for `queue` in wrangler.toml. */
function maxRetriesOf(toml: string, queue: string): number | null {
  for (const block of toml.split(/^\[\[queues\.consumers\]\]\s*$/m).slice(1)) {
    const body = block.split(/^\[/m)[0] ?? "";
    if (!new RegExp(`^queue\\s*=\\s*"${queue}"\\s*$`, "m").test(body)) continue;
    const retries = /^max_retries\s*=\s*(\d+)\s*$/m.exec(body);
    return retries ? Number(retries[1]) : null;
  }
  return null;
}

describe("webhook attempt limit", () => {
  it("has the queue retry a webhook message exactly WEBHOOK_MAX_ATTEMPTS - 1 times", () => {
    const toml = readFileSync(join(import.meta.dirname, "../../wrangler.toml"), "utf8");
    expect(maxRetriesOf(toml, "trawl-webhooks")).toBe(WEBHOOK_MAX_ATTEMPTS - 1);
  });
});
