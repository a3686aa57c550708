// Unit tests for the small pure modules of lib/ the pipeline is built on.
import { describe, expect, it } from "vitest";
import { createLimiter, mapLimit } from "../../lib/concurrency";
import { messageOf } from "../../lib/error-codes";
import { r2Keys } from "../../lib/r2-keys";
import { decodePart, encodePart, unfetchedLine, unfetchedRecord } from "../../lib/result-parts";
import { parseApiKeys, parseSettings } from "../../lib/settings";
import { signObject, verifyObject } from "../../lib/signing";
import { readUrlList } from "../../lib/url-list";
import { normalizeUrl } from "../../lib/url-normalize";

const stream = (text: string, pieces = 3) =>
  new ReadableStream<Uint8Array>({
    start(controller) {
      const bytes = new TextEncoder().encode(text);
      const size = Math.ceil(bytes.length / pieces) || 1;
      for (let i = 0; i < bytes.length; i += size) controller.enqueue(bytes.slice(i, i + size));
      controller.close();
    },
  });

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

describe("normalizeUrl", () => {
  it.each([
    ["HTTP://Example.COM:80/a/./b/../c#frag", "http://example.com/a/c"],
    ["https://example.com:443/?", "https://example.com/"],
    ["https://example.com./x?b=2&a=1", "https://example.com/x?b=2&a=1"],
    ["https://example.com/%7e%2f", "https://example.com/%7E%2F"],
  ])("normalises %s to %s", (input, expected) => {
    expect(normalizeUrl(new URL(input))).toBe(expected);
  });

  it("keeps query parameter order, which servers may treat as meaningful", () => {
    expect(normalizeUrl(new URL("https://e.com/?a=1&b=2"))).not.toBe(normalizeUrl(new URL("https://e.com/?b=2&a=1")));
  });
});

describe("signing", () => {
  it("accepts its own signature and refuses a tampered object, expiry or signature", async () => {
    const sig = await signObject("secret", "batches/x/manifest.json", 2000);
    expect(await verifyObject("secret", "batches/x/manifest.json", 2000, sig, 1000)).toBe("ok");
    expect(await verifyObject("secret", "batches/y/manifest.json", 2000, sig, 1000)).toBe("invalid");
    expect(await verifyObject("secret", "batches/x/manifest.json", 2001, sig, 1000)).toBe("invalid");
    expect(await verifyObject("other", "batches/x/manifest.json", 2000, sig, 1000)).toBe("invalid");
    expect(await verifyObject("secret", "batches/x/manifest.json", 2000, "zz", 1000)).toBe("invalid");
    expect(await verifyObject("secret", "batches/x/manifest.json", 2000, sig, 2001)).toBe("expired");
  });
});

describe("readUrlList", () => {
  it("streams NDJSON lines split across chunks, skipping blank lines", async () => {
    const lines = await collect(
      readUrlList(stream('"https://a.com/"\n\n{"url":"https://b.com/","id":"b"}\n7\n{bad\n'), "ndjson"),
    );
    expect(lines).toEqual([
      { line: 1, entry: "https://a.com/" },
      { line: 3, entry: { url: "https://b.com/", id: "b" } },
      { line: 4, problem: "expected a URL string or an object {url, id?}" },
      { line: 5, problem: "not valid JSON" },
    ]);
  });

  it("reads plain text with comments and no final newline", async () => {
    const lines = await collect(readUrlList(stream("# list\nhttps://a.com/\r\n  https://b.com/  "), "text"));
    expect(lines.map((l) => ("entry" in l ? l.entry : l.problem))).toEqual(["https://a.com/", "https://b.com/"]);
  });

  it("stops at a line longer than any URL instead of buffering it", async () => {
    const lines = await collect(readUrlList(stream(`https://a.com/${"x".repeat(20_000)}`, 10), "text"));
    expect(lines).toEqual([{ line: 1, problem: "longer than 8192 characters" }]);
  });
});

describe("settings", () => {
  it("parses API keys into tenants and ignores malformed pairs", () => {
    expect([...parseApiKeys(" k1:acme , broken, :x, k2:globex")]).toEqual([
      ["k1", "acme"],
      ["k2", "globex"],
    ]);
  });

  it("falls back to defaults for missing or nonsense numbers", () => {
    const settings = parseSettings({ CHUNK_SIZE: "abc", MAX_REDIRECTS: "3" });
    expect(settings.CHUNK_SIZE).toBe(25);
    expect(settings.MAX_REDIRECTS).toBe(3);
    expect(settings.HOST_MIN_INTERVAL_MS).toBe(1000);
  });
});

describe("result parts", () => {
  it("round-trips records sorted by index, with size and checksum", async () => {
    const at = (index: number) =>
      unfetchedRecord({ index, id: null, url: `u${index}`, attempts: 0 }, "skipped", "duplicate", "d");
    const part = await encodePart([at(3), at(1), at(2)]);
    const text = new TextDecoder().decode(part.body);
    expect(decodePart(text).map((r) => r.index)).toEqual([1, 2, 3]);
    expect(part.bytes).toBe(part.body.byteLength);
    expect(part.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(() => decodePart('{"index":"x"}\n')).toThrow();
  });

  it("lays out keys under one prefix per batch, parts sortable by chunk", () => {
    expect(r2Keys.part("b", 7, 2)).toBe("batches/b/parts/00000007-2.ndjson");
    expect(r2Keys.manifest("b").startsWith(r2Keys.batchPrefix("b"))).toBe(true);
  });
});

describe("concurrency", () => {
  it("never runs more than the limit at once and keeps result order", async () => {
    let active = 0;
    let peak = 0;
    const limit = createLimiter(2);
    const results = await mapLimit([5, 1, 3, 2, 4], 5, (n) =>
      limit(async () => {
        active++;
        peak = Math.max(peak, active);
        await new Promise((resolve) => setTimeout(resolve, n));
        active--;
        return n * 10;
      }),
    );
    expect(results).toEqual([50, 10, 30, 20, 40]);
    expect(peak).toBe(2);
  });
});

describe("messageOf", () => {
  it("fills in the message of a bulk-ended URL from its code, and keeps any stored one", () => {
    expect(messageOf("cancelled", null)).toBe("the batch was cancelled before this URL was fetched");
    expect(messageOf("delivery_failed", null)).toBe("the queue gave up delivering this chunk");
    expect(messageOf("cancelled", "said otherwise")).toBe("said otherwise");
    expect(messageOf("http_error", null)).toBeNull();
    expect(messageOf(null, null)).toBeNull();
  });
});

describe("unfetchedLine", () => {
  it.each([
    [{ index: 0, id: null, url: "https://e.com/a", attempts: 0 }, "skipped", "cancelled", "the batch was cancelled"],
    [
      { index: 41, id: 'id "quoted"\n', url: "https://e.com/ü?q=\u2028</script>", attempts: 3 },
      "failed",
      "delivery_failed",
      "a \\ message",
    ],
    [{ index: 7, id: null, url: "https://e.com/b", attempts: 1, change: "changed" }, "skipped", "cancelled", "c"],
    [{ index: 8, id: "x", url: "https://e.com/c", attempts: 0, change: null }, "skipped", "duplicate", "d"],
  ] as const)("writes exactly the line the record serialises to (%#)", (url, status, code, message) => {
    expect(unfetchedLine(url, status, code, message)).toBe(JSON.stringify(unfetchedRecord(url, status, code, message)));
  });
});
