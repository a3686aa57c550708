// Starts the real service with `wrangler dev` for end-to-end tests and benchmarks:
// free ports, its own state directory (so a restart resumes from it), and the given
// loopback origin allowed.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface DevServer {
  url: string;
  /** The runtime's inspector (Chrome DevTools protocol), for profiling. */
  inspectorPort: number;
  /** Process group of npx → wrangler → workerd, for memory sampling. */
  pgid: number;
  persistDir: string;
  /** Everything wrangler printed, for diagnosing a failure. */
  log(): string;
  /** Ends the process as a crash would (SIGKILL). */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

export interface DevOptions {
  allowedOrigins: string[];
  vars?: Record<string, string>;
  persistDir?: string;
  port?: number;
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once("exit", () => resolve()));
}

/** Starts `wrangler dev` and resolves once it answers /health. */
export async function startWranglerDev(options: DevOptions): Promise<DevServer> {
  const port = options.port ?? (await freePort());
  const inspector = await freePort();
  const persistDir = options.persistDir ?? mkdtempSync(join(tmpdir(), "trawl-e2e-"));
  // One local origin serves every URL here: politeness pacing would only measure the
  // interval. Tests of pacing set these vars themselves.
  const vars = {
    DEV_ALLOWED_ORIGINS: options.allowedOrigins.join(","),
    HOST_MIN_INTERVAL_MS: "0",
    HOST_MAX_CONCURRENCY: "6",
    ...options.vars,
  };
  const args = ["wrangler", "dev", "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(inspector)];
  args.push("--persist-to", persistDir, "--show-interactive-dev-session=false", "--log-level", "warn");
  for (const [key, value] of Object.entries(vars)) args.push("--var", `${key}:${value}`);
  const child = spawn("npx", args, {
    cwd: join(import.meta.dirname, "../.."),
    // No local trace store: it grows without bound (see scripts/start.ts).
    env: { X_LOCAL_OBSERVABILITY: "false", ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true" },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  child.stdout?.on("data", (d) => (output += d));
  child.stderr?.on("data", (d) => (output += d));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited early:\n${output}`);
    try {
      if ((await fetch(`${url}/health`)).ok) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`wrangler dev did not start in time:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const signal = async (name: NodeJS.Signals) => {
    if (child.pid === undefined || child.exitCode !== null) return;
    try {
      process.kill(-child.pid, name); // the whole process group: npx, wrangler, workerd
    } catch {
      // already gone
    }
    await exited(child);
  };
  return {
    url,
    inspectorPort: inspector,
    pgid: child.pid ?? 0,
    persistDir,
    log: () => output,
    kill: () => signal("SIGKILL"),
    stop: () => signal("SIGTERM"),
  };
}
