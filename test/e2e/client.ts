// A minimal client of the public HTTP API, as a user's script would be.
import type { ResultRecord } from "../../lib/schemas";
import type { BatchView, CreatedBatch } from "../support/api-types";

/** A batch as the API answers it: its status view, and after a submission what the upload took. */
export type Batch = BatchView & Partial<Pick<CreatedBatch, "accepted" | "duplicates" | "invalid" | "replayed">>;

export class TrawlClient {
  constructor(
    readonly base: string,
    readonly key: string,
  ) {}

  async request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set("authorization", `Bearer ${this.key}`);
    return fetch(`${this.base}${path}`, { ...init, headers });
  }

  async submit(body: unknown, idempotencyKey?: string): Promise<{ status: number; body: Batch }> {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (idempotencyKey) headers["idempotency-key"] = idempotencyKey;
    const response = await this.request("/v1/batches", { method: "POST", headers, body: JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as Batch };
  }

  async status(id: string): Promise<Batch> {
    return (await (await this.request(`/v1/batches/${id}`)).json()) as Batch;
  }

  /** Polls until the manifest is published. */
  async waitForPublished(id: string, timeoutMs = 180_000): Promise<Batch> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const batch = await this.status(id);
      if (batch.published) return batch;
      if (Date.now() > deadline) throw new Error(`not published in time: ${JSON.stringify(batch)}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  /** Follows the signed download link and parses every NDJSON line. */
  async downloadAll(id: string): Promise<ResultRecord[]> {
    const link = (await (await this.request(`/v1/batches/${id}/download`)).json()) as { url: string };
    const response = await fetch(link.url);
    if (!response.ok) throw new Error(`download failed: ${response.status} ${await response.text()}`);
    const text = await response.text();
    return text
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as ResultRecord);
  }
}
