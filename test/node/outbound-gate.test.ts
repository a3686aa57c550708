// Every outbound request passes one gate (fetch/outbound-fetch.ts), and the deployed
// Worker keeps the platform flag that checks the address a host name resolves to.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "../..");
const GATE = "fetch/outbound-fetch.ts";
// Runs in the reader's browser, not in the Worker: it calls Trawl's own API.
const BROWSER_CODE = new Set(["api/status-page-script.ts"]);

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith(".ts"))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)));
}

describe("the outbound gate", () => {
  it("is the only caller of the global fetch in the Worker's code", () => {
    const callers: string[] = [];
    for (const file of ["api", "workers", "fetch", "durable-objects", "lib"].flatMap(sources)) {
      if (file === GATE || BROWSER_CODE.has(file)) continue;
      const code = readFileSync(join(ROOT, file), "utf8")
        .replace(/\/\*[\s\S]*?\*\//g, "")
        .replace(/^\s*\/\/.*$/gm, "");
      // A bare `fetch(` or `globalThis.fetch(`; `app.fetch(` and `stub.fetch(` are not outbound.
      if (/(?<![\w.])fetch\s*\(|globalThis\.fetch\s*\(/.test(code)) callers.push(file);
    }
    expect(callers).toEqual([]);
  });

  it("runs on Cloudflare with global_fetch_strictly_public, which STRICTLY_PUBLIC_FETCH declares", () => {
    const toml = readFileSync(join(ROOT, "wrangler.toml"), "utf8");
    const flags = /^compatibility_flags\s*=\s*\[([^\]]*)\]/m.exec(toml)?.[1] ?? "";
    expect(flags.split(",").map((f) => f.trim().replace(/"/g, ""))).toContain("global_fetch_strictly_public");
    expect(toml).toMatch(/^STRICTLY_PUBLIC_FETCH\s*=\s*"true"$/m);
  });
});
