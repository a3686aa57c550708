// `npm start` as a newcomer runs it: it must serve, and Ctrl-C or a SIGTERM must leave
// nothing behind (the demo origin, wrangler and workerd included).
import { execFile, execFileSync } from "node:child_process";
import { createServer, type Server } from "node:net";
import { describe, expect, it } from "vitest";
import { ROOT, startNpmStart, until } from "../support/npm-start";
import { freePort } from "../support/wrangler-dev";

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

/** Holds 127.0.0.1:`port` open, as another program would. */
function occupy(port: number): Promise<Server> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(port, "127.0.0.1", () => resolve(server));
  });
}

/** `npm start` run to its end with `env` added; its exit code and everything it printed. */
function npmStartExit(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      "npm",
      ["start"],
      { cwd: ROOT, env: { ...process.env, ...env }, timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: child.exitCode ?? (error ? 1 : 0), output: `${stdout}${stderr}` }),
    );
  });
}

describe("npm start on a taken port", () => {
  for (const variable of ["PORT", "DEMO_ORIGIN_PORT"] as const) {
    it(`says in one line which port ${variable} names and how to change it, with no stack trace`, async () => {
      const [taken, other] = [await freePort(), await freePort()];
      const server = await occupy(taken);
      try {
        const ports =
          variable === "PORT" ? { PORT: taken, DEMO_ORIGIN_PORT: other } : { PORT: other, DEMO_ORIGIN_PORT: taken };
        const { code, output } = await npmStartExit({
          PORT: String(ports.PORT),
          DEMO_ORIGIN_PORT: String(ports.DEMO_ORIGIN_PORT),
        });
        expect(code).not.toBe(0);
        expect(output).toContain(`npm start: port ${taken} is taken; choose another with ${variable}`);
        expect(output).not.toMatch(/^\s+at /m);
        expect(output).not.toContain("EADDRINUSE");
      } finally {
        server.close();
      }
    });
  }

  it("refuses a PORT that is not a port number in one line", async () => {
    const { code, output } = await npmStartExit({ PORT: "eighty" });
    expect(code).not.toBe(0);
    expect(output).toContain("npm start: PORT=eighty is not a port (1-65535)");
  });
});
