// A webhook receiver for tests, mounted on a local origin: POST /hooks/<name> records
// each delivery; `?fail=N` answers 500 to the first N deliveries to <name>; `?redirect`
// answers every one with a 302;
// GET /__hooks/<name> lists what arrived (for tests inside workerd).
import type { IncomingMessage, ServerResponse } from "node:http";

export interface ReceivedHook {
  name: string;
  at: number;
  headers: Record<string, string>;
  body: string;
  /** What the receiver answered. */
  status: number;
}

const received = new Map<string, ReceivedHook[]>();

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** Origin routes of the receiver; answers false for paths that are not its own. */
export async function webhookRoutes(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
  const listed = /^\/__hooks\/([\w-]+)$/.exec(url.pathname);
  if (listed?.[1]) {
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(received.get(listed[1]) ?? []));
    return true;
  }
  const hook = /^\/hooks\/([\w-]+)$/.exec(url.pathname);
  if (!hook?.[1] || req.method !== "POST") return false;
  const name = hook[1];
  const list = received.get(name) ?? [];
  received.set(name, list);
  const failFirst = Number(url.searchParams.get("fail") ?? 0);
  const redirect = url.searchParams.has("redirect");
  const status = redirect ? 302 : list.length < failFirst ? 500 : 200;
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(req.headers)) if (typeof value === "string") headers[key] = value;
  list.push({ name, at: Date.now(), headers, body: await readBody(req), status });
  // `?redirect`: always 302 to <name>-moved, which Trawl must never follow.
  const headers302 = redirect ? { location: `/hooks/${name}-moved` } : {};
  res.writeHead(status, { "content-type": "text/plain", ...headers302 }).end(status === 200 ? "ok" : "not now");
  return true;
}

/** What arrived for `name` so far (for tests in the receiver's own process). */
export function receivedHooks(name: string): ReceivedHook[] {
  return [...(received.get(name) ?? [])];
}
