// Firecrawl's Python SDK for the e2e tests: installed from ../shared/sdk/firecrawl-py
// (resolved from the project root) into a virtual environment kept under
// node_modules/.cache, keyed by the SDK's version, so only the first run pays for pip.
// Null (the tests skip, saying why) where ../shared does not exist.
import { execFile } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { resolve } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, "../..");
export const PYTHON_SDK_DIR = resolve(ROOT, "../shared/sdk/firecrawl-py");

export interface PythonSdk {
  version: string;
  /** Runs `code` after a prelude that builds `fc` (v2) and `v1` clients; answers what it passed to `out(...)`. */
  call<T = unknown>(code: string, env: Record<string, string>): Promise<T>;
}

const PRELUDE = `
import json, os, sys
from firecrawl import Firecrawl, V1FirecrawlApp
API, KEY, ORIGIN = os.environ["FC_API"], os.environ["FC_KEY"], os.environ["FC_ORIGIN"]
fc = Firecrawl(api_key=KEY, api_url=API)
v1 = V1FirecrawlApp(api_key=KEY, api_url=API)
def plain(o):
    if hasattr(o, "model_dump"): return o.model_dump(mode="json")
    if hasattr(o, "dict"): return o.dict()
    return str(o)
def out(value):
    print("__RESULT__" + json.dumps(value, default=plain))
`;

/** The SDK's version, from its package's __init__.py. */
function versionOf(dir: string): string {
  const init = readFileSync(resolve(dir, "firecrawl/__init__.py"), "utf8");
  return /__version__ = ["']([^"']+)["']/.exec(init)?.[1] ?? "unknown";
}

/** Creates (once per SDK version) the venv with the SDK installed; null where ../shared is absent. */
export async function pythonSdk(): Promise<PythonSdk | null> {
  if (!existsSync(PYTHON_SDK_DIR)) return null;
  const version = versionOf(PYTHON_SDK_DIR);
  const venv = resolve(ROOT, "node_modules/.cache", `firecrawl-py-${version}`);
  const python = resolve(venv, "bin/python");
  const ready = resolve(venv, ".installed");
  if (!existsSync(ready)) {
    rmSync(venv, { recursive: true, force: true });
    await run("python3", ["-m", "venv", venv]);
    // Its dependencies come from this machine's package index (pip's own configuration).
    await run(resolve(venv, "bin/pip"), ["install", "--quiet", "--retries", "0", "--timeout", "10", PYTHON_SDK_DIR], {
      timeout: 600_000,
    });
    await run(python, ["-c", "open(__import__('sys').argv[1], 'w').write('ok')", ready]);
  }
  return {
    version,
    async call<T>(code: string, env: Record<string, string>): Promise<T> {
      const { stdout } = await run(python, ["-c", `${PRELUDE}\n${code}`], {
        env: { ...process.env, ...env },
        timeout: 240_000,
        maxBuffer: 64 * 1024 * 1024,
      });
      const line = stdout.split("\n").find((l) => l.startsWith("__RESULT__"));
      if (line === undefined) throw new Error(`no result from Python: ${stdout.slice(-500)}`);
      return JSON.parse(line.slice("__RESULT__".length)) as T;
    },
  };
}
