// `npm start` as a newcomer runs it: it must serve, and Ctrl-C or a SIGTERM must leave
// nothing behind (the demo origin, wrangler and workerd included).
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { startNpmStart, until } from "../support/npm-start";

/** Every live descendant of `pid`, read from `ps`. */
function descendants(pid: number): number[] {
  const rows = execFileSync("ps", ["-eo", "pid=,ppid="], { encoding: "utf8" })
    .trim()
    .split("\n")
    .map((line) => line.trim().split(/\s+/).map(Number) as [number, number]);
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const parent = queue.shift();
    for (const [child, ppid] of rows) {
      if (ppid === parent) {
        found.push(child);
        queue.push(child);
      }
    }
  }
  return found;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("npm start", () => {
  for (const how of ["SIGTERM to npm", "Ctrl-C (SIGINT to the group)"] as const) {
    it(`serves the API and the demo origin, and leaves no process behind after ${how}`, async () => {
      const { child, api, origin, log } = await startNpmStart();
      const pid = child.pid ?? 0;
      expect((await fetch(`${origin}/pages/1.html`)).status).toBe(200);
      expect((await fetch(`${api}/health`)).status).toBe(200);
      const started = descendants(pid);
      // npm, its shell, tsx, our script, wrangler (two processes) and workerd.
      expect(started.length, log()).toBeGreaterThanOrEqual(4);

      if (how === "SIGTERM to npm") process.kill(pid, "SIGTERM");
      else process.kill(-pid, "SIGINT");

      const gone = await until(() => [pid, ...started].every((p) => !alive(p)), 20_000);
      const left = [pid, ...started].filter(alive);
      for (const p of left) process.kill(p, "SIGKILL");
      expect(left, log()).toEqual([]);
      expect(gone).toBe(true);
      await expect(fetch(`${api}/health`)).rejects.toThrow();
    });
  }
});
