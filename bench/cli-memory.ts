// `npm run bench:cli [N]`: the `trawl` CLI's peak memory uploading an N-URL list
// (default 100,000) and downloading its N records, against the same for 1,000 URLs in
// the same run. Flat memory means the two peaks are about the same. The batches are
// cancelled right after submission (their records are still published, one per URL),
// so the run measures the CLI, not fetching. N = 1,000,000 takes about 50 minutes on a
// 2-core machine, nearly all of it the local server ingesting and publishing.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createWriteStream, mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startOrigin } from "../demo/origin-server";
import { TRAWL_BIN } from "../test/e2e/cli-runner";
import { TrawlClient } from "../test/e2e/client";
import { startWranglerDev } from "../test/support/wrangler-dev";

const large = Number(process.argv[2] ?? process.env.BENCH_URLS ?? 100_000);
const small = 1000;
const dir = mkdtempSync(join(tmpdir(), "trawl-bench-cli-"));

const origin = await startOrigin();
const dev = await startWranglerDev({ allowedOrigins: [origin.url] });
const client = new TrawlClient(dev.url, "dev-key");

/** Peak resident memory of a child, read from /proc while it runs (VmHWM is the high-water mark). */
function trackPeak(child: ChildProcess): () => number {
  let peakKb = 0;
  const timer = setInterval(() => {
    try {
      const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
      peakKb = Math.max(peakKb, Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0));
    } catch {
      // exited between ticks
    }
  }, 50);
  child.once("exit", () => clearInterval(timer));
  return () => peakKb / 1024;
}

async function trawl(args: string[]): Promise<{ stdout: string; seconds: number; peakMb: number }> {
  const started = performance.now();
  const child = spawn(process.execPath, [TRAWL_BIN, ...args], {
    env: { ...process.env, TRAWL_URL: dev.url, TRAWL_KEY: "dev-key" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const peak = trackPeak(child);
  let stdout = "";
  child.stdout?.on("data", (d) => (stdout += d));
  const [code] = (await once(child, "exit")) as [number | null];
  if (code !== 0) throw new Error(`trawl ${args.join(" ")} exited ${code}`);
  return { stdout, seconds: (performance.now() - started) / 1000, peakMb: peak() };
}

async function writeList(count: number): Promise<string> {
  const path = join(dir, `urls-${count}.txt`);
  const out = createWriteStream(path);
  for (let i = 0; i < count; i++) {
    if (!out.write(`${origin.url}/status/404?n=${i}\n`)) await once(out, "drain");
  }
  out.end();
  await once(out, "finish");
  return path;
}

async function measure(count: number) {
  const list = await writeList(count);
  const submitted = await trawl(["submit", list]);
  const id = submitted.stdout.trim();
  await client.request(`/v1/batches/${id}/cancel`, { method: "POST" });
  await client.waitForPublished(id, 3_600_000);
  const out = join(dir, `results-${count}.ndjson`);
  const downloaded = await trawl(["download", id, "-o", out]);
  const lines = readFileSync(out, "utf8").split("\n").length - 1;
  if (lines !== count) throw new Error(`downloaded ${lines} records of ${count}`);
  return {
    count,
    listMb: statSync(list).size / 2 ** 20,
    resultMb: statSync(out).size / 2 ** 20,
    submitted,
    downloaded,
  };
}

try {
  const rows = [await measure(small), await measure(large)];
  console.log("\nURLs       list MB  submit s  submit peak MB  results MB  download s  download peak MB");
  for (const r of rows) {
    console.log(
      [
        String(r.count).padEnd(10),
        r.listMb.toFixed(1).padStart(7),
        r.submitted.seconds.toFixed(1).padStart(9),
        r.submitted.peakMb.toFixed(0).padStart(15),
        r.resultMb.toFixed(1).padStart(11),
        r.downloaded.seconds.toFixed(1).padStart(11),
        r.downloaded.peakMb.toFixed(0).padStart(17),
      ].join(" "),
    );
  }
  const [a, b] = rows;
  if (a && b) {
    console.log(
      `\npeak memory ${large} vs ${small} URLs: submit ${(b.submitted.peakMb / a.submitted.peakMb).toFixed(2)}x, download ${(b.downloaded.peakMb / a.downloaded.peakMb).toFixed(2)}x`,
    );
  }
} finally {
  await dev.stop();
  await origin.close();
}
