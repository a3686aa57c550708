// Peak resident memory of a process group (wrangler, its workerd children), sampled.
import { execSync } from "node:child_process";

/** Samples the group's summed RSS every `everyMs`; `stop()` answers the peak in MB. */
export function sampleGroupMemory(pgid: number, everyMs = 200): { stop(): number } {
  let peakKb = 0;
  const timer = setInterval(() => {
    try {
      const out = execSync(`ps -o rss= -g ${pgid}`, { encoding: "utf8" });
      peakKb = Math.max(
        peakKb,
        out.split("\n").reduce((sum, line) => sum + (Number(line.trim()) || 0), 0),
      );
    } catch {
      // the group may be between processes
    }
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      return peakKb / 1024;
    },
  };
}
