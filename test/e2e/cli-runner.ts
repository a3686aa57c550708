// Runs the real `trawl` executable (cli/bin.mjs, the package's "bin") as a user's shell
// would, with pipes rather than a terminal, and a slow page route for batches that
// must still be running when a test acts on them.
import { type ChildProcess, spawn } from "node:child_process";
import type { IncomingMessage, ServerResponse } from "node:http";
import { join } from "node:path";
import { articlePage } from "../../demo/origin-server";

export const TRAWL_BIN = join(import.meta.dirname, "../../cli/bin.mjs");

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  done: Promise<CliRun>;
}

export interface CliEnv {
  url: string;
  key?: string;
  /** Written to the command's stdin, as a shell pipe would. */
  input?: string;
}

/** Starts `trawl ...args` against `url` with `key` in the environment. */
export function startCli(args: string[], env: CliEnv): CliProcess {
  const child = spawn(process.execPath, [TRAWL_BIN, ...args], {
    env: { ...process.env, TRAWL_URL: env.url, TRAWL_KEY: env.key ?? "", FORCE_COLOR: "0" },
    stdio: [env.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
  });
  if (env.input !== undefined) child.stdin?.end(env.input);
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d) => (stdout += d));
  child.stderr?.on("data", (d) => (stderr += d));
  const done = new Promise<CliRun>((resolve) =>
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, stdout: () => stdout, stderr: () => stderr, done };
}

/** Runs `trawl ...args` to its end. */
export function runCli(args: string[], env: CliEnv): Promise<CliRun> {
  return startCli(args, env).done;
}

/** Waits until `check` holds, polling. */
export async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Origin route `/slow/<n>.html?ms=<delay>`: an article page answered after a delay. */
export async function slowPages(_req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
  const page = /^\/slow\/(\d+)\.html$/.exec(url.pathname);
  if (!page) return false;
  await new Promise((resolve) => setTimeout(resolve, Number(url.searchParams.get("ms") ?? 500)));
  res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(articlePage(Number(page[1])));
  return true;
}
