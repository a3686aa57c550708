// Loaders for the two development corpora the extraction bench scores, and the wcxb-dev
// scorer call. Both corpora live outside the repo (../shared/corpus); a missing one is
// reported and skipped, never an error.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { gunzipSync } from "node:zlib";

const SHARED = join(import.meta.dirname, "../../../shared/corpus");

export interface ReadabilityPage {
  name: string;
  bytes: Uint8Array;
  html: string;
  expected: string;
}

export interface WcxbPage {
  id: string;
  bytes: Uint8Array;
  url: string;
  type: string;
}

/** Folder of the Readability test pages, or null when absent. */
export function readabilityDir(): string | null {
  const dir = resolve(process.env.TRAWL_CORPUS ?? join(SHARED, "readability"));
  return existsSync(dir) ? dir : null;
}

/** Folder of wcxb-dev (WCXB by Murrough Foley, CC-BY-4.0), or null when absent. */
export function wcxbDir(): string | null {
  const dir = resolve(process.env.TRAWL_WCXB ?? join(SHARED, "wcxb-dev"));
  return existsSync(join(dir, "score.mjs")) ? dir : null;
}

/** Every Readability page with its source and expected HTML. */
export function loadReadability(dir: string): ReadabilityPage[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(dir, d.name, "source.html")))
    .map((d) => {
      const bytes = new Uint8Array(readFileSync(join(dir, d.name, "source.html")));
      const expectedPath = join(dir, d.name, "expected.html");
      return {
        name: d.name,
        bytes,
        html: new TextDecoder().decode(bytes),
        expected: existsSync(expectedPath) ? readFileSync(expectedPath, "utf8") : "",
      };
    });
}

/** Every wcxb-dev page, decompressed, with its URL and page type. */
export function loadWcxb(dir: string): WcxbPage[] {
  const index = JSON.parse(readFileSync(join(dir, "index.json"), "utf8")) as Record<string, { page_type?: string }>;
  return readdirSync(dir)
    .filter((id) => existsSync(join(dir, id, "expected.txt")))
    .sort()
    .map((id) => ({
      id,
      bytes: new Uint8Array(gunzipSync(readFileSync(join(dir, id, "source.html.gz")))),
      url: readFileSync(join(dir, id, "url.txt"), "utf8").trim(),
      type: index[id]?.page_type ?? "article",
    }));
}

/** Runs the corpus's own scorer over {"<page-id>": "<plain text>"} and returns what it prints. */
export function scoreWcxb(dir: string, predictions: Record<string, string>, worst = 0): string {
  const file = join(mkdtempSync(join(tmpdir(), "trawl-wcxb-")), "predictions.json");
  writeFileSync(file, JSON.stringify(predictions));
  const args = [join(dir, "score.mjs"), file, ...(worst > 0 ? ["--worst", String(worst)] : [])];
  return execFileSync(process.execPath, args, { encoding: "utf8" });
}
