// Every `trawl` command the day-to-day work needs, end to end against `wrangler dev`:
// CSV lists, names and labels, id prefixes, --fail-on-errors, errors by code, retry with
// a merged download, gzip and Parquet, manifest, delete, schedules, discovery from a
// sitemap, and stdout left empty whenever a command fails.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { articlePage, type Origin, startOrigin } from "../../demo/origin-server";
import type { ResultRecord } from "../../lib/schemas";
import { type DevServer, startWranglerDev } from "../support/wrangler-dev";
import { runCli } from "./cli-runner";
import { TrawlClient } from "./client";

const ID_LINE = /^[0-9a-f]{64}$/;

let origin: Origin;
let dev: DevServer;
let client: TrawlClient;
let env: { url: string; key: string };
let dir: string;
/** Answers 503 to the first request of each `/flaky/<n>` and 200 after: what a retry fixes. */
const flakySeen = new Set<string>();

async function routes(_req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
  if (url.pathname === "/sitemap.xml") {
    const locs = [1, 2, 3].map((n) => `<url><loc>${origin.url}/pages/${n}.html?from=sitemap</loc></url>`).join("");
    res.writeHead(200, { "content-type": "application/xml" });
    res.end(`<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">${locs}</urlset>`);
    return true;
  }
  const flaky = /^\/flaky\/(\d+)$/.exec(url.pathname);
  if (flaky) {
    const first = !flakySeen.has(url.pathname + url.search);
    flakySeen.add(url.pathname + url.search);
    if (first) res.writeHead(404, { "content-type": "text/html" }).end("<h1>not yet</h1>");
    else res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(articlePage(Number(flaky[1])));
    return true;
  }
  return false;
}

beforeAll(async () => {
  origin = await startOrigin({ routes });
  dev = await startWranglerDev({ allowedOrigins: [origin.url] });
  client = new TrawlClient(dev.url, "dev-key");
  env = { url: dev.url, key: "dev-key" };
  dir = mkdtempSync(join(tmpdir(), "trawl-cli-commands-"));
});

afterAll(async () => {
  await dev?.stop();
  await origin?.close();
});

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const ndjson = (text: string) =>
  text
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as ResultRecord);

describe("trawl submit with every option, read back by prefix", () => {
  let id = "";

  it("submits a CSV with a header, a name, labels and extraction options, and waits", async () => {
    const csv = file(
      "products.csv",
      `title,url,id\n"Kettle, blue",${origin.url}/pages/1.html?csv=1,sku-1\nToaster,${origin.url}/pages/2.html?csv=1,sku-2\n`,
    );
    const run = await runCli(
      [
        "submit",
        csv,
        "--name",
        "Shop pages",
        "--label",
        "team:shop",
        "--label",
        "csv",
        "--selector",
        "article",
        "--exclude-selector",
        "footer",
        "--no-images",
        "--retention",
        "3",
        "--max-attempts",
        "2",
        "--min-words",
        "1",
        "--require-title",
        "--webhook",
        `${origin.url}/hook`,
        "--format",
        "markdown,links",
        "--wait",
        "--fail-on-errors",
      ],
      env,
    );
    expect(run.code, run.stderr).toBe(0);
    id = run.stdout.split("\n")[0] ?? "";
    expect(id).toMatch(ID_LINE);
    expect(run.stderr).toContain("submitted: 2 accepted, 0 duplicates, 0 invalid");
    const records = await client.downloadAll(id);
    expect(records.map((r) => [r.id, r.url, r.status])).toEqual([
      ["sku-1", `${origin.url}/pages/1.html?csv=1`, "succeeded"],
      ["sku-2", `${origin.url}/pages/2.html?csv=1`, "succeeded"],
    ]);
  });

  it("reads the batch by the 12-character prefix the status page shows", async () => {
    const status = await runCli(["status", id.slice(0, 12)], env);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain(`batch     ${id}`);
    expect(status.stdout).toContain("name      Shop pages");
    expect(status.stdout).toContain("labels    csv, team:shop");
    const unknown = await runCli(["status", "ffffffffffff"], env);
    expect(unknown.code).toBe(5);
    expect(unknown.stdout).toBe("");
    expect(unknown.stderr).toContain("no batch of yours begins with ffffffffffff");
  });

  it("prints the manifest with the options the flags asked for", async () => {
    const run = await runCli(["manifest", id.slice(0, 12)], env);
    expect(run.code, run.stderr).toBe(0);
    const manifest = JSON.parse(run.stdout);
    expect(manifest).toMatchObject({
      batchId: id,
      totals: { total: 2, succeeded: 2 },
      options: {
        formats: ["markdown", "links"],
        includeSelectors: ["article"],
        excludeSelectors: ["footer"],
        images: false,
        retentionDays: 3,
        maxAttempts: 2,
        validate: { minWords: 1, requireTitle: true },
      },
    });
    // The manifest leaves the webhook out (its headers may hold secrets); its deliveries say it was kept.
    const log = await client.request(`/v1/batches/${id}/webhooks`);
    expect(((await log.json()) as { deliveries: unknown[] }).deliveries.length).toBeGreaterThan(0);
  });

  it("lists with counts, filters by label, pages with a hint on stderr, and --all", async () => {
    const mine = await runCli(["list", "--label", "team:shop"], env);
    expect(mine.code, mine.stderr).toBe(0);
    const rows = mine.stdout.trim().split("\n");
    expect(rows[0]).toBe("id\tcreated\tstatus\ttotal\tsucceeded\tfailed\tskipped\tpending\tname\tlabels");
    expect(rows.slice(1)).toEqual([
      expect.stringMatching(new RegExp(`^${id}\\t\\S+\\tcompleted\\t2\\t2\\t0\\t0\\t0\\tShop pages\\tcsv,team:shop$`)),
    ]);

    await client.submit({ urls: [`${origin.url}/pages/9.html?list=1`] });
    const first = await runCli(["list", "--limit", "1"], env);
    expect(first.stdout.trim().split("\n")).toHaveLength(2);
    const cursor = /trawl list --cursor (\S+)/.exec(first.stderr)?.[1];
    expect(cursor, first.stderr).toBeTruthy();
    const second = await runCli(["list", "--limit", "1", "--cursor", cursor ?? ""], env);
    expect(second.stdout.trim().split("\n")[1]?.split("\t")[0]).not.toBe(
      first.stdout.trim().split("\n")[1]?.split("\t")[0],
    );
    const all = await runCli(["list", "--limit", "1", "--all", "--json"], env);
    expect(all.stdout.trim().split("\n").length).toBeGreaterThanOrEqual(2);
    expect(all.stderr).toBe("");
  });
});

describe("trawl on failures: --fail-on-errors, errors, retry, downloads, delete", () => {
  let id = "";
  let retryId = "";
  const urls = () => [`${origin.url}/pages/3.html?f=1`, `${origin.url}/flaky/4?f=1`, `${origin.url}/status/404?f=1`];

  it("exits 9 under --fail-on-errors when URLs failed, and 0 without it", async () => {
    const list = file("failing.txt", `${urls().join("\n")}\n`);
    const run = await runCli(["submit", list, "--wait", "--fail-on-errors"], env);
    expect(run.code, run.stderr).toBe(9);
    id = run.stdout.split("\n")[0] ?? "";
    expect(id).toMatch(ID_LINE);
    expect(run.stderr).toContain("completed with 2 failed URLs (--fail-on-errors)");
    const watched = await runCli(["watch", id.slice(0, 12)], env);
    expect(watched.code).toBe(0);
  });

  it("lists errors filtered by code", async () => {
    const run = await runCli(["errors", id.slice(0, 12), "--code", "http_error"], env);
    expect(run.code, run.stderr).toBe(0);
    const rows = run.stdout.trim().split("\n");
    expect(rows[0]).toBe("index\tstatus\tcode\turl\tmessage");
    expect(rows.slice(1).map((row) => row.split("\t")[3])).toEqual([urls()[1], urls()[2]]);
  });

  it("retries the failed URLs and downloads the merged result set", async () => {
    const run = await runCli(["retry", id.slice(0, 12), "--wait"], env);
    expect(run.code, run.stderr).toBe(0);
    retryId = run.stdout.split("\n")[0] ?? "";
    expect(retryId).toMatch(ID_LINE);
    expect(run.stderr).toContain("retrying 2 URLs");
    const out = join(dir, "merged.ndjson");
    const merged = await runCli(["download", retryId, "--merge", "-o", out], env);
    expect(merged.code, merged.stderr).toBe(0);
    const records = ndjson(readFileSync(out, "utf8"));
    expect(records.map((r) => [r.url, r.status])).toEqual([
      [urls()[0], "succeeded"],
      [urls()[1], "succeeded"],
      [urls()[2], "failed"],
    ]);
  });

  it("downloads gzip NDJSON", async () => {
    const out = join(dir, "results.ndjson.gz");
    const run = await runCli(["download", id.slice(0, 12), "--gzip", "-o", out], env);
    expect(run.code, run.stderr).toBe(0);
    expect(ndjson(gunzipSync(readFileSync(out)).toString("utf8"))).toHaveLength(3);
  });

  it("deletes a batch: gone from status and list", async () => {
    const run = await runCli(["delete", retryId.slice(0, 12)], env);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain(`deleted ${retryId}`);
    const after = await runCli(["status", retryId], env);
    expect(after.code).toBe(5);
    const listed = await runCli(["list", "--all"], env);
    expect(listed.stdout).not.toContain(retryId);
  });

  it("leaves stdout empty when the API refuses: no TSV header before an error", async () => {
    for (const args of [["list"], ["errors", id], ["schedules", "list"]]) {
      const run = await runCli(args, { url: dev.url, key: "wrong-key" });
      expect(run.code).toBe(4);
      expect(run.stdout).toBe("");
    }
  });
});

describe("trawl schedules, discovery and --previous", () => {
  it("creates a schedule with submit, then lists, pauses, resumes, shows its runs and stops it", async () => {
    const list = file("nightly.txt", `${origin.url}/pages/5.html?s=1\n`);
    const submitted = await runCli(["submit", list, "--schedule", "02:00", "--name", "nightly"], env);
    expect(submitted.code, submitted.stderr).toBe(0);
    const id = submitted.stdout.trim();
    const prefix = id.slice(0, 12);

    const listed = await runCli(["schedules", "list"], env);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`^${id}\\tactive\\t02:00\\tUTC\\t`, "m"));
    const paused = await runCli(["schedules", "pause", prefix], env);
    expect(paused.stdout).toMatch(new RegExp(`^${id}\\tpaused\\t`));
    const resumed = await runCli(["schedules", "resume", prefix, "--json"], env);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ id, paused: false, active: true });
    const runs = await runCli(["schedules", "runs", prefix], env);
    expect(runs.code, runs.stderr).toBe(0);
    expect(runs.stdout.split("\n")[0]).toBe(
      "scheduledAt\tstatus\tbatch\tduration_s\tlate\tsucceeded\tfailed\tnew\tchanged\tremoved",
    );
    const shown = await runCli(["schedules", "show", prefix, "--json"], env);
    expect(JSON.parse(shown.stdout)).toMatchObject({ id, daily: "02:00" });
    const stopped = await runCli(["schedules", "stop", prefix, "--json"], env);
    expect(JSON.parse(stopped.stdout)).toMatchObject({ id, active: false });
  });

  it("discovers URLs from a sitemap, and compares a second run with --previous", async () => {
    const first = await runCli(
      ["submit", "--sitemap", `${origin.url}/sitemap.xml`, "--include", "*/pages/*", "--wait"],
      env,
    );
    expect(first.code, first.stderr).toBe(0);
    const firstId = first.stdout.split("\n")[0] ?? "";
    expect((await client.status(firstId)).counts.total).toBe(3);

    const second = await runCli(
      ["submit", "--sitemap", `${origin.url}/sitemap.xml`, "--previous", firstId.slice(0, 12), "--wait"],
      env,
    );
    expect(second.code, second.stderr).toBe(0);
    const secondId = second.stdout.split("\n")[0] ?? "";
    const status = await client.status(secondId);
    expect(status.previousBatch).toBe(firstId);
    expect(status.changes).toMatchObject({ new: 0, unchanged: 3 });
  });

  it("refuses --include without a source, and a bad --schedule, as usage errors", async () => {
    const list = file("plain.txt", `${origin.url}/pages/6.html\n`);
    const include = await runCli(["submit", list, "--include", "*"], env);
    expect(include.code).toBe(2);
    const schedule = await runCli(["submit", list, "--schedule", "{nope"], env);
    expect(schedule.code).toBe(2);
    expect(schedule.stdout).toBe("");
  });
});
