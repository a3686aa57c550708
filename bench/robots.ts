// robots.txt matching on a hostile file: 500 KiB of wildcard rules, one long path. Our
// matcher (lib/robots.ts) against robots-parser's own on the same rules, in one process,
// so the ratio holds on any machine. The tests check only that both decide alike; the
// cost is measured here (a test asserts no wall-clock time).
// Run: npm run bench:robots   (BENCH_RUNS=5 by default; the median and range are printed)
import robotsParser from "robots-parser";
import { isAllowed, ROBOTS_MAX_BYTES, rulesFromResponse } from "../lib/robots";

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const line = "Disallow: /*a*b*c*d*e*f*g*h*i*j*k*l*m*n*o*p*q*r*s*t*u*v*w*x*y*z*\n";
const text = `User-agent: *\n${line.repeat(Math.floor(ROBOTS_MAX_BYTES / line.length) - 1)}`;
const url = `https://example.com/${"abcdefghijklmnopqrstuvwxy".repeat(80)}`;

const ours = rulesFromResponse(200, text, false);
isAllowed(ours, url, "TrawlBot/0.1"); // parses once: what follows is the per-URL cost
const reference = robotsParser("https://example.com/robots.txt", text);

function timed(fn: () => unknown): number {
  const start = performance.now();
  fn();
  return performance.now() - start;
}

const rows: { ours: number; theirs: number }[] = [];
for (let run = 0; run < RUNS; run++) {
  rows.push({
    ours: timed(() => isAllowed(ours, url, "TrawlBot/0.1")),
    theirs: timed(() => reference.isAllowed(url, "TrawlBot")),
  });
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const ratios = rows.map((r) => r.theirs / Math.max(r.ours, 0.001));
console.log(
  `robots.txt of ${(text.length / 1024).toFixed(0)} KiB, ${text.split("\n").length - 2} wildcard rules, a ${url.length}-character URL, ${RUNS} runs`,
);
console.log(`ours: median ${median(rows.map((r) => r.ours)).toFixed(2)} ms per URL`);
console.log(`robots-parser: median ${median(rows.map((r) => r.theirs)).toFixed(0)} ms per URL`);
console.log(
  `robots-parser / ours: median ${median(ratios).toFixed(0)}x (range ${Math.min(...ratios).toFixed(0)}x-${Math.max(...ratios).toFixed(0)}x)`,
);
