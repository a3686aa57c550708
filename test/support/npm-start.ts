// `npm start` as a newcomer runs it, on free ports, for end-to-end tests of the quick
// start itself: its own process group (as a terminal gives it), output kept for failures.
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { freePort } from "./wrangler-dev";

export const ROOT = join(import.meta.dirname, "../..");

export interface NpmStart {
  child: ChildProcess;
  port: number;
  originPort: number;
  api: string;
  origin: string;
  log(): string;
  /** Ctrl-C, as a terminal sends it to the whole group; resolves once npm has exited. */
  stop(): Promise<void>;
}

/** Polls `check` every 250 ms until it holds or `timeoutMs` passes; answers whether it held. */
export async function until(check: () => Promise<boolean> | boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return false;
}

/** Runs `npm start` and resolves once the API answers /health. */
export async function startNpmStart(): Promise<NpmStart> {
  const [port, originPort] = [await freePort(), await freePort()];
  const child = spawn("npm", ["start"], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), DEMO_ORIGIN_PORT: String(originPort), CI: "true" },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  child.stdout?.on("data", (d) => (output += d));
  child.stderr?.on("data", (d) => (output += d));
  const api = `http://127.0.0.1:${port}`;
  const up = await until(async () => {
    try {
      return (await fetch(`${api}/health`)).ok;
    } catch {
      return false;
    }
  }, 90_000);
  if (!up) throw new Error(`npm start did not answer /health:\n${output}`);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    child,
    port,
    originPort,
    api,
    origin: `http://127.0.0.1:${originPort}`,
    log: () => output,
    async stop() {
      if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, "SIGINT");
      await exited;
    },
  };
}
