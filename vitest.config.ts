import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

// Two kinds of tests, one command:
// - "workerd": unit and integration tests inside the Workers runtime, against real
//   local Durable Objects, Queues and R2 (Miniflare), configured from wrangler.toml.
// - "e2e": Node tests that start `wrangler dev` plus a local origin server and use the
//   public HTTP API as a client would.
export default defineConfig({
  test: {
    projects: [
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              bindings: {
                API_KEYS: "test-key:tenant-a,test-key-b:tenant-b",
                SIGNING_SECRET: "test-signing-secret",
                DEV_ALLOWED_ORIGINS: "",
              },
            },
          }),
        ],
        test: {
          name: "workerd",
          include: ["test/unit/**/*.test.ts", "test/integration/**/*.test.ts"],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          environment: "node",
          testTimeout: 300_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
