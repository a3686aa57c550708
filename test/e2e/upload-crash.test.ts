// A crash during a long streamed upload must not lock its Idempotency-Key: `wrangler
// dev` is killed (SIGKILL) while a client streams a list with a key, started again on
// the same state, and the client's retry with the same key gets its batch within
// seconds (it used to get 409 until a ten-minute ingest timeout).
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Origin, startOrigin } from "../../demo/origin-server";
import { type DevServer, freePort, startWranglerDev } from "../support/wrangler-dev";
import { type Batch, TrawlClient } from "./client";

let origin: Origin;
let dev: DevServer | undefined;
let port: number;
let persistDir: string;

beforeAll(async () => {
  origin = await startOrigin({});
  port = await freePort();
  persistDir = mkdtempSync(join(tmpdir(), "trawl-upload-crash-"));
});

afterAll(async () => {
  await dev?.stop();
  await origin?.close();
});

const start = () => startWranglerDev({ allowedOrigins: [origin.url], persistDir, port });
const pages = (count: number) => Array.from({ length: count }, (_, n) => `${origin.url}/pages/${n}.html`);

describe("a crash during a streamed upload", () => {
  it("frees the upload's Idempotency-Key for the client's retry after a restart", async () => {
    dev = await start();
    const client = new TrawlClient(dev.url, "dev-key");
    const key = `upload-${Date.now()}`;
    // 3,000 lines, then the stream stays open: the upload is mid-way when the kill lands.
    const encoder = new TextEncoder();
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(
          encoder.encode(`${Array.from({ length: 3000 }, (_, n) => `${origin.url}/x/${n}`).join("\n")}\n`),
        );
      },
    });
    const stalled = client
      .request("/v1/batches", {
        method: "POST",
        headers: { "content-type": "text/plain", "idempotency-key": key },
        body,
        duplex: "half",
      } as RequestInit)
      .catch((error: unknown) => error);
    // While it is live, the same key is refused (the first request is still uploading).
    const probe = async () =>
      client.request("/v1/batches", {
        method: "POST",
        headers: { "content-type": "text/plain", "idempotency-key": key },
        body: pages(5).join("\n"),
      });
    await new Promise((resolve) => setTimeout(resolve, 1000)); // the upload has begun
    const refused = await probe();
    expect(refused?.status).toBe(409);

    await dev.kill();
    expect(await stalled).toBeInstanceOf(Error);
    dev = await start();
    const restarted = new TrawlClient(dev.url, "dev-key");

    // The retry: 409 for at most the few seconds the upload counts as live, then 202.
    let answer: Response | undefined;
    const statuses: number[] = [];
    const deadline = Date.now() + 60_000; // the old behaviour held the key for 600 s
    while (Date.now() < deadline) {
      answer = await restarted.request("/v1/batches", {
        method: "POST",
        headers: { "content-type": "text/plain", "idempotency-key": key },
        body: pages(5).join("\n"),
      });
      statuses.push(answer.status);
      if (answer.status !== 409) break;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    expect(answer?.status, JSON.stringify(statuses)).toBe(202);
    const created = (await answer?.json()) as Batch;
    expect(created).toMatchObject({ accepted: 5, replayed: false });
    const done = await restarted.waitForPublished(created.id, 60_000);
    expect(done.counts).toMatchObject({ total: 5, succeeded: 5, failed: 0, skipped: 0 });
    // The same key now replays the batch it made, whatever the body.
    const replay = await restarted.submit({ urls: pages(1) }, key);
    expect(replay.body).toMatchObject({ id: created.id, replayed: true });
  });
});
