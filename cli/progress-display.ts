// Where `watch` shows progress: a redrawn bar on a terminal, plain lines anywhere else
// (a CI log, a pipe, a file), so nothing but text ever lands in a log.
import cliProgress from "cli-progress";
import type { BatchView } from "./api-client";
import { formatDuration, formatTally, heldBackNote, progressLine } from "./format";

export interface ProgressDisplay {
  update(view: BatchView): void;
  /** Leaves the last state on screen and releases the terminal. */
  stop(): void;
}

/** How often a plain progress line is printed at most: often enough to follow, few enough to read. */
export const PLAIN_LINE_INTERVAL_MS = 5000;

/** A bar on a terminal, plain lines otherwise. */
export function progressDisplay(out: NodeJS.WriteStream): ProgressDisplay {
  return out.isTTY ? terminalBar(out) : plainLines(out);
}

function terminalBar(out: NodeJS.WriteStream): ProgressDisplay {
  const bar = new cliProgress.SingleBar(
    {
      stream: out,
      format: "{bar} {percentage}% {value}/{total} | {speed} | ETA {remaining}{held} | {failures}",
      hideCursor: true,
      // The server's pages/s and ETA are the truth; the bar's own estimate is not used.
      etaBuffer: 1,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(view) {
      const done = view.counts.total - view.counts.pending;
      const { failed, skipped } = view.counts;
      const payload = {
        speed: view.pagesPerSecond === null ? "- pages/s" : `${view.pagesPerSecond.toFixed(1)} pages/s`,
        remaining: view.counts.pending === 0 ? "0s" : formatDuration(view.etaSeconds),
        held: heldBackNote(view) ? `, ${heldBackNote(view)}` : "",
        failures: `failed ${failed}, skipped ${skipped}${failed + skipped > 0 ? `: ${formatTally(view.errorsByCode)}` : ""}`,
      };
      if (!started) {
        bar.start(Math.max(view.counts.total, 1), done, payload);
        started = true;
      } else {
        bar.setTotal(Math.max(view.counts.total, 1));
        bar.update(done, payload);
      }
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

function plainLines(out: NodeJS.WriteStream): ProgressDisplay {
  let lastAt = 0;
  let pending: string | null = null;
  return {
    update(view) {
      const line = progressLine(view);
      const now = Date.now();
      if (now - lastAt >= PLAIN_LINE_INTERVAL_MS) {
        out.write(`${line}\n`);
        lastAt = now;
        pending = null;
      } else {
        pending = line;
      }
    },
    stop() {
      // The last state always reaches the log, even if it came sooner than the interval.
      if (pending) out.write(`${pending}\n`);
    },
  };
}
