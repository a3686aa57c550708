// A host name this machine resolves to 127.0.0.1 that the address policy's text rules
// let through (a hosts-file name such as the machine's own), for the SSRF-by-name tests.
import { readFileSync } from "node:fs";

/** Such a name from /etc/hosts; one that resolves nowhere when the hosts file has none (it must be refused too). */
export function loopbackName(): string {
  let hosts = "";
  try {
    hosts = readFileSync("/etc/hosts", "utf8");
  } catch {}
  for (const line of hosts.split("\n")) {
    const [address, ...names] = line.replace(/#.*/, "").trim().split(/\s+/);
    if (address !== "127.0.0.1") continue;
    const name = names.find(
      (n) => /^[a-z0-9-]+(\.[a-z0-9-]+)*$/i.test(n) && !/(^|\.)(localhost|local|localdomain|internal)$/i.test(n),
    );
    if (name) return name.toLowerCase();
  }
  return "trawl-loopback-probe.test";
}
