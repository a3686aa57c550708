// The plain NDJSON download is gzipped only for a client that asked for gzip, as a raw
// HTTP client (node:http sends no Accept-Encoding of its own, as curl without
// --compressed and wget do not) sees it through `wrangler dev`.
import { request } from "node:http";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { serviceForFile } from "./service";

const service = serviceForFile();

interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A GET with exactly the headers given: node:http adds no Accept-Encoding. */
function rawGet(url: string, headers: Record<string, string> = {}): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

describe("download encoding", () => {
  it("sends plain NDJSON to a client without Accept-Encoding, gzip only to one that takes it", async () => {
    const urls = [1, 2, 3].map((n) => `${service.origin.url}/pages/${n}.html`);
    const created = await service.client.submit({ urls });
    expect(created.status).toBe(202);
    await service.client.waitForPublished(created.body.id);
    const link = (await (await service.client.request(`/v1/batches/${created.body.id}/download`)).json()) as {
      url: string;
    };
    const lines = (body: Buffer) => body.toString("utf8").split("\n").filter(Boolean);

    const plain = await rawGet(link.url);
    expect(plain.status).toBe(200);
    expect(plain.headers["content-encoding"]).toBeUndefined();
    expect(lines(plain.body).map((l) => (JSON.parse(l) as { url: string }).url)).toEqual(urls);

    const refused = await rawGet(link.url, { "accept-encoding": "gzip;q=0, identity" });
    expect(refused.headers["content-encoding"]).toBeUndefined();
    expect(lines(refused.body)).toHaveLength(3);

    const gzipped = await rawGet(link.url, { "accept-encoding": "gzip" });
    expect(gzipped.headers["content-encoding"]).toBe("gzip");
    expect(lines(gunzipSync(gzipped.body))).toEqual(lines(plain.body));
  });
});
