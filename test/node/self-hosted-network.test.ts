// The README's network service for a self-hosted workerd ("Where host names are
// fetched"), run as written: workerd resolves a host name itself and refuses to connect
// when the address is one the policy refuses, so a hosts-file name for loopback cannot
// reach a local service. A second Worker, on an unrestricted network, shows the name
// does reach it otherwise. Its deny list covers every range of lib/address-policy.ts.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { refusedIpv4Ranges } from "../../lib/address-policy";
import { loopbackName } from "../support/loopback-name";
import { freePort } from "../support/wrangler-dev";

const ROOT = join(import.meta.dirname, "../..");
const README = readFileSync(join(ROOT, "README.md"), "utf8");
/** The README's capnp block, its indentation removed. */
const SNIPPET = (/^ *```capnp\n([\s\S]*?)^ *```$/m.exec(README)?.[1] ?? "").replace(/^ {2}/gm, "");

const WORKER = `export default {
  async fetch(request) {
    const target = new URL(request.url).searchParams.get("target");
    try {
      const response = await fetch(target);
      return new Response("reached " + (await response.text()));
    } catch (error) {
      return new Response("refused " + error.message, { status: 502 });
    }
  },
};`;

let internal: Server;
let workerd: ChildProcess;
let log = "";
let strictUrl = "";
let openUrl = "";

beforeAll(async () => {
  internal = createServer((_, res) => res.end("internal service"));
  await new Promise<void>((resolve) => internal.listen(0, "127.0.0.1", resolve));
  const [strictPort, openPort] = [await freePort(), await freePort()];
  const dir = mkdtempSync(join(tmpdir(), "trawl-workerd-"));
  writeFileSync(join(dir, "worker.js"), WORKER);
  writeFileSync(
    join(dir, "config.capnp"),
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "strict", worker = .strict),
    (name = "open", worker = .open),
    ${SNIPPET.replace(/^#.*$/gm, "").trim()},
    (name = "anywhere", network = (allow = ["public", "private", "local"])),
  ],
  sockets = [
    (name = "strict", address = "127.0.0.1:${strictPort}", http = (), service = "strict"),
    (name = "open", address = "127.0.0.1:${openPort}", http = (), service = "open"),
  ],
);
const strict :Workerd.Worker = (
  modules = [(name = "worker", esModule = embed "worker.js")],
  compatibilityDate = "2025-01-01",
  globalOutbound = "public-internet",
);
const open :Workerd.Worker = (
  modules = [(name = "worker", esModule = embed "worker.js")],
  compatibilityDate = "2025-01-01",
  globalOutbound = "anywhere",
);
`,
  );
  const bin = join(ROOT, "node_modules/workerd/bin/workerd");
  workerd = spawn(bin, ["serve", join(dir, "config.capnp")], { stdio: ["ignore", "pipe", "pipe"] });
  workerd.stdout?.on("data", (d) => (log += d));
  workerd.stderr?.on("data", (d) => (log += d));
  strictUrl = `http://127.0.0.1:${strictPort}`;
  openUrl = `http://127.0.0.1:${openPort}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (workerd.exitCode !== null) throw new Error(`workerd exited:\n${log}`);
    try {
      await fetch(`${openUrl}/?target=${encodeURIComponent(openUrl)}`);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`workerd did not start:\n${log}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
});

afterAll(async () => {
  workerd?.kill("SIGTERM");
  await new Promise<void>((resolve) => internal?.close(() => resolve()) ?? resolve());
});

async function through(worker: string, target: string): Promise<string> {
  return (await fetch(`${worker}/?target=${encodeURIComponent(target)}`)).text();
}

describe("a self-hosted workerd with the README's network service", () => {
  it("refuses a host name that resolves to loopback, and the loopback address itself", async () => {
    const port = (internal.address() as AddressInfo).port;
    const name = loopbackName();
    // Without the policy, the name reaches the internal service (when the hosts file has one).
    if (name !== "trawl-loopback-probe.test") {
      expect(await through(openUrl, `http://${name}:${port}/`)).toBe("reached internal service");
    }
    expect(await through(strictUrl, `http://${name}:${port}/`)).toMatch(/^refused /);
    if (name !== "trawl-loopback-probe.test") {
      // Refused by the network's address check after resolving, not by a failed lookup.
      await expect.poll(() => log, { timeout: 2000 }).toContain(`connecting to ${name}:${port} is not allowed`);
    }
    expect(await through(strictUrl, `http://127.0.0.1:${port}/`)).toMatch(/^refused /);
    expect(await through(strictUrl, `http://[::ffff:127.0.0.1]:${port}/`)).toMatch(/^refused /);
  });

  it("denies every IPv4 range the address policy refuses", () => {
    const deny = [...SNIPPET.matchAll(/"(\d+\.\d+\.\d+\.\d+)\/(\d+)"/g)].map((m) => [
      toNumber(m[1] ?? ""),
      Number(m[2]),
    ]);
    for (const range of refusedIpv4Ranges()) {
      const [address = "", prefix = "0"] = range.split("/");
      const covered = deny.some(
        ([network = 0, bits = 0]) => bits <= Number(prefix) && (toNumber(address) ^ network) >>> (32 - bits) === 0,
      );
      expect(covered, range).toBe(true);
    }
  });
});

function toNumber(dotted: string): number {
  return dotted.split(".").reduce((value, octet) => value * 256 + Number(octet), 0);
}
