// `npm run bench:against -- REV [N] [ROUNDS]`: does this checkout's service move pages
// faster or slower than revision REV's? Both run under `wrangler dev` at once (REV from
// a temporary git worktree sharing this checkout's node_modules), against one local
// origin serving the corpus pages (or generated articles), and take turns: ROUNDS
// (default 6, made even) pairs of N-URL batches (default 1,000), the order swapped every
// pair, since on this 2-core machine the second batch of a pair ran up to 1.4x faster
// than the first whichever side it was, even after a pause: each order then weighs the
// same. Prints each batch's pages/s from submit to published manifest, each pair's ratio
// (this checkout over REV) and their geometric mean. For a change that should cost no
// throughput (a gate, a ledger): near 1.00x.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { articlePage, startOrigin } from "../demo/origin-server";
import { TrawlClient } from "../test/e2e/client";
import { type DevServer, startWranglerDev } from "../test/support/wrangler-dev";

const rev = process.argv[2];
if (!rev) {
  console.error("usage: npm run bench:against -- REV [N] [ROUNDS]");
  process.exit(2);
}
const total = Number(process.argv[3] ?? 1000);
const rounds = 2 * Math.max(1, Math.round(Number(process.argv[4] ?? 6) / 2));
/** A pause before each batch, so what the last one left running (alarms, disk writes) is done. */
const SETTLE_MS = Number(process.env.BENCH_SETTLE_MS ?? 3000);
const root = join(import.meta.dirname, "..");
const corpusDir = process.env.TRAWL_CORPUS ?? join(root, "../shared/corpus/readability");
const pages: Buffer[] = existsSync(corpusDir)
  ? readdirSync(corpusDir, { withFileTypes: true })
      .filter((d) => d.isDirectory() && existsSync(join(corpusDir, d.name, "source.html")))
      .map((d) => readFileSync(join(corpusDir, d.name, "source.html")))
  : Array.from({ length: 100 }, (_, n) => Buffer.from(articlePage(n)));

const git = (...args: string[]) => execFileSync("git", args, { cwd: root, encoding: "utf8" }).trim();
const commit = git("rev-parse", "--verify", `${rev}^{commit}`);
const tree = join(mkdtempSync(join(tmpdir(), "trawl-against-")), "checkout");
git("worktree", "add", "--detach", tree, commit);
symlinkSync(join(root, "node_modules"), join(tree, "node_modules"));
// What `npm install` generates there (not committed): REV's own generator, where it has one.
if (existsSync(join(tree, "scripts/pack-language-tables.mjs"))) {
  execFileSync(process.execPath, [join(tree, "scripts/pack-language-tables.mjs")], { cwd: tree, stdio: "ignore" });
}

const origin = await startOrigin({
  routes: (_req, res, url) => {
    const match = /^\/bench\/(\d+)$/.exec(url.pathname);
    if (!match) return false;
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(pages[Number(match[1]) % pages.length]);
    return true;
  },
});
const urlsOf = (batch: number, n: number) =>
  Array.from({ length: n }, (_, i) => `${origin.url}/bench/${batch * 1_000_000 + i}`);

const sides: { name: string; dev: DevServer }[] = [];
try {
  // REV's own way of starting its service, so its wrangler.toml and vars are its own.
  const theirs = (await import(join(tree, "test/support/wrangler-dev.ts"))) as {
    startWranglerDev: typeof startWranglerDev;
  };
  sides.push({ name: "this checkout", dev: await startWranglerDev({ allowedOrigins: [origin.url] }) });
  sides.push({ name: commit.slice(0, 7), dev: await theirs.startWranglerDev({ allowedOrigins: [origin.url] }) });

  let batch = 0;
  /** One batch of `n` URLs on a side, submit to published manifest: its pages/s. */
  const run = async (side: (typeof sides)[number], n: number) => {
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    const client = new TrawlClient(side.dev.url, "dev-key");
    const urls = urlsOf(++batch, n);
    const started = performance.now();
    const response = await client.request("/v1/batches", {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: urls.join("\n"),
    });
    if (response.status !== 202) throw new Error(`${side.name}: submit answered ${response.status}`);
    const { id } = (await response.json()) as { id: string };
    const done = await client.waitForPublished(id, 30 * 60_000);
    if (done.counts.succeeded !== n) throw new Error(`${side.name}: batch ended ${JSON.stringify(done.counts)}`);
    return n / ((performance.now() - started) / 1000);
  };
  // Warm-up: every distinct page once on each side (JIT, robots.txt, the language tables).
  for (const side of sides) await run(side, pages.length);

  const rates = sides.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? [0, 1] : [1, 0];
    for (const s of order) {
      const rate = await run(sides[s] as (typeof sides)[number], total);
      rates[s]?.push(rate);
      console.log(
        `  pair ${r + 1}  ${(sides[s] as (typeof sides)[number]).name.padEnd(14)} ${rate.toFixed(1)} pages/s`,
      );
    }
  }
  const median = (xs: number[]) => {
    const sorted = [...xs].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  };
  const [mine, other] = rates as [number[], number[]];
  const geometricMean = (xs: number[]) => Math.exp(xs.reduce((sum, x) => sum + Math.log(x), 0) / xs.length);
  const ratios = mine.map((rate, i) => rate / (other[i] as number));
  console.log(`against ${commit.slice(0, 7)}: ${total} URLs a batch, ${rounds} pairs, ${pages.length} distinct pages`);
  console.log(
    `  this checkout   ${median(mine).toFixed(1)} pages/s median (${mine.map((x) => x.toFixed(1)).join(", ")})`,
  );
  console.log(
    `  ${commit.slice(0, 7).padEnd(15)} ${median(other).toFixed(1)} pages/s median (${other.map((x) => x.toFixed(1)).join(", ")})`,
  );
  console.log(
    `  ratio           ${geometricMean(ratios).toFixed(2)}x geometric mean of the pairs (${ratios.map((x) => x.toFixed(2)).join(", ")}; this checkout first in odd pairs)`,
  );
} finally {
  for (const side of sides) await side.dev.stop();
  await origin.close();
  git("worktree", "remove", "--force", tree);
  rmSync(join(tree, ".."), { recursive: true, force: true });
}
