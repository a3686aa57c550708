// Hostile origins, all in one batch: every URL must end in exactly one terminal state
// with the right code, nothing lost, nothing counted twice. Faults are served by the
// real local origin (test/support/fault-routes.ts); SSRF targets are refused at
// submission. afterAll prints one table (plain and Markdown) of expected vs observed.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { OriginRequest } from "../../demo/origin-server";
import {
  api,
  type BatchBody,
  download,
  HUGE_ROBOTS_ORIGIN,
  json,
  LOOP_ROBOTS_ORIGIN,
  ORIGIN,
  originRequests,
  RESET_ROBOTS_ORIGIN,
  submit,
  unique,
  waitForPublished,
} from "./helpers";

type Rec = Record<string, unknown> & {
  index: number;
  status: string;
  error: { code: string; message: string } | null;
  httpStatus: number | null;
  attempts?: number;
};

interface Case {
  fault: string;
  url: string;
  expected: string;
  /** Asserts the record; throws (expect) when wrong. */
  check: (r: Rec) => void;
  /** What else was observed, for the table. */
  note?: (r: Rec) => string;
}

const run = unique("faults");
const at = (path: string, origin = ORIGIN) => `${origin}${path}${path.includes("?") ? "&" : "?"}run=${run}`;
const MAX_ATTEMPTS = 3;

const failed =
  (code: string, extra: Partial<Rec> = {}) =>
  (r: Rec) =>
    expect(r).toMatchObject({ status: "failed", error: { code }, ...extra });
const skipped = (code: string) => (r: Rec) => expect(r).toMatchObject({ status: "skipped", error: { code } });

const good = (n: number): Case => ({
  fault: `good page ${n}`,
  url: at(`/pages/${n}.html`),
  expected: "succeeded",
  check: (r) => expect(r).toMatchObject({ status: "succeeded", httpStatus: 200, title: `Article ${n}`, attempts: 1 }),
});

// Ordered so that each chunk of five (CHUNK_SIZE in vitest.config.ts) holds at most one
// slow fault (a timeout) and rate-limited URLs do not hold back the rest of their chunk.
const CASES: Case[] = [
  good(1),
  {
    fault: "never answers",
    url: at("/fault/hang/1"),
    expected: `failed timeout (${MAX_ATTEMPTS} attempts)`,
    check: failed("timeout", { httpStatus: null, attempts: MAX_ATTEMPTS }),
  },
  {
    fault: "body over the cap, Content-Length",
    url: at("/fault/too-large-declared/1"),
    expected: "failed too_large, 200, 1 attempt",
    check: failed("too_large", { httpStatus: 200, attempts: 1 }),
  },
  {
    fault: "no charset, <meta charset=shift_jis>",
    url: at("/fault/charset-meta/1"),
    expected: "succeeded, 日本語 decoded",
    check: (r) => {
      expect(r).toMatchObject({ status: "succeeded" });
      expect(r.markdown).toContain("日本語のテキスト");
    },
    note: decodedText,
  },
  {
    fault: "redirect loop",
    url: at("/fault/redirect-loop"),
    expected: "failed too_many_redirects",
    check: failed("too_many_redirects", { attempts: 1 }),
  },

  good(2),
  {
    fault: "drips a byte a second",
    url: at("/fault/drip/1"),
    expected: `failed timeout, 200 (${MAX_ATTEMPTS} attempts)`,
    check: failed("timeout", { httpStatus: 200, attempts: MAX_ATTEMPTS }),
  },
  {
    fault: "body over the cap, chunked",
    url: at("/fault/too-large-chunked/1"),
    expected: "failed too_large, 200, 1 attempt",
    check: failed("too_large", { httpStatus: 200, attempts: 1 }),
  },
  {
    fault: "unknown charset label, <meta charset=shift_jis>",
    url: at("/fault/charset-unknown/1"),
    expected: "succeeded, 日本語 decoded",
    check: (r) => {
      expect(r).toMatchObject({ status: "succeeded" });
      expect(r.markdown).toContain("日本語のテキスト");
    },
    note: decodedText,
  },
  {
    fault: "redirect to a private address",
    url: at(`/fault/redirect-to/${encodeURIComponent("http://10.0.0.1/admin")}`),
    expected: "failed blocked_address",
    check: (r) => {
      failed("blocked_address", { attempts: 1 })(r);
      expect((r.redirects as string[]).length).toBe(1);
    },
  },

  good(3),
  {
    fault: "connection reset mid-body",
    url: at("/fault/reset/1"),
    expected: `failed network_error, 200 (${MAX_ATTEMPTS} attempts)`,
    check: failed("network_error", { httpStatus: 200, attempts: MAX_ATTEMPTS }),
  },
  {
    fault: "gzip bomb (64 KiB → 64 MiB)",
    url: at("/fault/gzip-bomb/1"),
    expected: "failed too_large, 200, 1 attempt",
    check: failed("too_large", { httpStatus: 200, attempts: 1 }),
  },
  {
    fault: "header says windows-1252, bytes are Shift_JIS",
    url: at("/fault/charset-lying/1"),
    // The transport charset outranks <meta> (WHATWG encoding sniffing), as in browsers.
    expected: "succeeded, decoded as the header says",
    check: (r) => {
      expect(r).toMatchObject({ status: "succeeded" });
      expect(r.markdown).toContain("“ú–{Œê");
    },
    note: decodedText,
  },
  {
    fault: "binary garbage labelled text/html",
    url: at("/fault/binary/1"),
    expected: "failed decoding_failed, 200",
    check: failed("decoding_failed", { httpStatus: 200, attempts: 1 }),
  },

  {
    fault: "deflate (zlib-wrapped)",
    url: at("/fault/deflate-zlib/1"),
    expected: "succeeded, text decoded",
    check: decodedPage,
    note: (r) => `${r.wordCount} words`,
  },
  {
    fault: "deflate sent raw (no zlib header)",
    url: at("/fault/deflate-raw/1"),
    expected: "succeeded, text decoded",
    check: decodedPage,
    note: (r) => `${r.wordCount} words`,
  },
  {
    fault: "deflate bomb (64 KiB → 64 MiB)",
    url: at("/fault/deflate-bomb/1"),
    expected: "failed too_large, 200, 1 attempt",
    check: failed("too_large", { httpStatus: 200, attempts: 1 }),
  },
  {
    fault: "Content-Encoding: gzip, bytes are not gzip",
    url: at("/fault/broken-gzip/1"),
    expected: "failed decoding_failed, 200, 1 attempt",
    check: failed("decoding_failed", { httpStatus: 200, attempts: 1 }),
  },
  {
    fault: "Content-Encoding: br, bytes are not br",
    url: at("/fault/broken-br/1"),
    expected: "failed decoding_failed, 200, 1 attempt",
    check: failed("decoding_failed", { httpStatus: 200, attempts: 1 }),
  },

  {
    fault: "Content-Encoding: deflate, bytes are not deflate",
    url: at("/fault/broken-deflate/1"),
    expected: "failed decoding_failed, 200, 1 attempt",
    check: failed("decoding_failed", { httpStatus: 200, attempts: 1 }),
  },
  {
    fault: "Content-Encoding: zstd (never advertised)",
    url: at("/fault/unknown-encoding/1"),
    expected: "failed decoding_failed, 200, 1 attempt",
    check: failed("decoding_failed", { httpStatus: 200, attempts: 1 }),
  },
  {
    fault: "10 MiB robots.txt, Disallow: /private/ first; a /private/ URL",
    url: at("/private/1.html", HUGE_ROBOTS_ORIGIN),
    expected: "skipped robots_disallowed",
    check: skipped("robots_disallowed"),
  },
  {
    fault: "10 MiB robots.txt, Disallow: /private/ first; another URL",
    url: at("/pages/1.html", HUGE_ROBOTS_ORIGIN),
    expected: "succeeded",
    check: (r) => expect(r).toMatchObject({ status: "succeeded", httpStatus: 200, attempts: 1 }),
  },
  {
    fault: "robots.txt redirects in a loop",
    url: at("/pages/1.html", LOOP_ROBOTS_ORIGIN),
    // RFC 9309 §2.3.1.2: redirects that never end in a file may be read as "unavailable".
    expected: "succeeded (robots.txt unavailable: allow all)",
    check: (r) => expect(r).toMatchObject({ status: "succeeded", httpStatus: 200, attempts: 1 }),
  },

  {
    fault: "500, 500, then 200",
    url: at(`/fault/flaky/${run}`),
    expected: "succeeded on attempt 3",
    check: (r) => expect(r).toMatchObject({ status: "succeeded", httpStatus: 200, title: "Recovered", attempts: 3 }),
    note: () => `${fetchesOf("/fault/flaky/").length} fetches`,
  },
  {
    fault: "100,000 nested divs",
    url: at("/fault/deep/1"),
    expected: "succeeded or extraction_failed, no crash",
    check: (r) => {
      expect(["succeeded", "failed"]).toContain(r.status);
      if (r.status === "failed") expect(r.error?.code).toBe("extraction_failed");
      else expect(r.markdown).toContain("A paragraph before a hundred thousand nested divs");
    },
    note: (r) => `${r.wordCount} words`,
  },
  {
    fault: "429 + Retry-After: 2, then 200",
    url: at("/fault/retry-after/1"),
    expected: "succeeded on attempt 2, ≥ 2 s later",
    check: (r) => expect(r).toMatchObject({ status: "succeeded", httpStatus: 200, attempts: 2 }),
    note: () => {
      const [first, second] = fetchesOf("/fault/retry-after/");
      return first && second ? `retried ${((second.at - first.at) / 1000).toFixed(1)} s later` : "";
    },
  },
  ...ssrf(["http://127.1/", "http://0x7f.1/"]),

  {
    fault: "503 always (no Retry-After)",
    url: at("/fault/always-503/1"),
    expected: `failed rate_limited, 503 (${MAX_ATTEMPTS} attempts)`,
    check: failed("rate_limited", { httpStatus: 503, attempts: MAX_ATTEMPTS }),
  },
  ...ssrf([
    "http://[::ffff:127.0.0.1]/",
    "http://169.254.169.254/latest/meta-data/",
    "http://metadata.google.internal/",
  ]),
  ...ssrf(["file:///etc/passwd"]),

  {
    fault: "429 always (Retry-After: 1)",
    url: at("/fault/always-429/1"),
    expected: `failed rate_limited, 429 (${MAX_ATTEMPTS} attempts)`,
    check: failed("rate_limited", { httpStatus: 429, attempts: MAX_ATTEMPTS }),
  },
  ...ssrf(["http://user:pw@example.com/"]),
  {
    fault: "robots.txt: 200, then the connection drops",
    url: at("/pages/1.html", RESET_ROBOTS_ORIGIN),
    // Rules never read are not an empty file, nor a refusal: asked again on every
    // attempt, then failed with a code of its own that a retry takes.
    expected: `failed robots_unreachable (${MAX_ATTEMPTS} attempts)`,
    check: failed("robots_unreachable", { attempts: MAX_ATTEMPTS }),
  },
  ...ssrf(["http://127.0.0.2../", "http://2130706433../"]),
  ...ssrf([`http://${"a".repeat(64)}.example.com/`], "64-character DNS label", "invalid_url"),
  {
    fault: "Content-Encoding: x-gzip (gzip's old name)",
    url: at("/fault/x-gzip/1"),
    expected: "succeeded, text decoded",
    check: decodedPage,
    note: (r) => `${r.wordCount} words`,
  },
];

/** URLs refused at submission, never fetched; `code` defaults by scheme. */
function ssrf(urls: string[], label = "SSRF", refusedAs?: string): Case[] {
  return urls.map((url) => {
    const code = refusedAs ?? (url.startsWith("file:") ? "invalid_url" : "blocked_address");
    return {
      fault: `${label}: ${url}`,
      url,
      expected: `skipped ${code} at submission`,
      check: skipped(code),
      note: (r: Rec) => (created.invalid?.samples.some((x) => x.index === r.index) ? "at submission" : ""),
    };
  });
}

let created: BatchBody;
let done: BatchBody;
let records: Rec[] = [];
let log: OriginRequest[] = [];
const fetchesOf = (prefix: string) => log.filter((r) => r.path.startsWith(prefix));

/** A compressed page came out as its text. */
function decodedPage(r: Rec): void {
  expect(r).toMatchObject({ status: "succeeded", httpStatus: 200, title: "Compressed", attempts: 1 });
  expect(r.markdown).toContain("A page sent compressed, which must come out as readable text.");
}

/** The first words of the Shift_JIS test paragraph, however they were decoded. */
function decodedText(r: Rec): string {
  const m = /([^\s>]{1,20}), a page in Shift/.exec(String(r.markdown ?? ""));
  return m ? `text "${m[1]}"` : "";
}
const observed = new Map<number, string>();
const totals = { lost: -1, twice: -1 };

function describeRecord(r: Rec | undefined): string {
  if (!r) return "(no record)";
  const parts = [r.status];
  if (r.error) parts.push(r.error.code);
  if (r.httpStatus !== null && r.httpStatus !== undefined) parts.push(String(r.httpStatus));
  if (r.status !== "skipped") parts.push(`${r.attempts} attempt${r.attempts === 1 ? "" : "s"}`);
  return parts.join(", ");
}

describe("hostile origins, one batch", () => {
  beforeAll(async () => {
    created = await submit(
      CASES.map((c) => c.url),
      { maxAttempts: MAX_ATTEMPTS },
    );
    done = await waitForPublished(created.id, undefined, 110_000);
    records = (await download(created.id)) as Rec[];
    log = (await originRequests()).filter((r) => r.path.includes(run));
    const byIndex = new Map<number, Rec[]>();
    for (const r of records) byIndex.set(r.index, [...(byIndex.get(r.index) ?? []), r]);
    for (const [i] of CASES.entries()) {
      const found = byIndex.get(i) ?? [];
      const [only] = found;
      const note = only && CASES[i]?.note?.(only);
      observed.set(
        i,
        only && found.length === 1
          ? [describeRecord(only), note].filter(Boolean).join(", ")
          : `${found.length} records`,
      );
    }
    const { succeeded, failed: f, skipped: s, total } = done.counts;
    totals.lost = CASES.filter((_, i) => !byIndex.has(i)).length;
    totals.twice =
      [...byIndex.values()].reduce((n, list) => n + Math.max(0, list.length - 1), 0) +
      Math.max(0, succeeded + f + s - total);
  }, 120_000);

  it.each(CASES.map((c, i) => ({ ...c, i })))("$fault → $expected", ({ i, check }) => {
    const mine = records.filter((r) => r.index === i);
    expect(mine).toHaveLength(1);
    check(mine[0] as Rec);
  });

  it("adds up: one record per URL, no index twice, totals equal in status, manifest and download", async () => {
    expect(done.status).toBe("completed");
    const { total, pending, succeeded, failed: f, skipped: s } = done.counts;
    expect(total).toBe(CASES.length);
    expect(pending).toBe(0);
    expect(succeeded + f + s).toBe(total);
    expect(records).toHaveLength(total);
    expect(records.map((r) => r.index)).toEqual(CASES.map((_, i) => i));
    expect(records.map((r) => r.url)).toEqual(CASES.map((c) => c.url));
    const manifest = await json<{ totals: Record<string, number> }>(await api(`/v1/batches/${created.id}/manifest`));
    expect(manifest.totals).toEqual({ total, succeeded, failed: f, skipped: s });
    expect(records.filter((r) => r.status === "succeeded")).toHaveLength(succeeded);
    expect(records.filter((r) => r.status === "failed")).toHaveLength(f);
    expect(records.filter((r) => r.status === "skipped")).toHaveLength(s);
    expect(totals).toEqual({ lost: 0, twice: 0 });
  });

  it("refuses the SSRF targets and unresolvable names at submission and never fetches them", () => {
    const refused = CASES.filter((c) => c.expected.endsWith("at submission"));
    expect(created.invalid?.count).toBe(refused.length);
    expect(created.accepted).toBe(CASES.length - refused.length);
    // The origin saw only its own paths; nothing else was reachable from the test anyway.
    expect(log.every((r) => r.path.startsWith("/pages/") || r.path.startsWith("/fault/"))).toBe(true);
  });

  it("retries the 429 only after its Retry-After, and fetches the flaky page exactly three times", () => {
    const retryAfter = fetchesOf("/fault/retry-after/");
    expect(retryAfter).toHaveLength(2);
    expect((retryAfter[1]?.at ?? 0) - (retryAfter[0]?.at ?? 0)).toBeGreaterThanOrEqual(2000);
    expect(fetchesOf("/fault/flaky/")).toHaveLength(3);
    // A permanent failure is fetched once; a transient one maxAttempts times.
    expect(fetchesOf("/fault/always-429/")).toHaveLength(MAX_ATTEMPTS);
    expect(fetchesOf("/fault/always-503/")).toHaveLength(MAX_ATTEMPTS);
    expect(fetchesOf("/fault/hang/")).toHaveLength(MAX_ATTEMPTS);
    expect(fetchesOf("/fault/gzip-bomb/")).toHaveLength(1);
    expect(fetchesOf("/fault/too-large-chunked/")).toHaveLength(1);
    expect(fetchesOf("/fault/binary/")).toHaveLength(1);
    // Broken compression is the origin's bytes, not the network: never retried.
    expect(fetchesOf("/fault/broken-gzip/")).toHaveLength(1);
    expect(fetchesOf("/fault/broken-br/")).toHaveLength(1);
    expect(fetchesOf("/fault/broken-deflate/")).toHaveLength(1);
    expect(fetchesOf("/fault/deflate-bomb/")).toHaveLength(1);
    expect(fetchesOf("/pages/")).toHaveLength(3);
    // A 429 answer is never followed by a hot loop: successive always-429 fetches ≥ 1 s apart.
    const always = fetchesOf("/fault/always-429/").map((r) => r.at);
    for (let k = 1; k < always.length; k++)
      expect((always[k] ?? 0) - (always[k - 1] ?? 0)).toBeGreaterThanOrEqual(1000);
  });

  afterAll(() => {
    const rows = CASES.map((c, i) => [c.fault, c.expected, observed.get(i) ?? "(not run)"]);
    const head = ["Fault", "Expected", "Observed"];
    const totalsLine = `URLs lost: ${totals.lost}, counted twice: ${totals.twice}`;
    const widths = head.map((h, k) => Math.max(h.length, ...rows.map((r) => (r[k] ?? "").length)));
    const line = (cells: string[]) => cells.map((cell, k) => cell.padEnd(widths[k] ?? 0)).join("  │  ");
    const plain = [line(head), widths.map((w) => "─".repeat(w)).join("──┼──"), ...rows.map(line), "", totalsLine];
    // Pipes would split a cell; "<meta …>" would be read as HTML by a Markdown renderer.
    const esc = (s: string) => s.replaceAll("|", "\\|").replaceAll("<", "&lt;");
    const markdown = [
      `| ${head.join(" | ")} |`,
      "|---|---|---|",
      ...rows.map((r) => `| ${r.map(esc).join(" | ")} |`),
      "",
      `${totalsLine} (${done?.counts.total ?? "?"} URLs: ${done?.counts.succeeded ?? "?"} succeeded, ${done?.counts.failed ?? "?"} failed, ${done?.counts.skipped ?? "?"} skipped).`,
    ];
    console.log(`\nFault suite: expected vs observed\n\n${plain.join("\n")}\n\nMarkdown:\n\n${markdown.join("\n")}\n`);
  });
});
