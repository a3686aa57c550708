// WARC/1.1 records as lib/warc.ts writes them: the head, the block, the digest.
import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../lib/raw-pages";
import type { ResultRecord } from "../../lib/schemas";
import { pageRecords, serializeWarcRecord, warcinfoRecord } from "../../lib/warc";

const decoder = new TextDecoder();

function record(overrides: Partial<ResultRecord> = {}): ResultRecord {
  return {
    index: 3,
    id: "p3",
    url: "http://a.test/start",
    status: "succeeded",
    error: null,
    finalUrl: "http://a.test/page",
    redirects: ["http://a.test/start"],
    httpStatus: 200,
    contentType: "text/html; charset=utf-8",
    title: null,
    description: null,
    language: null,
    canonicalUrl: null,
    siteName: null,
    byline: null,
    publishedTime: null,
    markdown: null,
    wordCount: null,
    contentHash: null,
    etag: '"v1"',
    lastModified: null,
    fetchedAt: "2026-12-01T10:00:00.000Z",
    durationMs: 12,
    attempts: 1,
    ...overrides,
  };
}

describe("WARC records", () => {
  it("writes a response with the rebuilt HTTP head, the body and a base32 SHA-256 payload digest", async () => {
    const body = new TextEncoder().encode("<html>hello</html>");
    const sha = await sha256Hex(body);
    const [response, metadata] = pageRecords(record(), body, sha);
    if (!response || !metadata) throw new Error("two records expected");
    // Python: base64.b32encode(hashlib.sha256(b"<html>hello</html>").digest())
    expect(response.fields["WARC-Payload-Digest"]).toBe(
      "sha256:PZJX5EB56W72TSO6FXCZBUTEN6FUVJY52FEHPPJ6F3HNVAU2IYMA====",
    );
    const text = decoder.decode(serializeWarcRecord(response, "2026-12-01T10:00:00.000Z"));
    const [head = "", block = ""] = text.split("\r\n\r\n");
    expect(head.split("\r\n")[0]).toBe("WARC/1.1");
    expect(head).toContain("WARC-Type: response\r\n");
    expect(head).toContain("WARC-Target-URI: http://a.test/page\r\n");
    expect(head).toContain(`Content-Length: ${text.length - head.length - 8}`);
    expect(block).toBe('HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: 18\r\nETag: "v1"');
    expect(text.endsWith("<html>hello</html>\r\n\r\n")).toBe(true);
    expect(metadata.fields["WARC-Refers-To"]).toBe(response.fields["WARC-Record-ID"]);
    expect(decoder.decode(metadata.block)).toContain("input-url: http://a.test/start\r\n");
  });

  it("keeps a header value on one line, whatever the page sent", () => {
    const [response] = pageRecords(record({ etag: '"x"\r\nWARC-Type: resource' }), new Uint8Array(0), "00");
    if (!response) throw new Error("no response");
    const block = decoder.decode(response.block);
    expect(block).toContain('ETag: "x" WARC-Type: resource\r\n');
  });

  it("opens a file with a warcinfo record of warc-fields", () => {
    const info = warcinfoRecord("f.warc.gz", { "trawl-batch": "b" });
    expect(info.fields["Content-Type"]).toBe("application/warc-fields");
    expect(decoder.decode(info.block)).toContain("format: WARC File Format 1.1\r\ntrawl-batch: b\r\n");
  });
});
