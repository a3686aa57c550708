// `npm run bench:coordinator`: the coordinator model bench (bench/coordinator-model.ts) in
// workerd, against real local Durable Objects and R2, with no queue consumer: the bench
// plays the consumers itself, at the rates it chooses, and fetches no page.
import { join } from "node:path";
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

const root = join(import.meta.dirname, "..");

export default defineConfig({
  root,
  plugins: [
    cloudflareTest({
      wrangler: { configPath: join(root, "wrangler.toml") },
      miniflare: {
        bindings: {
          API_KEYS: "bench-key:bench",
          SIGNING_SECRET: "bench",
          BENCH_SIZES: process.env.BENCH_SIZES ?? "10000,100000,1000000",
          BENCH_CONSUMERS: process.env.BENCH_CONSUMERS ?? "8",
        },
        queueConsumers: {},
      },
    }),
  ],
  test: {
    include: ["bench/coordinator-model.ts", "bench/near-duplicate-index.ts"],
    testTimeout: 60 * 60_000,
  },
});
