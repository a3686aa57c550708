// The per-host view of a batch (GET /v1/batches/{id}/hosts) and the "held back by"
// summary its status carries: the shapes, and the pure rules that pick the host a
// batch is waiting for.
import { z } from "zod";
import { PaceReason } from "./pace";

/** One origin as a batch sees it: its own counts there, and the origin's pace and why. */
export const HostEntry = z.object({
  origin: z.string().describe("The origin (scheme, host and port), e.g. `https://example.com`."),
  done: z.number().int().describe("This batch's URLs of the origin in a terminal state."),
  pending: z.number().int().describe("This batch's URLs of the origin still to fetch."),
  pace: z
    .number()
    .nullable()
    .describe("Requests per second the origin's pace allows now; null before anything bounds it."),
  concurrency: z.number().int().describe("Fetches at once the origin's pace allows now."),
  reason: PaceReason,
  lastThrottle: z
    .object({
      status: z.number().int().describe("The HTTP status: 429 or 503."),
      at: z.string().describe("When it was answered (ISO 8601)."),
    })
    .nullable()
    .describe("The origin's last 429 or 503; null when it has sent none."),
  crawlDelaySeconds: z
    .number()
    .nullable()
    .describe("The Crawl-delay robots.txt sets for our user agent, in seconds; null when none."),
  robots: z
    .enum(["allowed", "pending", "unreachable", "not_respected"])
    .describe(
      "robots.txt: obeyed and read (`allowed`: its rules apply), not yet read, unreachable, or not obeyed by this batch.",
    ),
  backoffUntil: z
    .string()
    .nullable()
    .describe("No request starts before this (the origin's Retry-After, ISO 8601); null when none holds."),
  latencyP50Ms: z
    .number()
    .nullable()
    .describe("Median response time of the origin's recent fetches, ms; null before any."),
  latencyP95Ms: z
    .number()
    .nullable()
    .describe("95th-percentile response time of the origin's recent fetches, ms; null before any."),
  retries: z
    .number()
    .int()
    .describe("This batch's URLs of the origin sent back to the queue (429/503, timeouts, transient errors)."),
});
export type HostEntry = z.infer<typeof HostEntry>;

/** What the origin's gate answers for the view: everything but the batch's counts. */
export type HostPace = Omit<HostEntry, "done" | "pending">;

/** The host a batch is held back by, as its status says it. */
export const SlowestHost = z.object({
  origin: z.string().describe("The origin holding the batch back, e.g. `https://example.com`."),
  reason: PaceReason,
  pace: z.number().nullable().describe("Requests per second the origin allows now; null before anything bounds it."),
});
export type SlowestHost = z.infer<typeof SlowestHost>;

/** What a chunk report says of one origin's pace, and what the coordinator keeps (with when). */
export const HostPaceNote = SlowestHost.extend({ at: z.number() });
export type HostPaceNote = z.infer<typeof HostPaceNote>;

/** A held-back note older than this no longer describes the batch. */
export const HELD_NOTE_MS = 60_000;

/**
 * The note a coordinator keeps after a chunk's report of its origins' paces: a held-back
 * origin replaces an older or faster note; an origin back at "ok" clears its own note.
 */
export function nextHeldBy(current: HostPaceNote | null, reported: HostPaceNote[], now: number): HostPaceNote | null {
  let held = current && now - current.at < HELD_NOTE_MS ? current : null;
  for (const note of reported) {
    if (note.reason === "ok") {
      if (held?.origin === note.origin) held = null;
      continue;
    }
    const slower = held === null || held.origin === note.origin || (note.pace ?? 0) <= (held.pace ?? 0);
    if (slower) held = note;
  }
  return held;
}

/** The status's `slowestHost` at `now`: the kept note while it is fresh. */
export function slowestHostOf(note: HostPaceNote | null, now: number): SlowestHost | null {
  if (!note || now - note.at >= HELD_NOTE_MS) return null;
  return { origin: note.origin, reason: note.reason, pace: note.pace };
}

/** The origin of a stored URL (normalised, so scheme and host are lower case), or null when it has none. */
export function originOfStored(url: string): string | null {
  try {
    const origin = new URL(url).origin;
    return origin === "null" ? null : origin;
  } catch {
    return null;
  }
}
