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

/**
 * KNOWN DEFECT (README "Tests"): the workers pool sends modules to workerd over a
 * WebSocket that refuses a message over 1 MiB. In a full run these files, which import
 * the whole app or Worker directly, ended their worker before they started ("Message is
 * too large"), once the megabyte dependencies (language tables, PDF.js, tokenizer ranks)
 * were in play; each passes run on its own. `npm test` runs them in a second, separate
 * pass (`TRAWL_ALONE=1`), so every file still runs.
 */
const ALONE = [
  "test/unit/docs-page.test.ts",
  "test/unit/documents/document-budget.test.ts",
  "test/integration/near-duplicate-index.test.ts",
  "test/integration/outbound-names.test.ts",
  "test/integration/secret-rotation.test.ts",
  "test/integration/run-copy.test.ts",
];
const alone = process.env.TRAWL_ALONE === "1";
/** A project's files in this pass: the ALONE ones in the second pass, all others in the first. */
function filesOf(include: string[]): { include: string[]; exclude: string[] } {
  if (!alone) return { include, exclude: ALONE };
  const prefix = include[0]?.split("/**")[0] ?? "";
  return { include: ALONE.filter((file) => file.startsWith(prefix)), exclude: [] };
}

export default defineConfig({
  test: {
    // Vitest's default is one worker fewer than the cores: one, on a 2-core machine, so
    // every file ran after the last. Most of their time is spent waiting (on the local
    // origin, on wrangler dev starting), so two at once, of any project, cut the suite
    // by about 40%. Every e2e file has its own wrangler dev, origin, ports and state
    // folder, so two of them side by side share nothing but the machine.
    maxWorkers: 2,
    passWithNoTests: alone,
    projects: [
      {
        plugins: [workerd()],
        test: {
          name: "unit",
          ...filesOf(["test/unit/**/*.test.ts"]),
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
          ...filesOf(["test/integration/**/*.test.ts"]),
          globalSetup: ["test/support/global-origin.ts"],
          // Whole batches run through queues and Durable Objects; two workers share two cores.
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: "node",
          include: alone ? [] : ["test/corpus/**/*.test.ts", "test/node/**/*.test.ts"],
          environment: "node",
          testTimeout: 120_000,
        },
      },
      {
        test: {
          name: "e2e",
          include: alone ? [] : ["test/e2e/**/*.test.ts"],
          environment: "node",
          testTimeout: 300_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
