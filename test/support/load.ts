// Many clients at once against one local service: each submits a small batch (with a
// duplicate and a 404 in it), polls it to publication, downloads it and checks that
// every count is exact. Shared by `npm run load` (bench/load.ts) and the short e2e test.
import type { ResultRecord } from "../../lib/schemas";
import { prng } from "./prng";

export interface LoadOptions {
  /** Base URL of the Trawl service (wrangler dev). */
  service: string;
  /** Base URL of the local origin serving /pages/N.html and /status/404. */
  origin: string;
  apiKey: string;
  clients: number;
  /** No client starts a new batch after this many ms. */
  durationMs: number;
  /** Each client stops after this many batches (Infinity: until durationMs). */
  batchesPerClient: number;
  /** A batch not published within this is counted as stuck and abandoned. */
  batchTimeoutMs: number;
  pollMs?: number;
}

export interface LoadReport {
  batches: number;
  urls: number;
  /** Responses with a 5xx status, from any route. */
  serverErrors: number;
  /** Batches whose status, download or record checks did not match exactly. */
  mismatches: string[];
  /** Batches not published in time, or whose requests threw. */
  stuck: string[];
  /** Submit → manifest published, per completed batch. */
  publishMs: number[];
  requests: number;
  elapsedMs: number;
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

export async function runLoad(options: LoadOptions): Promise<LoadReport> {
  const report: LoadReport = {
    batches: 0,
    urls: 0,
    serverErrors: 0,
    mismatches: [],
    stuck: [],
    publishMs: [],
    requests: 0,
    elapsedMs: 0,
  };
  const started = Date.now();
  const stopAt = started + options.durationMs;
  const pollMs = options.pollMs ?? 200;
  let nextPage = 0;

  const call = async (url: string, init: RequestInit = {}, auth = true): Promise<Response> => {
    const headers = new Headers(init.headers);
    if (auth) headers.set("authorization", `Bearer ${options.apiKey}`);
    report.requests++;
    const response = await fetch(url, { ...init, headers });
    if (response.status >= 500) report.serverErrors++;
    return response;
  };

  const oneBatch = async (client: number, n: number, random: () => number): Promise<void> => {
    const label = `client ${client} batch ${n}`;
    // 5–20 URLs: the last two are a duplicate of the first page and a 404.
    const size = 5 + Math.floor(random() * 16);
    const pages = Array.from({ length: size - 2 }, () => `${options.origin}/pages/${nextPage++}.html`);
    const input = [...pages, `${pages[0]}#again`, `${options.origin}/status/404?c=${client}&b=${n}`];
    const expected = { total: size, pending: 0, succeeded: size - 2, failed: 1, skipped: 1 };
    const t0 = performance.now();
    const created = await call(`${options.service}/v1/batches`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ urls: input }),
    });
    if (created.status !== 202) {
      report.mismatches.push(`${label}: submit answered ${created.status} ${await created.text()}`);
      return;
    }
    const { id } = (await created.json()) as { id: string };
    const deadline = Date.now() + options.batchTimeoutMs;
    let status: { published: boolean; status: string; counts: typeof expected } | undefined;
    for (;;) {
      const response = await call(`${options.service}/v1/batches/${id}`);
      if (response.ok) {
        status = (await response.json()) as typeof status;
        if (status?.published) break;
      } else {
        await response.body?.cancel();
      }
      if (Date.now() > deadline) {
        report.stuck.push(`${label} (${id}): not published in ${options.batchTimeoutMs} ms: ${JSON.stringify(status)}`);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
    report.publishMs.push(performance.now() - t0);
    report.batches++;
    report.urls += size;
    const problems: string[] = [];
    if (status?.status !== "completed") problems.push(`status ${status?.status}`);
    if (JSON.stringify(status?.counts) !== JSON.stringify(expected)) {
      problems.push(`counts ${JSON.stringify(status?.counts)} != ${JSON.stringify(expected)}`);
    }
    const link = await call(`${options.service}/v1/batches/${id}/download`);
    if (!link.ok) {
      problems.push(`download link ${link.status}`);
    } else {
      const { url } = (await link.json()) as { url: string };
      const body = await call(url, {}, false);
      const records = (await body.text())
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line) as ResultRecord);
      const by = (s: string) => records.filter((r) => r.status === s).length;
      if (records.length !== size) problems.push(`${records.length} records for ${size} URLs`);
      if (records.some((r, i) => r.index !== i || r.url !== input[i])) problems.push("records out of input order");
      if (by("succeeded") !== size - 2 || by("failed") !== 1 || by("skipped") !== 1) {
        problems.push(`records by status ${by("succeeded")}/${by("failed")}/${by("skipped")}`);
      }
      if (records[size - 2]?.error?.code !== "duplicate") problems.push("duplicate not reported as such");
      if (records[size - 1]?.httpStatus !== 404) problems.push("404 not reported with its status");
    }
    if (problems.length > 0) report.mismatches.push(`${label} (${id}): ${problems.join("; ")}`);
  };

  await Promise.all(
    Array.from({ length: options.clients }, async (_, client) => {
      const random = prng(client + 1);
      for (let n = 0; n < options.batchesPerClient && Date.now() < stopAt; n++) {
        try {
          await oneBatch(client, n, random);
        } catch (error) {
          report.stuck.push(`client ${client} batch ${n}: ${String(error)}`);
        }
      }
    }),
  );
  report.elapsedMs = Date.now() - started;
  return report;
}

export function formatReport(report: LoadReport, clients: number): string {
  const seconds = report.elapsedMs / 1000;
  return [
    `load: ${clients} clients, ${seconds.toFixed(1)} s`,
    `  batches completed   ${report.batches}`,
    `  URLs                ${report.urls}  (${(report.urls / seconds).toFixed(1)} URLs/s)`,
    `  API requests        ${report.requests}`,
    `  5xx responses       ${report.serverErrors}`,
    `  count mismatches    ${report.mismatches.length}`,
    `  stuck / errors      ${report.stuck.length}`,
    `  time to publish     p50 ${(percentile(report.publishMs, 50) / 1000).toFixed(2)} s, ` +
      `p95 ${(percentile(report.publishMs, 95) / 1000).toFixed(2)} s, ` +
      `max ${(Math.max(0, ...report.publishMs) / 1000).toFixed(2)} s`,
    ...report.mismatches.slice(0, 10).map((m) => `  mismatch: ${m}`),
    ...report.stuck.slice(0, 10).map((m) => `  stuck: ${m}`),
  ].join("\n");
}
