// `npm start`: the local service, ready to take a batch. Starts the demo origin on
// 8790 (the pages of the README's example) and `wrangler dev` on 8787. Ctrl-C or a
// SIGTERM stops all of it: wrangler runs in a process group of its own (with the
// workerd it starts), and that whole group is signalled, not just its leader.
import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { startOrigin } from "../demo/origin-server";

const origin = await startOrigin({ port: Number(process.env.DEMO_ORIGIN_PORT ?? 8790) });
console.log(`demo origin on ${origin.url} (pages: ${origin.url}/pages/1.html …)`);

// Wrangler's own entry on this process's Node (the project's pinned Node when run by
// npm), not `npx`: one process fewer between us and the group we have to stop.
const wranglerPackage = createRequire(import.meta.url).resolve("wrangler/package.json");
const wranglerBin = join(dirname(wranglerPackage), "bin", "wrangler.js");
const args = [wranglerBin, "dev", "--ip", "127.0.0.1", "--port", process.env.PORT ?? "8787"];
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
