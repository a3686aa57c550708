// Vitest global setup (runs in Node): one real local origin server for the workerd
// integration tests, whose URL is handed to the pool as DEV_ALLOWED_ORIGINS.
import { readFileSync } from "node:fs";
import type { TestProject } from "vitest/node";
import { type Origin, startOrigin } from "../../demo/origin-server";
import { faultRoutes, robotsFaultRoutes } from "./fault-routes";
import { sitemapRoutes } from "./sitemap-routes";
import { webhookRoutes } from "./webhook-receiver";

let origin: Origin | undefined;
let polite: Origin | undefined;
let robotsFaults: Origin[] = [];

/** The robots.txt fault origins, in the order test/integration/helpers.ts reads them. */
const ROBOTS_FAULTS = ["huge", "loop", "reset"] as const satisfies ReadonlyArray<keyof typeof robotsFaultRoutes>;

/** robots.txt of the second origin: a crawl delay and a forbidden folder. */
export const POLITE_ROBOTS = "User-agent: *\nCrawl-delay: 1\nDisallow: /private/\n";

export async function setup(project: TestProject): Promise<void> {
  origin = await startOrigin({
    routes: async (req, res, url) =>
      (await webhookRoutes(req, res, url)) || faultRoutes(req, res, url) || sitemapRoutes(req, res, url),
  });
  polite = await startOrigin({ robots: POLITE_ROBOTS });
  robotsFaults = await Promise.all(ROBOTS_FAULTS.map((fault) => startOrigin({ routes: robotsFaultRoutes[fault] })));
  project.provide("originUrl", origin.url);
  project.provide("politeOriginUrl", polite.url);
  project.provide(
    "robotsFaultOriginUrls",
    robotsFaults.map((o) => o.url),
  );
  project.provide("loopbackName", loopbackName());
}

/**
 * A host name this machine resolves to 127.0.0.1 that the address policy's text rules
 * let through (a hosts-file name such as the machine's own), for the SSRF-by-name tests;
 * a name that resolves nowhere when the hosts file has none, which must be refused too.
 */
function loopbackName(): string {
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

export async function teardown(): Promise<void> {
  await origin?.close();
  await polite?.close();
  await Promise.all(robotsFaults.map((o) => o.close()));
}

declare module "vitest" {
  export interface ProvidedContext {
    originUrl: string;
    politeOriginUrl: string;
    robotsFaultOriginUrls: string[];
    loopbackName: string;
  }
}
