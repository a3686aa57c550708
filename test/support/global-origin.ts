// Vitest global setup (runs in Node): one real local origin server for the workerd
// unit and integration tests, whose URL is handed to the pool as DEV_ALLOWED_ORIGINS.
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import type { TestProject } from "vitest/node";
import { type Origin, startOrigin } from "../../demo/origin-server";
import { buildDocuments, documentRoutes } from "./document-routes";
import { faultRoutes, robotsFaultRoutes } from "./fault-routes";
import { loopbackName } from "./loopback-name";
import { nearDuplicateRoutes } from "./near-duplicate-pages";
import { paceRoutes } from "./pace-routes";
import { sitemapRoutes } from "./sitemap-routes";
import { webhookRoutes } from "./webhook-receiver";

// Each workerd project (unit, integration) runs this setup once, in one Node process:
// every origin started is closed at the end, not only the last project's.
const started: Origin[] = [];
const children: ChildProcess[] = [];

/** The robots.txt fault origins, in the order test/integration/helpers.ts reads them. */
const ROBOTS_FAULTS = ["huge", "loop", "reset", "recovering"] as const satisfies ReadonlyArray<
  keyof typeof robotsFaultRoutes
>;

/** robots.txt of the second origin: a crawl delay and a forbidden folder. */
export const POLITE_ROBOTS = "User-agent: *\nCrawl-delay: 1\nDisallow: /private/\n";

/** robots.txt of the paced origin: four requests a second (test/integration/pacing.test.ts). */
export const PACED_ROBOTS = "User-agent: *\nCrawl-delay: 0.25\n";

export async function setup(project: TestProject): Promise<void> {
  await buildDocuments();
  const origin = await startOrigin({
    routes: async (req, res, url) =>
      (await webhookRoutes(req, res, url)) ||
      (await documentRoutes(req, res, url)) ||
      faultRoutes(req, res, url) ||
      sitemapRoutes(req, res, url) ||
      nearDuplicateRoutes(req, res, url) ||
      (await paceRoutes(req, res, url)),
  });
  const timed = await startTimedOrigins();
  const robotsFaults = await Promise.all(
    ROBOTS_FAULTS.map((fault) => startOrigin({ routes: robotsFaultRoutes[fault] })),
  );
  started.push(origin, ...robotsFaults);
  project.provide("originUrl", origin.url);
  project.provide("politeOriginUrl", timed.polite);
  project.provide("pacedOriginUrl", timed.paced);
  project.provide(
    "robotsFaultOriginUrls",
    robotsFaults.map((o) => o.url),
  );
  project.provide("loopbackName", loopbackName());
}

export async function teardown(): Promise<void> {
  for (const child of children.splice(0)) child.stdin?.end();
  await Promise.all(started.splice(0).map((o) => o.close()));
}

/** The polite and paced origins, in a child process of their own (test/support/timed-origins.ts). */
async function startTimedOrigins(): Promise<{ polite: string; paced: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", new URL("./timed-origins.ts", import.meta.url).pathname], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  children.push(child);
  const lines = createInterface({ input: child.stdout as NonNullable<typeof child.stdout> });
  const first = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("timed origins: no URLs within 30 s")), 30_000);
    child.once("exit", (code) => reject(new Error(`timed origins exited (${code}) before giving their URLs`)));
    lines.once("line", (line) => {
      clearTimeout(timer);
      resolve(line);
    });
  });
  return JSON.parse(first) as { polite: string; paced: string };
}

declare module "vitest" {
  export interface ProvidedContext {
    originUrl: string;
    politeOriginUrl: string;
    pacedOriginUrl: string;
    robotsFaultOriginUrls: string[];
    loopbackName: string;
  }
}
