// An origin whose latency and error rate change during a run, for the pacing tests
// (test/integration/pacing.test.ts). `/pace/<run>/<phases>/<n>`: the phases are
// `count:behaviour` steps taken in order by the run's request count, e.g.
// `20:ok-30,10:503-1,999:ok-30` = 20 requests answered after 30 ms, then 10 answered 503
// with Retry-After: 1, then the rest after 30 ms again. `/pace/<run>/log` answers each
// request's start, end and how many of the run's requests were in flight at its start.
import type { IncomingMessage, ServerResponse } from "node:http";
import { articlePage } from "../../demo/origin-server";

interface Seen {
  at: number;
  end: number | null;
  inFlight: number;
  status: number;
}

const runs = new Map<string, { seen: Seen[]; inFlight: number }>();

function behaviourOf(phases: string, n: number): { status: number; ms: number } {
  let until = 0;
  for (const phase of phases.split(",")) {
    const [count, what] = phase.split(":");
    until += Number(count);
    if (n <= until) {
      const [kind, arg] = (what ?? "ok-0").split("-");
      return kind === "ok" ? { status: 200, ms: Number(arg) } : { status: Number(kind), ms: Number(arg) };
    }
  }
  return { status: 200, ms: 0 };
}

/** Answers `/pace/...` paths; false for any other. */
export async function paceRoutes(_req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
  const match = /^\/pace\/([\w-]+)\/(?:(log)|([\w:,-]+)\/(\d+))$/.exec(url.pathname);
  if (!match) return false;
  const [, run = "", log, phases = "", page = "0"] = match;
  const state = runs.get(run) ?? { seen: [], inFlight: 0 };
  runs.set(run, state);
  if (log) {
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(state.seen));
    return true;
  }
  const n = state.seen.length + 1;
  const { status, ms } = behaviourOf(phases, n);
  state.inFlight++;
  const seen: Seen = { at: Date.now(), end: null, inFlight: state.inFlight, status };
  state.seen.push(seen);
  // 200: the latency is how long the answer takes; otherwise the number is Retry-After, in seconds.
  if (status === 200) await new Promise((resolve) => setTimeout(resolve, ms));
  state.inFlight--;
  seen.end = Date.now();
  if (status === 200) {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(articlePage(Number(page)));
  } else {
    res.writeHead(status, { "content-type": "text/plain", "retry-after": String(ms) }).end("busy");
  }
  return true;
}
