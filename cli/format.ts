// How the CLI says things to a person: pure functions from API views to text.
import type { BatchView } from "./api-client";

/** `75s` → `1m15s`; null → `?`. */
export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return "?";
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  return h > 0 ? `${h}h${String(m).padStart(2, "0")}m` : `${m}m${String(rest).padStart(2, "0")}s`;
}

/** Failed and skipped URLs per error code: `http_error 3, duplicate 2`, most frequent first. */
export function formatTally(counts: Record<string, number>): string {
  return Object.entries(counts)
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([code, n]) => `${code} ${n}`)
    .join(", ");
}

const REASON_WORDS: Record<NonNullable<BatchView["slowestHost"]>["reason"], string> = {
  ok: "at its configured pace",
  crawl_delay: "its robots.txt Crawl-delay",
  retry_after: "its Retry-After",
  throttled_429: "slowed after 429 Too Many Requests",
  throttled_503: "slowed after 503 Service Unavailable",
  timeouts: "slowed after timeouts",
  slow: "slowed as its answers got slower",
  robots_pending: "reading its robots.txt",
};

/** "waiting for <host>: <reason>" while the batch is held back by a host, else null. */
export function heldBackNote(view: BatchView): string | null {
  const host = view.slowestHost;
  if (!host || view.counts.pending === 0) return null;
  const pace = host.pace === null ? "" : ` (${host.pace} req/s)`;
  return `waiting for ${host.origin}: ${REASON_WORDS[host.reason]}${pace}`;
}

/** `1536` → `1.5 KB`. */
export function formatBytes(bytes: number): string {
  const units = ["B", "KB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** The cost ledger on one line: the estimate, then the operations behind it. */
export function formatCost(cost: BatchView["cost"]): string {
  const c = cost.counts;
  const operations = [
    `${c.fetches} fetches (${formatBytes(c.bytesFetched)})`,
    `${c.queueMessages} queue messages`,
    `${c.doRequests} DO requests`,
    `${c.sqliteRowsWritten} rows written`,
    `R2 ${c.r2ClassA} class A / ${c.r2ClassB} class B, ${formatBytes(c.r2BytesStored)} stored`,
    ...(c.webhookDeliveries > 0 ? [`${c.webhookDeliveries} webhook deliveries`] : []),
  ];
  return `~$${cost.estimatedUsd.toFixed(6)} at the prices of ${cost.priceTableDate}: ${operations.join(", ")}`;
}

/** The numbers of one progress line, without a bar: for logs and non-TTY output. */
export function progressLine(view: BatchView): string {
  const { total, pending, succeeded, failed, skipped } = view.counts;
  const speed = view.pagesPerSecond === null ? "- pages/s" : `${view.pagesPerSecond.toFixed(1)} pages/s`;
  const codes = formatTally(view.errorsByCode);
  return [
    `${view.status} ${view.percent.toFixed(1)}% ${total - pending}/${total}`,
    `succeeded ${succeeded} failed ${failed} skipped ${skipped}`,
    speed,
    `ETA ${view.published || pending === 0 ? "0s" : formatDuration(view.etaSeconds)}`,
    ...(heldBackNote(view) ? [heldBackNote(view)] : []),
    ...(codes ? [codes] : []),
  ].join(" | ");
}

/** A batch as `trawl status` prints it. */
export function describeBatch(view: BatchView): string {
  const { total, pending, succeeded, failed, skipped } = view.counts;
  const lines = [
    `batch     ${view.id}`,
    ...(view.name ? [`name      ${view.name}`] : []),
    ...(view.labels.length ? [`labels    ${view.labels.join(", ")}`] : []),
    `status    ${view.status} (${view.percent.toFixed(1)}%)${view.failure ? `: ${view.failure}` : ""}`,
    `counts    ${total - pending} of ${total} done: ${succeeded} succeeded, ${failed} failed, ${skipped} skipped, ${pending} pending`,
    `speed     ${view.pagesPerSecond === null ? "-" : `${view.pagesPerSecond} pages/s`}, ${pending === 0 ? "nothing left to fetch" : `ETA ${formatDuration(view.etaSeconds)}`}`,
    ...(heldBackNote(view) ? [`held back ${heldBackNote(view)}`] : []),
    `created   ${view.createdAt}${view.finishedAt ? `, finished ${view.finishedAt}` : ""}`,
    ...(view.discovery
      ? [
          `discovery ${view.discovery.state}: ${view.discovery.found} URLs found, sources ${view.discovery.sources.done} done, ${view.discovery.sources.failed} failed, ${view.discovery.sources.pending} pending${view.discovery.capped ? " (capped)" : ""}`,
        ]
      : []),
    ...(view.changes
      ? [
          `changes   ${view.changes.new} new, ${view.changes.changed} changed, ${view.changes.unchanged} unchanged, ${view.changes.removed} removed${view.previousBatch ? ` since ${view.previousBatch}` : ""}`,
        ]
      : []),
    // A server from before the ledger sends no `cost`.
    ...(view.cost ? [`cost      ${formatCost(view.cost)}`] : []),
    ...(view.boost
      ? [`boost     per-host concurrency raised to ${view.boost.concurrency} at ${view.boost.at} to meet the window`]
      : []),
    ...(view.drift
      ? [
          `drift     ${view.drift.measures.join(" and ")} above ${view.drift.factor}x the median of the last ${view.drift.runs} runs`,
        ]
      : []),
    view.published
      ? `results   published: trawl download ${view.id} -o results.ndjson`
      : `results   not published yet: trawl watch ${view.id}`,
  ];
  return lines.join("\n");
}
