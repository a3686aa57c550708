// `npm start`: the local service, ready to take a batch. Starts the demo origin on
// DEMO_ORIGIN_PORT (8790; the pages of the README's example) and `wrangler dev` on PORT (8787). Ctrl-C or a
// SIGTERM stops all of it: wrangler runs in a process group of its own (with the
// workerd it starts), and that whole group is signalled, not just its leader.
import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { startOrigin } from "../demo/origin-server";

const apiPort = portFrom("PORT", 8787);
const originPort = portFrom("DEMO_ORIGIN_PORT", 8790);
// Both ports are checked before anything starts, so a taken one is one line, not a
// stack trace (the origin) or wrangler's advice to pass --port (which npm start does not take).
for (const [name, port] of [
  ["PORT", apiPort],
  ["DEMO_ORIGIN_PORT", originPort],
] as const) {
  if (await portTaken(port))
    refuse(`port ${port} is taken; choose another with ${name}, e.g. ${name}=${port + 100} npm start`);
}
const origin = await startOrigin({ port: originPort }).catch((error: Error) =>
  refuse(
    `the demo origin cannot listen on port ${originPort} (${error.message}); choose another with DEMO_ORIGIN_PORT`,
  ),
);
console.log(`demo origin on ${origin.url} (pages: ${origin.url}/pages/1.html …)`);

// Wrangler's own entry on this process's Node (the project's pinned Node when run by
// npm), not `npx`: one process fewer between us and the group we have to stop.
const wranglerPackage = createRequire(import.meta.url).resolve("wrangler/package.json");
const wranglerBin = join(dirname(wranglerPackage), "bin", "wrangler.js");
const args = [wranglerBin, "dev", "--ip", "127.0.0.1", "--port", String(apiPort)];
// A process group of its own is a background group on the terminal: reading the
// terminal would stop it (SIGTTIN), so wrangler gets no stdin and no hotkey prompt.
args.push("--show-interactive-dev-session=false");
// The demo origin is the one loopback origin the fetcher may reach, on whatever port it got.
args.push("--var", `DEV_ALLOWED_ORIGINS:${origin.url},${origin.url.replace("127.0.0.1", "localhost")}`);
const wrangler = spawn(process.execPath, args, {
  stdio: ["ignore", "inherit", "inherit"],
  detached: true,
  // Local traces (wrangler's trace store) grow without bound on a long crawl, over a
  // gigabyte in 20 minutes: off unless asked for with X_LOCAL_OBSERVABILITY=true.
  env: { X_LOCAL_OBSERVABILITY: "false", ...process.env, WRANGLER_SEND_METRICS: "false" },
});

let stopping = false;
async function stop(exitCode: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  await signalGroup(wrangler, "SIGTERM", 5000);
  await origin.close();
  process.exit(exitCode);
}

/** Signals the child's whole process group; SIGKILL if it is still there after `graceMs`. */
async function signalGroup(child: ChildProcess, signal: NodeJS.Signals, graceMs: number): Promise<void> {
  if (child.pid === undefined) return;
  const pgid = child.pid;
  const send = (s: NodeJS.Signals | 0) => {
    try {
      process.kill(-pgid, s);
      return true;
    } catch {
      return false; // the group is gone
    }
  };
  if (!send(signal)) return;
  const deadline = Date.now() + graceMs;
  // workerd may outlive wrangler briefly: wait for the group, not just the leader.
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    if (!send(0)) return; // signal 0 only asks whether the group still exists
  }
  send("SIGKILL");
}

process.on("SIGINT", () => void stop(130));
process.on("SIGTERM", () => void stop(143));
process.on("SIGHUP", () => void stop(129));
wrangler.on("exit", (code) => void stop(code ?? 0));

/** The port in environment variable `name`, or `fallback`; anything but 1-65535 is refused. */
function portFrom(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) refuse(`${name}=${raw} is not a port (1-65535)`);
  return port;
}

/** Whether something already listens on 127.0.0.1:`port`. */
function portTaken(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(true));
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve(false)));
  });
}

function refuse(line: string): never {
  console.error(`npm start: ${line}`);
  process.exit(1);
}
