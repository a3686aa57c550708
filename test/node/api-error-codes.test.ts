// The API's error codes are a closed list (api/error-codes.ts) that the README lists:
// every code the code throws is in it, with the status it is thrown with, and the
// README's table says exactly the list.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { API_ERROR_STATUS, ApiErrorCode } from "../../api/error-codes";
import { ErrorCode } from "../../lib/error-codes";

const ROOT = join(import.meta.dirname, "../..");

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith(".ts"))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)));
}

/** Each `new ApiError(status, "code"` written in the Worker's code, with its file. */
function thrown(): { file: string; status: number; code: string }[] {
  const found: { file: string; status: number; code: string }[] = [];
  for (const file of ["api", "workers", "durable-objects", "lib"].flatMap(sources)) {
    const code = readFileSync(join(ROOT, file), "utf8");
    for (const m of code.matchAll(/new ApiError\(\s*(\d+),\s*"([a-z_]+)"/g)) {
      found.push({ file, status: Number(m[1]), code: m[2] as string });
    }
  }
  return found;
}

/** The rows of the README's "API error codes" table: code and status. */
function readmeTable(): Map<string, number> {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("### API error codes"));
  const table = section.slice(0, section.indexOf("\n## "));
  const rows = new Map<string, number>();
  for (const m of table.matchAll(/^\| `([a-z_]+)` +\| (\d{3}) +\|/gm)) rows.set(m[1] as string, Number(m[2]));
  return rows;
}

describe("API error codes", () => {
  it("holds every code thrown, with the status it is thrown with", () => {
    const found = thrown();
    expect(found.length).toBeGreaterThan(20);
    for (const { file, status, code } of found) {
      expect(ApiErrorCode.options, `${file} throws ${code}`).toContain(code);
      // A per-URL code (a synchronous scrape's) is answered with the status its failure maps to.
      if ((ErrorCode.options as string[]).includes(code)) continue;
      expect(API_ERROR_STATUS[code as keyof typeof API_ERROR_STATUS], `${file} throws ${code} as ${status}`).toBe(
        status,
      );
    }
  });

  it("are listed in the README with their status, no more and no fewer", () => {
    expect(Object.fromEntries(readmeTable())).toEqual(API_ERROR_STATUS);
  });

  it("are the API's own codes and the per-URL codes, with no name in both", () => {
    const own = Object.keys(API_ERROR_STATUS);
    expect(own.filter((code) => (ErrorCode.options as string[]).includes(code))).toEqual([]);
    expect(new Set(ApiErrorCode.options)).toEqual(new Set([...own, ...ErrorCode.options]));
  });
});
