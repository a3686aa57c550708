// A document near every cap is read within a Worker isolate's 128 MB: the child runs
// with V8's heap capped there, and fails (out of memory) if the reader needs more.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseSettings } from "../../lib/settings";
import { densePdf } from "../support/documents";

const HERE = dirname(fileURLToPath(import.meta.url));
const MB = 1024 * 1024;

describe("memory of a document near the caps", () => {
  // Heap and outside buffers are sampled while other files run beside it: a sample caught
  // before a collection can read high, so the reading is taken again before it fails.
  it("reads MAX_DOCUMENT_BYTES of PDF with DOCUMENT_MAX_PAGES dense pages under a 128 MB heap", { retry: 2 }, () => {
    const dir = mkdtempSync(join(tmpdir(), "trawl-doc-memory-"));
    const file = join(dir, "near-caps.pdf");
    const settings = parseSettings({});
    // DOCUMENT_MAX_PAGES pages of 20 lines, and the rest of MAX_DOCUMENT_BYTES in a stream no page uses.
    const text = densePdf(settings.DOCUMENT_MAX_PAGES, 20).length;
    writeFileSync(file, densePdf(settings.DOCUMENT_MAX_PAGES, 20, settings.MAX_DOCUMENT_BYTES - text - 4096));
    const child = spawnSync(
      process.execPath,
      ["--max-old-space-size=128", "--expose-gc", "--import", "tsx", join(HERE, "document-memory-child.ts"), file],
      { encoding: "utf8", timeout: 110_000 },
    );
    rmSync(dir, { recursive: true, force: true });
    expect(child.status, child.stderr.slice(-2000)).toBe(0);
    const seen = JSON.parse(child.stdout.trim().split("\n").at(-1) ?? "{}");
    console.log(
      `near the caps: ${(seen.bytes / MB).toFixed(1)} MB, ${seen.pageCount} pages, ${seen.words} words; peak heap ${(seen.peakHeap / MB).toFixed(1)} MB, heap + external ${(seen.peakIsolate / MB).toFixed(1)} MB, rss +${((seen.peakRss - seen.baseRss) / MB).toFixed(1)} MB`,
    );
    expect(seen.bytes).toBeGreaterThan(9.5 * MB);
    expect(seen.ok).toBe(true);
    expect(seen.pageCount).toBe(500);
    // What an isolate counts: the JavaScript heap and the buffers outside it.
    expect(seen.peakIsolate).toBeLessThan(128 * MB);
  });
});
