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
    view.published
      ? `results   published: trawl download ${view.id} -o results.ndjson`
      : `results   not published yet: trawl watch ${view.id}`,
  ];
  return lines.join("\n");
}
