// The `trawl` command line end to end: the real executable against `wrangler dev` and a
// local origin, judged by its exit codes, its stdout and stderr, and the files it writes.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Origin, startOrigin } from "../../demo/origin-server";
import type { ResultRecord } from "../../lib/schemas";
import { readParquet } from "../support/parquet-rows";
import { type DevServer, freePort, startWranglerDev } from "../support/wrangler-dev";
import { runCli, slowPages, startCli, until } from "./cli-runner";
import { TrawlClient } from "./client";

const ID_LINE = /^[0-9a-f]{64}$/;
// Any terminal control sequence: non-TTY output must be plain text.
const ESCAPE = String.fromCharCode(27);

let origin: Origin;
let dev: DevServer;
let client: TrawlClient;
let env: { url: string; key: string };
let dir: string;

beforeAll(async () => {
  origin = await startOrigin({ routes: slowPages });
  dev = await startWranglerDev({ allowedOrigins: [origin.url] });
  client = new TrawlClient(dev.url, "dev-key");
  env = { url: dev.url, key: "dev-key" };
  dir = mkdtempSync(join(tmpdir(), "trawl-cli-"));
});

afterAll(async () => {
  await dev?.stop();
  await origin?.close();
});

/** Writes a URL list, one a line, and returns its path. */
function urlFile(name: string, urls: string[]): string {
  const path = join(dir, name);
  writeFileSync(path, `${urls.join("\n")}\n`);
  return path;
}

/** `n` pages that each take `ms` to answer, so the batch is still running when we act. */
function slowUrls(n: number, ms: number, run: string): string[] {
  return Array.from({ length: n }, (_, i) => `${origin.url}/slow/${i}.html?ms=${ms}&run=${run}`);
}

describe("trawl submit, watch, download", () => {
  // 36 pages, two 404s, one invalid and one duplicate: 40 lines, 40 records.
  const urls = () => [
    ...Array.from({ length: 36 }, (_, i) => `${origin.url}/slow/${i}.html?ms=150&run=round-trip`),
    `${origin.url}/status/404?n=1`,
    "ftp://example.com/not-http",
    `${origin.url}/status/404?n=2`,
    `${origin.url}/slow/0.html?ms=150&run=round-trip#again`,
  ];
  let id = "";

  it("submits a streamed list, prints the id, watches to completion and downloads one record per URL", async () => {
    const list = urls();
    const submitted = await runCli(["submit", urlFile("round-trip.txt", list), "--format", "markdown,links"], env);
    expect(submitted.code, submitted.stderr).toBe(0);
    id = submitted.stdout.trim();
    expect(id).toMatch(ID_LINE);
    expect(submitted.stderr).toContain("submitted: 38 accepted, 1 duplicates, 1 invalid");
    expect(submitted.stderr).toContain("line 38: invalid_url");
    expect(submitted.stderr).toContain(`trawl watch ${id}`);

    const watched = await runCli(["watch", id], env);
    expect(watched.code, watched.stderr).toBe(0);
    // Without a terminal: plain progress lines, the last one final, and no escape codes.
    expect(watched.stderr).not.toContain(ESCAPE);
    const lines = watched.stderr.trim().split("\n");
    expect(lines.at(-1)).toMatch(
      /^completed 100\.0% 40\/40 \| succeeded 36 failed 2 skipped 2 \| [\d.]+ pages\/s \| ETA 0s \| http_error 2, duplicate 1, invalid_url 1$/,
    );
    expect(watched.stdout).toContain("status    completed (100.0%)");
    expect(watched.stdout).toContain(`trawl download ${id}`);

    const out = join(dir, "round-trip.ndjson");
    const downloaded = await runCli(["download", id, "-o", out], env);
    expect(downloaded.code, downloaded.stderr).toBe(0);
    expect(downloaded.stderr).toContain(`40 records written to ${out}`);
    const records = readFileSync(out, "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as ResultRecord);
    expect(records).toHaveLength(list.length);
    expect(records.map((r) => r.url)).toEqual(list);
    expect(records.filter((r) => r.status === "succeeded").every((r) => Array.isArray(r.links) && r.markdown)).toBe(
      true,
    );

    // Without -o the records go to stdout, for pipes.
    const piped = await runCli(["download", id], env);
    expect(piped.code).toBe(0);
    expect(piped.stdout.trim().split("\n")).toHaveLength(40);

    // --changes-only: a batch with no previous run moved every page (all new); the
    // duplicate and the invalid line are no pages, so not among them.
    const moved = await runCli(["download", id, "--changes-only"], env);
    expect(moved.code, moved.stderr).toBe(0);
    expect(moved.stderr).toContain("38 changed records");
    const changes = moved.stdout
      .trim()
      .split("\n")
      .map((line) => (JSON.parse(line) as { change: string }).change);
    expect(changes).toEqual(Array(38).fill("new"));

    // --parquet: the same records as a Parquet file, read back by an independent reader.
    const parquetFile = join(dir, "round-trip.parquet");
    const parquet = await runCli(["download", id, "--parquet", "-o", parquetFile], env);
    expect(parquet.code, parquet.stderr).toBe(0);
    expect(parquet.stderr).toContain(`40 records written to ${parquetFile} (Parquet)`);
    const bytes = readFileSync(parquetFile);
    const rows = await readParquet(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    expect(rows.map((row) => [row.index, row.url, row.status])).toEqual(records.map((r) => [r.index, r.url, r.status]));
  });

  it("lists failed and skipped URLs with their codes, and counts them by code", async () => {
    const listed = await runCli(["errors", id], env);
    expect(listed.code, listed.stderr).toBe(0);
    const rows = listed.stdout.trim().split("\n");
    expect(rows[0]).toBe("index\tstatus\tcode\turl\tmessage");
    expect(rows.slice(1).map((row) => row.split("\t").slice(0, 3))).toEqual([
      ["36", "failed", "http_error"],
      ["37", "skipped", "invalid_url"],
      ["38", "failed", "http_error"],
      ["39", "skipped", "duplicate"],
    ]);
    expect(listed.stderr).toContain("4 failed or skipped: http_error 2, duplicate 1, invalid_url 1");
  });

  it("shows status and lists the batch", async () => {
    const status = await runCli(["status", id, "--json"], env);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ id, status: "completed", published: true });
    const list = await runCli(["list"], env);
    expect(list.code).toBe(0);
    // id, created, status, total, succeeded, failed, skipped, pending, name, labels
    expect(list.stdout).toMatch(new RegExp(`^${id}\\t\\S+\\tcompleted\\t40\\t36\\t2\\t2\\t0\\t\\t$`, "m"));
  });

  it("reads a list from stdin with submit - --wait and exits 0 once published", async () => {
    const input = `${slowUrls(6, 600, "wait").join("\n")}\n`;
    const waited = await runCli(["submit", "-", "--wait"], { ...env, input });
    expect(waited.code, waited.stderr).toBe(0);
    expect(waited.stdout.split("\n")[0]).toMatch(ID_LINE);
    expect(waited.stderr).toContain("submitted: 6 accepted, 0 duplicates, 0 invalid");
    expect(waited.stderr).toMatch(/^completed 100\.0% 6\/6 \| succeeded 6 failed 0 skipped 0/m);
    expect(waited.stdout).toContain("status    completed (100.0%)");
  });

  it("crawls the origin's linked site with submit --crawl --limit --depth", async () => {
    const site = `${origin.url}/site/`;
    const crawled = await runCli(["submit", "--crawl", site, "--depth", "1", "--limit", "5", "--wait"], env);
    expect(crawled.code, crawled.stderr).toBe(0);
    expect(crawled.stdout).toContain("status    completed (100.0%)");
    const crawlId = crawled.stdout.split("\n")[0] ?? "";
    const status = await client.status(crawlId);
    expect(status.counts).toMatchObject({ total: 5, pending: 0 });
    const refused = await runCli(["submit", "--crawl", site, urlFile("both.txt", [site])], env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("not both");
  });
});

describe("trawl on a running batch", () => {
  it("leaves the batch running on Ctrl-C during watch and says how to resume", async () => {
    const created = await client.submit({ urls: slowUrls(4, 2500, "interrupt") });
    const id = created.body.id;
    const notReady = await runCli(["download", id], env);
    expect(notReady.code).toBe(3);
    expect(notReady.stderr).toContain("the batch has not published its manifest yet (not_ready, HTTP 409)");

    const watch = startCli(["watch", id], env);
    await until(() => /\d+\/4/.test(watch.stderr()), 20_000, "a first progress line");
    watch.child.kill("SIGINT");
    const ended = await watch.done;
    expect(ended.code).toBe(130);
    expect(ended.stderr).toContain(`goes on running; resume with:\n  trawl watch ${id}`);
    const after = await client.status(id);
    expect(["queued", "running"]).toContain(after.status);

    const cancelled = await runCli(["cancel", id], env);
    expect(cancelled.code, cancelled.stderr).toBe(0);
    expect(cancelled.stdout).toContain("status    cancelled");
    // Watching a cancelled batch ends at its manifest, with the exit code for "not completed".
    const watched = await runCli(["watch", id], env);
    expect(watched.code).toBe(8);
    expect(watched.stderr).toContain(`trawl: batch ${id} ended cancelled`);
    expect(watched.stdout).toContain("status    cancelled");
  });
});

describe("trawl failing clearly", () => {
  it("exits 4 with the API's message for a wrong key", async () => {
    const run = await runCli(["list"], { url: dev.url, key: "not-a-key" });
    expect(run.code).toBe(4);
    expect(run.stderr.trim()).toBe("trawl: Authorization: unknown API key (unauthorized, HTTP 401)");
  });

  it("exits 5 for a batch of another tenant, and 3 with the field named for a malformed id", async () => {
    const created = await client.submit({ urls: [`${origin.url}/pages/1.html?tenant=a`] });
    const stranger = await runCli(["status", created.body.id], { url: dev.url, key: "dev-key-2" });
    expect(stranger.code).toBe(5);
    expect(stranger.stderr).toContain("batch not found (not_found, HTTP 404)");
    const malformed = await runCli(["errors", "nope"], env);
    expect(malformed.code).toBe(3);
    expect(malformed.stderr).toContain("id: must be a 64-character lower-case hex batch id");
  });

  it("exits 3 with the API's message when the options are refused", async () => {
    const run = await runCli(["submit", urlFile("one.txt", [`${origin.url}/pages/2.html`]), "--format", "pdf"], env);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/^trawl: options\.formats\[0\]: .*\(invalid_request, HTTP 400\)$/m);
  });

  it("exits 2 for usage errors: no key, a missing file, an unknown flag, --parquet without a file", async () => {
    const noKey = await runCli(["list"], { url: dev.url });
    expect([noKey.code, noKey.stderr.trim()]).toEqual([2, "trawl: no API key: set TRAWL_KEY or pass --key"]);
    const missing = await runCli(["submit", join(dir, "absent.txt")], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("cannot read");
    const flag = await runCli(["list", "--bogus"], env);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain("unknown option '--bogus'");
    const parquet = await runCli(["download", "0".repeat(64), "--parquet"], env);
    expect(parquet.code).toBe(2);
    expect(parquet.stderr).toContain("--parquet writes a binary file: name it with -o out.parquet");
  });

  it("exits 6 when the API cannot be reached", async () => {
    const run = await runCli(["list"], { url: `http://127.0.0.1:${await freePort()}`, key: "dev-key" });
    expect(run.code).toBe(6);
    expect(run.stderr).toContain("cannot reach http://127.0.0.1:");
  });

  it("documents every exit code in --help, and runs as `npx trawl`", async () => {
    const help = await runCli(["--help"], env);
    expect(help.code).toBe(0);
    for (const code of [0, 1, 2, 3, 4, 5, 6, 7, 8, 130])
      expect(help.stdout).toMatch(new RegExp(`^  ${code} +\\S`, "m"));
    // The package's "bin" entry, as a user in a checkout types it.
    const npx = spawnSync("npx", ["trawl", "--help"], { cwd: join(import.meta.dirname, "../.."), encoding: "utf8" });
    expect(npx.status).toBe(0);
    expect(npx.stdout).toContain("Usage: trawl");
  });
});
