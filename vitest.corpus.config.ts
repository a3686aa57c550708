import { defineConfig } from "vitest/config";
export default defineConfig({
  test: { root: "/work/main", include: ["test/corpus/**/*.test.ts"], environment: "node", testTimeout: 120_000 },
});
