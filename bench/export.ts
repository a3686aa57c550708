// `npm run bench:export [N]`: N synthetic result records (default 1,000,000; about
// 1.5 KB of Markdown each) streamed through the Parquet export (lib/parquet-export.ts)
// exactly as the download route feeds it: NDJSON blocks in, bytes out, consumed as
// they come. Prints records/s, MB/s of NDJSON, the Parquet size and the peak heap and
// RSS, against a baseline in the same run: the same blocks generated and consumed as
// plain NDJSON. Flat memory means the Parquet peak stays near the baseline's whatever N.
import { ndjsonToParquet } from "../lib/parquet-export";
import { unfetchedRecord } from "../lib/result-parts";
import type { ResultRecord } from "../lib/schemas";

const total = Number(process.argv[2] ?? process.env.BENCH_RECORDS ?? 1_000_000);
const BLOCK_RECORDS = 100; // about the 256 KB blocks lib/part-merge.ts hands on

function record(index: number): ResultRecord {
  const base = unfetchedRecord(
    { index, id: null, url: `https://example.com/articles/${index}`, attempts: 1 },
    "failed",
    "http_error",
    "",
  );
  return {
    ...base,
    status: "succeeded",
    error: null,
    finalUrl: base.url,
    httpStatus: 200,
    contentType: "text/html; charset=utf-8",
    title: `Article ${index}`,
    description: `About article ${index}`,
    language: "en",
    markdown: `# Article ${index}\n\n${`Paragraph text of article ${index}, long enough to look like a page. `.repeat(22)}`,
    wordCount: 250 + (index % 50),
    contentHash: index.toString(16).padStart(64, "0"),
    fetchedAt: new Date(1_800_000_000_000 + index).toISOString(),
    durationMs: 20 + (index % 100),
  };
}

async function* blocks(): AsyncGenerator<string> {
  for (let i = 0; i < total; i += BLOCK_RECORDS) {
    let block = "";
    for (let j = i; j < Math.min(total, i + BLOCK_RECORDS); j++) block += `${JSON.stringify(record(j))}\n`;
    yield block;
  }
}

interface Run {
  seconds: number;
  inputMb: number;
  outputMb: number;
  peakHeapMb: number;
  peakRssMb: number;
}

async function measure(consume: () => Promise<{ inputBytes: number; outputBytes: number }>): Promise<Run> {
  globalThis.gc?.();
  let peakHeap = 0;
  let peakRss = 0;
  const sample = () => {
    const m = process.memoryUsage();
    peakHeap = Math.max(peakHeap, m.heapUsed);
    peakRss = Math.max(peakRss, m.rss);
  };
  const timer = setInterval(sample, 50);
  const started = performance.now();
  const { inputBytes, outputBytes } = await consume();
  const seconds = (performance.now() - started) / 1000;
  clearInterval(timer);
  sample();
  const mb = (n: number) => Math.round((n / 2 ** 20) * 10) / 10;
  return {
    seconds,
    inputMb: mb(inputBytes),
    outputMb: mb(outputBytes),
    peakHeapMb: mb(peakHeap),
    peakRssMb: mb(peakRss),
  };
}

const baseline = await measure(async () => {
  let inputBytes = 0;
  for await (const block of blocks()) inputBytes += block.length;
  return { inputBytes, outputBytes: inputBytes };
});

const parquet = await measure(async () => {
  let inputBytes = 0;
  const source = blocks();
  const counted: AsyncIterator<string> = {
    next: async () => {
      const step = await source.next();
      if (!step.done) inputBytes += step.value.length;
      return step;
    },
  };
  let outputBytes = 0;
  const reader = ndjsonToParquet(counted).getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    outputBytes += value.byteLength;
  }
  return { inputBytes, outputBytes };
});

const perSecond = (run: Run) => Math.round(total / run.seconds);
console.log(`Parquet export of ${total.toLocaleString("en")} records (${parquet.inputMb} MB of NDJSON)`);
console.log(
  `  baseline (NDJSON only)  ${perSecond(baseline).toLocaleString("en")} records/s, peak heap ${baseline.peakHeapMb} MB, RSS ${baseline.peakRssMb} MB`,
);
console.log(
  `  Parquet                 ${perSecond(parquet).toLocaleString("en")} records/s (${Math.round(parquet.inputMb / parquet.seconds)} MB/s in), ` +
    `${parquet.outputMb} MB out, peak heap ${parquet.peakHeapMb} MB, RSS ${parquet.peakRssMb} MB`,
);
