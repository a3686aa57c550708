import { env, exports } from "cloudflare:workers";
import { expect } from "vitest";
import type { OriginRequest } from "../../demo/origin-server";

export const KEY_A = "test-key";
export const KEY_B = "test-key-b";
/** The real local origins started by test/support/global-origin.ts. */
const [ORIGIN_URL = "", POLITE_URL = "", HUGE_ROBOTS_URL = "", LOOP_ROBOTS_URL = "", RESET_ROBOTS_URL = ""] =
  env.DEV_ALLOWED_ORIGINS.split(",");
/** Serves pages, statuses and faults; robots.txt allows all; no pacing beyond the gate's. */
export const ORIGIN = ORIGIN_URL;
/** Its robots.txt sets Crawl-delay: 1 and disallows /private/. */
export const POLITE_ORIGIN = POLITE_URL;
/** Its robots.txt is 10 MiB and disallows /private/ in its first lines. */
export const HUGE_ROBOTS_ORIGIN = HUGE_ROBOTS_URL;
/** Its robots.txt redirects in a loop. */
export const LOOP_ROBOTS_ORIGIN = LOOP_ROBOTS_URL;
/** Its robots.txt answers 200, then the connection drops mid-file. */
export const RESET_ROBOTS_ORIGIN = RESET_ROBOTS_URL;

/** Calls the Worker's public HTTP API as a client would. */
export function api(path: string, init: RequestInit & { key?: string | null } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  const key = init.key === undefined ? KEY_A : init.key;
  if (key) headers.set("authorization", `Bearer ${key}`);
  return exports.default.fetch(new Request(`http://trawl.test${path}`, { ...init, headers }));
}

export async function json<T = Record<string, unknown>>(response: Response): Promise<T> {
  return (await response.json()) as T;
}

export interface BatchBody {
  id: string;
  status: string;
  counts: { total: number; pending: number; succeeded: number; failed: number; skipped: number };
  published: boolean;
  accepted?: number;
  duplicates?: number;
  invalid?: { count: number; samples: { index: number; code: string; reason: string }[] };
  links: { download: string | null };
}

/** Submits a JSON batch and returns the 202 body. */
export async function submit(urls: unknown[], options?: unknown, key = KEY_A): Promise<BatchBody> {
  const response = await api("/v1/batches", {
    method: "POST",
    key,
    headers: { "content-type": "application/json" },
    body: JSON.stringify(options === undefined ? { urls } : { urls, options }),
  });
  expect(response.status, await response.clone().text()).toBe(202);
  return json<BatchBody>(response);
}

/** Polls a batch until its manifest is published (or the deadline passes). */
export async function waitForPublished(id: string, key = KEY_A, timeoutMs = 25_000): Promise<BatchBody> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const batch = await json<BatchBody>(await api(`/v1/batches/${id}`, { key }));
    if (batch.published) return batch;
    if (Date.now() > deadline) throw new Error(`batch ${id} not published in time: ${JSON.stringify(batch)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Downloads the complete result set through its signed link. */
export async function download(id: string, key = KEY_A): Promise<Record<string, unknown>[]> {
  const link = await json<{ url: string }>(await api(`/v1/batches/${id}/download`, { key }));
  const url = new URL(link.url);
  const response = await exports.default.fetch(new Request(`http://trawl.test${url.pathname}${url.search}`));
  expect(response.status).toBe(200);
  const text = await response.text();
  return text
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Every request the origin has answered so far. */
export async function originRequests(origin = ORIGIN): Promise<OriginRequest[]> {
  return (await (await fetch(`${origin}/__requests`)).json()) as OriginRequest[];
}

/** A path on the origin unique to this test run, so request counts are not shared. */
export function unique(prefix: string): string {
  return `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
}
