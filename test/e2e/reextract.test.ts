// Preserved pages through `wrangler dev`: a keepRaw batch of 1,000 pages re-extracted
// with other options asks the origin for nothing and gives the records a fresh fetch
// with those options gives; its WARC reads back in independent readers (warcio.js, and
// Python's warcio when this machine's pip can install it).
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { inflateRawSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { WARCParser } from "warcio";
import type { ResultRecord } from "../../lib/schemas";
import { runCli } from "./cli-runner";
import { serviceForFile } from "./service";

const service = serviceForFile();
const PAGES = 1000;
const temp = mkdtempSync(join(tmpdir(), "trawl-warc-"));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

/** Ids of the kept batch, shared by the tests of this file (they run in order). */
const kept = { id: "", records: [] as ResultRecord[] };

function urls(run: string): { url: string; id: string }[] {
  const list = Array.from({ length: PAGES }, (_, n) => ({
    url: `${service.origin.url}/pages/${n}.html?run=${run}`,
    id: `p${n}`,
  }));
  // A page that fails: it has no stored body, and a re-extraction keeps its outcome.
  list[500] = { url: `${service.origin.url}/status/404?run=${run}`, id: "p500" };
  return list;
}

async function published(body: unknown): Promise<string> {
  const created = await service.client.submit(body);
  expect(created.status, JSON.stringify(created.body)).toBe(202);
  await service.client.waitForPublished(created.body.id, 280_000);
  return created.body.id;
}

/** A record without what differs between two fetches of the same bytes (times), or says where it came from. */
function comparable(record: ResultRecord): Partial<ResultRecord> {
  const { fetchedAt: _at, durationMs: _ms, raw: _raw, reextract: _re, ...rest } = record;
  return rest;
}

/** The gzip members of a file, decompressed, one by one (CompressionStream writes a 10-byte header, no name). */
function gzipMembers(file: Buffer): string[] {
  const members: string[] = [];
  let offset = 0;
  while (offset < file.length) {
    expect([file[offset], file[offset + 1], file[offset + 3]]).toEqual([0x1f, 0x8b, 0]);
    const { buffer, engine } = inflateRawSync(file.subarray(offset + 10), { info: true }) as unknown as {
      buffer: Buffer;
      engine: { bytesWritten: number };
    };
    members.push(buffer.toString("latin1"));
    offset += 10 + engine.bytesWritten + 8;
  }
  return members;
}

describe("keepRaw and re-extraction through wrangler dev", () => {
  it("re-extracts a kept batch of 1,000 pages with 0 origin requests, matching a fresh fetch", async () => {
    const run = `kept-${Date.now()}`;
    kept.id = await published({ urls: urls(run), options: { keepRaw: true } });
    kept.records = await service.client.downloadAll(kept.id);
    const asked = () => service.origin.requests.filter((r) => r.path.includes(run)).length;
    const before = asked();
    expect(before).toBe(PAGES);

    const options = { formats: ["markdown", "text", "links"], onlyMainContent: false, images: false };
    const response = await service.client.request(`/v1/batches/${kept.id}/reextract`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(options),
    });
    expect(response.status).toBe(202);
    const again = ((await response.json()) as { id: string }).id;
    const status = await service.client.waitForPublished(again, 280_000);
    expect(asked() - before).toBe(0);
    expect(status.reextractOf).toBe(kept.id);
    expect(status.counts).toEqual((await service.client.status(kept.id)).counts);

    // The same pages fetched afresh with those options, under another run's URLs.
    const freshRun = `fresh-${Date.now()}`;
    const fresh = await service.client.downloadAll(await published({ urls: urls(freshRun), options }));
    const reextracted = await service.client.downloadAll(again);
    expect(reextracted).toHaveLength(PAGES);
    const unRun = (record: Partial<ResultRecord>, from: string) =>
      JSON.parse(JSON.stringify(record).replaceAll(from, "RUN")) as Partial<ResultRecord>;
    for (const [i, record] of reextracted.entries()) {
      expect(record.index).toBe(i);
      expect(record.reextract?.from).toBe(i === 500 ? "original" : "raw");
      expect(unRun(comparable(record), run), `record ${i}`).toEqual(
        unRun(comparable(fresh[i] as ResultRecord), freshRun),
      );
    }
  });

  it("writes the kept pages as WARC/1.1, one gzip member per record, read back by warcio.js", async () => {
    expect(kept.id).not.toBe("");
    const link = (await (await service.client.request(`/v1/batches/${kept.id}/download?format=warc`)).json()) as {
      url: string;
    };
    const response = await fetch(link.url);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/warc");
    const file = Buffer.from(await response.arrayBuffer());
    writeFileSync(join(temp, "kept.warc.gz"), file);

    const members = gzipMembers(file);
    const stored = kept.records.filter((r) => r.raw).length;
    expect(stored).toBe(PAGES - 1);
    expect(members).toHaveLength(1 + 2 * stored);
    for (const member of members) expect(member.startsWith("WARC/1.1\r\n")).toBe(true);

    const types: Record<string, number> = {};
    const targets: string[] = [];
    for await (const record of new WARCParser(Readable.from([file]))) {
      const type = record.warcType ?? "";
      types[type] = (types[type] ?? 0) + 1;
      if (type === "response") {
        targets.push(record.warcTargetURI ?? "");
        expect(record.httpHeaders?.statusCode).toBe(200);
      }
      await record.readFully();
    }
    expect(types).toEqual({ warcinfo: 1, response: stored, metadata: stored });
    expect(targets).toEqual(kept.records.filter((r) => r.raw).map((r) => r.finalUrl));
  });

  it("trawl reextract ID --format ... --wait prints the new id on stdout and waits for its results", async () => {
    expect(kept.id).not.toBe("");
    const env = { url: service.dev.url, key: "dev-key" };
    const before = service.origin.requests.length;
    const run = await runCli(["reextract", kept.id, "--format", "text", "--selector", "article", "--wait"], env);
    expect(run.code, run.stderr).toBe(0);
    // The id first; --wait then prints the finished batch's status, as `trawl submit --wait` does.
    const id = run.stdout.split("\n")[0] ?? "";
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    const status = await service.client.status(id);
    expect(status.published).toBe(true);
    expect(status.reextractOf).toBe(kept.id);
    expect(service.origin.requests.length).toBe(before);
    const records = await service.client.downloadAll(id);
    expect(records[0]?.text).toContain("Paragraph 1 of article 0");
    expect(records[0]?.text).not.toContain("Privacy");

    const refused = await runCli(["reextract", kept.id, "--format", "pdf"], env);
    expect(refused.code).not.toBe(0);
    expect(refused.stdout).toBe("");
    expect(refused.stderr).toContain("formats");
  });

  it("reads back in Python's warcio, with every payload digest checked", async (ctx) => {
    const file = join(temp, "kept.warc.gz");
    const venv = join(temp, "venv");
    const made = spawnSync("python3", ["-m", "venv", venv], { encoding: "utf8" });
    const pip =
      made.status === 0
        ? spawnSync(join(venv, "bin", "pip"), ["install", "-q", "warcio"], { encoding: "utf8", timeout: 120_000 })
        : null;
    if (pip?.status !== 0) {
      console.warn(
        `skipped: pip could not install warcio here (${(pip ? pip.stderr : made.stderr).trim().split("\n").pop()})`,
      );
      ctx.skip();
      return;
    }
    const script = [
      "import json, sys",
      "from warcio.archiveiterator import ArchiveIterator",
      "counts = {}",
      "with open(sys.argv[1], 'rb') as f:",
      "    for record in ArchiveIterator(f, check_digests='raise'):",
      "        counts[record.rec_type] = counts.get(record.rec_type, 0) + 1",
      "        record.content_stream().read()",
      "print(json.dumps(counts))",
    ].join("\n");
    const out = execFileSync(join(venv, "bin", "python"), ["-c", script, file], { encoding: "utf8" });
    const stored = kept.records.filter((r) => r.raw).length;
    expect(JSON.parse(out)).toEqual({ warcinfo: 1, response: stored, metadata: stored });
  });
});
