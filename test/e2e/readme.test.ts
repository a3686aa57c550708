// The README's examples, run as a newcomer pastes them: `npm start`, then every shell
// block of the README that talks to it, through bash, in one session (so `$ID` carries
// from block to block as it does in a terminal). Only the ports are changed, to free
// ones, and a wait stands where a reader waits ("once published is true"). What each
// block prints is then judged against what the README says it does.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type NpmStart, ROOT, startNpmStart } from "../support/npm-start";

/** The README's fenced `sh` blocks, each with the heading it stands under. */
function shellBlocks(readme: string): { heading: string; code: string }[] {
  const blocks: { heading: string; code: string }[] = [];
  let heading = "";
  const lines = readme.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    if (line.startsWith("#")) heading = line.replace(/^#+\s*/, "");
    if (line.trim() !== "```sh") continue;
    const code: string[] = [];
    for (i++; i < lines.length && lines[i]?.trim() !== "```"; i++) code.push(lines[i] ?? "");
    blocks.push({ heading, code: code.join("\n") });
  }
  return blocks;
}

const README = readFileSync(join(ROOT, "README.md"), "utf8");
// Blocks that install, start, test or deploy rather than talk to a running service.
const NOT_RUN = [/^npm install/m, /^([A-Z_]+=\S+ )*npm start/m, /^npm test/m, /wrangler deploy/];

let service: NpmStart;
let work: string;
const outputs = new Map<number, string>();
let ids: Record<string, string> = {};

beforeAll(async () => {
  service = await startNpmStart();
  mkdirSync(join(ROOT, "test/e2e/out"), { recursive: true });
  // Inside the project, so `npx trawl` and the Firecrawl SDK resolve as from its folder.
  work = mkdtempSync(join(ROOT, "test/e2e/out/readme-"));
  const runnable = shellBlocks(README).filter((b) => !NOT_RUN.some((skip) => skip.test(b.code)));
  // The 500-URL list runs last: the demo origin serves ten pages a second to all batches
  // together, and the others would queue behind it (a reader tries one thing at a time).
  const big = (b: { code: string }) => b.code.includes("seq 1 500");
  const blocks = [...runnable.filter((b) => !big(b)), ...runnable.filter(big)];
  const local = (code: string) =>
    code
      .replaceAll("localhost:8787", `localhost:${service.port}`)
      .replaceAll("127.0.0.1:8787", `127.0.0.1:${service.port}`)
      .replaceAll("127.0.0.1:8790", `127.0.0.1:${service.originPort}`)
      // A reader waits for "published" before a download; so does this session.
      .replace(/^(.*\/v1\/batches\/\$(\w+)\/download.*)$/gm, 'wait_published "$$$2"\n$1');
  const script = [
    "set -eo pipefail",
    `wait_published() { for _ in $(seq 240); do curl -s localhost:${service.port}/v1/batches/$1 -H "authorization: Bearer dev-key" | grep -q '"published":true' && return 0; sleep 0.5; done; echo "batch $1 never published" >&2; return 1; }`,
    // A block's last answer may end without a newline: markers start their own line.
    ...blocks.map((b, n) => `printf '\\n@@block ${n}@@\\n'\n${local(b.code)}`),
    `printf '\\n@@ids ID=%s RETRY=%s@@\\n' "$ID" "$RETRY"`,
  ].join("\n");
  let printed: string;
  try {
    printed = execFileSync("bash", ["-c", script], { cwd: work, encoding: "utf8", timeout: 420_000 });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    throw new Error(`a README block failed:\n${e.stdout}\n${e.stderr}\n--- service log ---\n${service.log()}`);
  }
  // Kept for a reader of a failure (test/e2e/out is not committed).
  writeFileSync(join(ROOT, "test/e2e/out/readme-session.txt"), printed);
  const parts = printed.split(/^@@block (\d+)@@$/m);
  for (let k = 1; k < parts.length; k += 2) outputs.set(Number(parts[k]), parts[k + 1] ?? "");
  ids = Object.fromEntries(
    [...(/@@ids (.*)@@/.exec(printed)?.[1] ?? "").matchAll(/(\w+)=(\w*)/g)].map((m) => [m[1], m[2]]),
  );
  for (const [n, block] of blocks.entries()) outputs.set(n, `${block.heading}\n${outputs.get(n) ?? ""}`);
}, 480_000);

afterAll(async () => {
  await service?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

const of = (heading: string, contains: string) =>
  [...outputs.values()].find((out) => out.startsWith(heading) && out.includes(contains)) ?? "";

/** The NDJSON records a block printed (curl's last answer before them may end without a newline). */
const recordLines = (out: string) =>
  out
    .replaceAll('}{"index"', '}\n{"index"')
    .split("\n")
    .filter((line) => line.startsWith('{"index"'));

describe("the README's examples against npm start", () => {
  it("ends the quick start's five inputs as it says: 2 succeeded, 1 failed, 2 skipped, downloaded in order", async () => {
    expect(ids.ID).toMatch(/^[0-9a-f]{64}$/);
    const status = (await (
      await fetch(`${service.api}/v1/batches/${ids.ID}`, { headers: { authorization: "Bearer dev-key" } })
    ).json()) as { counts?: object };
    // The delete at the end of the README's last block may have removed it already.
    if (status.counts) expect(status.counts).toMatchObject({ total: 5, succeeded: 2, failed: 1, skipped: 2 });
    const quick = of("Quick start", '"index":4');
    const lines = recordLines(quick);
    expect(lines.map((line) => JSON.parse(line).status)).toEqual([
      "succeeded",
      "succeeded",
      "skipped",
      "failed",
      "skipped",
    ]);
  });

  it("accepts the streamed list of 500 URLs", () => {
    expect(of("Quick start", '"accepted":500')).not.toBe("");
  });

  it("runs the command line: a batch id, a completed watch, NDJSON and Parquet files", () => {
    const cli = of("Command line", "status");
    expect(cli).toMatch(/status\s+completed/);
    expect(readFileSync(join(work, "results.ndjson"), "utf8").trim().split("\n")).toHaveLength(200);
    expect(readFileSync(join(work, "results.parquet")).subarray(0, 4).toString()).toBe("PAR1");
    const moved = readFileSync(join(work, "moved.ndjson"), "utf8").trim().split("\n");
    expect(moved.map((line) => JSON.parse(line).change)).toEqual(Array(200).fill("new"));
  });

  it("runs the Firecrawl SDK example and the raw Firecrawl requests", () => {
    expect(of("Firecrawl compatibility", "completed 3 of 3")).not.toBe("");
    const raw = of("Firecrawl compatibility", '"success":true');
    expect(raw).toContain("unsupported_option");
  });

  it("runs the delivery examples: a webhook batch and its log, the exports, validation, retry and merge, delete", () => {
    expect(of("Webhooks", '"secret"')).toContain('"deliveries"');
    expect(readFileSync(join(work, "results.parquet")).length).toBeGreaterThan(0);
    expect(readFileSync(join(work, "results.ndjson.gz")).subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    expect(of("Validation and quarantine", '"errors"')).not.toBe("");
    expect(ids.RETRY).toMatch(/^[0-9a-f]{64}$/);
    const merged = recordLines(of("Retry what failed", '"index":4'));
    expect(merged.map((line) => JSON.parse(line).index)).toEqual([0, 1, 2, 3, 4]);
    expect(of("Retention and deletion", "204")).not.toBe("");
    const reextracted = recordLines(of("Preserved pages and re-extraction", '"reextract"'));
    expect(reextracted.map((line) => JSON.parse(line).reextract.from)).toEqual(["raw", "raw", "original"]);
    expect(readFileSync(join(work, "pages.warc.gz")).subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    expect(of("Preserved pages and re-extraction", "status")).toMatch(/status\s+completed/);
    expect(of("Operations: why is this batch slow?", '{"hosts":[{"origin":')).not.toBe("");
  });

  it("runs the schedule example: a cron schedule in Berlin, listed, paused, resumed, with an empty history", () => {
    const out = of("Schedules", '"cron":"0 2 * * 1-5"');
    expect(out).toContain('"timeZone":"Europe/Berlin","daily":null,"window":"PT2H"');
    expect(out).toContain('"paused":true');
    expect(out).toContain('{"runs":[],"nextCursor":null}');
  });

  it("runs the nightly catalog: the night's run counts each change and downloads just the four that moved", () => {
    const out = of("A nightly catalog, from sitemap to change-only download", '"changes"');
    expect(out).toContain('"changes":{"new":2,"changed":1,"unchanged":18,"removed":1}');
    const moved = recordLines(out).map((line) => JSON.parse(line) as { url: string; change: string });
    // Discovered URLs are numbered as the sitemaps are read, two at once: the moved ones in
    // any order among themselves, the removed one after them.
    const pairs = moved.map((r) => `${new URL(r.url).pathname} ${r.change}`);
    expect(pairs.slice(0, 3).sort()).toEqual([
      "/catalog/shop/20.html new",
      "/catalog/shop/21.html new",
      "/catalog/shop/3.html changed",
    ]);
    expect(pairs.slice(3)).toEqual(["/catalog/shop/5.html removed"]);
  });
});
