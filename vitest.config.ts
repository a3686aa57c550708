import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

// Four kinds of tests, one command (`npm test`):
// - "unit" (test/unit) and "integration" (test/integration): inside the Workers runtime,
//   against real local Durable Objects, Queues and R2 (Miniflare), configured from
//   wrangler.toml, with a real local origin server (test/support/global-origin.ts).
// - "node": checks that need the filesystem (the corpus-wide extraction quality).
// - "e2e": start `wrangler dev` and a local origin, and use the public HTTP API.

/**
 * The Workers runtime both workerd projects run in: real local Durable Objects, Queues
 * and R2 (Miniflare), configured from wrangler.toml, with bindings for the local origin.
 */
function workerd() {
  return cloudflareTest(({ inject }) => ({
    wrangler: { configPath: "./wrangler.toml" },
    miniflare: {
      bindings: {
        API_KEYS: "test-key:tenant-a,test-key-b:tenant-b",
        SIGNING_SECRET: "test-signing-secret",
        DEV_ALLOWED_ORIGINS: [
          inject("originUrl"),
          inject("politeOriginUrl"),
          ...inject("robotsFaultOriginUrls"),
          inject("pacedOriginUrl"),
        ].join(","),
        // The shared test origin is not throttled; the second one is, by its
        // robots.txt Crawl-delay (test/integration/politeness.test.ts).
        HOST_MIN_INTERVAL_MS: "0",
        HOST_MAX_CONCURRENCY: "4",
        FETCH_TIMEOUT_MS: "3000",
        // Small chunks and a small window, so a few dozen URLs exercise many
        // chunks, and a chunk far past the window stays undispatched for a test.
        CHUNK_SIZE: "5",
        MAX_CHUNKS_IN_FLIGHT: "4",
        // Webhook retries at once: the backoff maths has its own unit test.
        WEBHOOK_RETRY_BASE_SECONDS: "0",
      },
    },
  }));
}

export default defineConfig({
  test: {
    // Vitest's default is one worker fewer than the cores: one, on a 2-core machine, so
    // every file ran after the last. Most of their time is spent waiting (on the local
    // origin, on wrangler dev starting), so two at once, of any project, cut the suite
    // by about 40%. Every e2e file has its own wrangler dev, origin, ports and state
    // folder, so two of them side by side share nothing but the machine.
    maxWorkers: 2,
    projects: [
      {
        plugins: [workerd()],
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
          // Pure logic: one workerd worker serves file after file, instead of one started
          // (about 1.2 s) for each of some sixty files.
          isolate: false,
          globalSetup: ["test/support/global-origin.ts"],
          testTimeout: 30_000,
          // A file's first request starts its Worker cold (the PDF, DOCX and language readers load with it).
          hookTimeout: 60_000,
        },
      },
      {
        plugins: [workerd()],
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          globalSetup: ["test/support/global-origin.ts"],
          // Whole batches run through queues and Durable Objects; two workers share two cores.
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: "node",
          include: ["test/corpus/**/*.test.ts", "test/node/**/*.test.ts"],
          environment: "node",
          testTimeout: 120_000,
        },
      },
      {
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          environment: "node",
          testTimeout: 300_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
