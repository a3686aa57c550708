// A CPU profile of the Worker under `wrangler dev`, taken through its inspector (the
// Chrome DevTools protocol): where the runtime's one JavaScript thread spends its time.
// Frames are mapped through the dev bundle's source map to our source files and
// packages, so the figures say `lib/extract/parse.ts` or `htmlparser2`, not `index.js`.
// Used by bench:pipeline and bench:scale with BENCH_PROFILE=1.
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { originalPositionFor, TraceMap } from "@jridgewell/trace-mapping";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples?: number[];
  timeDeltas?: number[];
}

export interface CpuFigures {
  /** Self time per source file (ours by path, a dependency by package name), ms, busiest first. */
  byFile: [string, number][];
  /** Self time per function (`name file:line`), ms, busiest first. */
  byFunction: [string, number][];
  /** Time with the function anywhere on the stack, ms, busiest first. */
  inclusive: [string, number][];
  /** Sampled time, idle included, ms. */
  totalMs: number;
  /** Sampled time the thread was idle, ms. */
  idleMs: number;
  /** Time with a frame of a file that `test` accepts anywhere on the stack, ms. */
  under(test: (file: string) => boolean): number;
}

/** A running profile; `stop()` answers self and inclusive time by file and function. */
export interface CpuProfiler {
  stop(): Promise<CpuFigures>;
}

/** Starts profiling the Worker's isolate behind `inspectorPort`. */
export async function startCpuProfile(inspectorPort: number): Promise<CpuProfiler> {
  const targets = (await (await fetch(`http://127.0.0.1:${inspectorPort}/json`)).json()) as {
    id: string;
    title: string;
    webSocketDebuggerUrl: string;
  }[];
  const target = targets.find((t) => t.title.includes("trawl")) ?? targets[0];
  if (!target) throw new Error("no inspector target");
  // The inspector proxy wants an Origin it knows; Node's WebSocket takes headers as undici's extension.
  const init = { headers: { origin: "http://127.0.0.1" } } as unknown as string[];
  const socket = new WebSocket(target.webSocketDebuggerUrl, init);
  await new Promise((resolve, reject) => {
    socket.addEventListener("open", resolve, { once: true });
    socket.addEventListener("error", reject, { once: true });
  });
  let nextId = 1;
  const waiting = new Map<number, (result: unknown) => void>();
  socket.addEventListener("message", (event) => {
    const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown };
    if (message.id !== undefined) waiting.get(message.id)?.(message.result);
  });
  const send = (method: string, params: object = {}) =>
    new Promise<unknown>((resolve) => {
      const id = nextId++;
      waiting.set(id, resolve);
      socket.send(JSON.stringify({ id, method, params }));
    });
  await send("Profiler.enable");
  await send("Profiler.setSamplingInterval", { interval: 500 });
  await send("Profiler.start");
  return {
    async stop() {
      const { profile } = (await send("Profiler.stop")) as { profile: Profile };
      socket.close();
      // BENCH_PROFILE_OUT=path keeps the raw profile (for Chrome DevTools) beside its summary.
      if (process.env.BENCH_PROFILE_OUT) writeFileSync(process.env.BENCH_PROFILE_OUT, JSON.stringify(profile));
      return summarise(profile, devBundleMap());
    },
  };
}

/** The source map of the bundle `wrangler dev` is running (the newest under .wrangler/tmp), if any. */
function devBundleMap(): TraceMap | null {
  const tmp = join(import.meta.dirname, "../.wrangler/tmp");
  try {
    const maps = readdirSync(tmp)
      .filter((d) => d.startsWith("dev-"))
      .map((d) => join(tmp, d, "index.js.map"))
      .filter((p) => {
        try {
          return statSync(p).isFile();
        } catch {
          return false;
        }
      })
      .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
    return maps[0] ? new TraceMap(readFileSync(maps[0], "utf8")) : null;
  } catch {
    return null;
  }
}

/** Where a frame's code comes from: our file by its path, a dependency by its package. */
function sourceName(path: string): string {
  const inModules = path.lastIndexOf("node_modules/");
  if (inModules >= 0) {
    const rest = path.slice(inModules + "node_modules/".length).split("/");
    return rest[0]?.startsWith("@") ? `${rest[0]}/${rest[1]}` : (rest[0] ?? path);
  }
  const ours = /(?:^|\/)((?:api|bench|durable-objects|fetch|lib|workers)\/.*)$/.exec(path);
  return ours?.[1] ?? path.split("/").slice(-2).join("/");
}

function summarise(profile: Profile, map: TraceMap | null): CpuFigures {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const labels = new Map<number, { file: string; fn: string }>();
  const labelOf = (id: number) => {
    let label = labels.get(id);
    if (label) return label;
    const frame = byId.get(id)?.callFrame;
    let file = frame?.url ? frame.url.split("/").slice(-2).join("/") || "(native)" : `(${frame?.functionName || "?"})`;
    let line = frame?.lineNumber ?? 0;
    let name = frame?.functionName || "(anonymous)";
    // Only the bundle is ours to map; the runtime's own modules (node-internal:…) keep their names.
    if (map && frame && /(^|\/)index\.js$/.test(frame.url) && frame.lineNumber >= 0) {
      const original = originalPositionFor(map, { line: frame.lineNumber + 1, column: frame.columnNumber });
      if (original.source) {
        file = sourceName(original.source);
        line = original.line ?? line;
        name = frame.functionName || original.name || name;
      }
    }
    label = { file, fn: `${name} ${file}:${line}` };
    labels.set(id, label);
    return label;
  };
  const self = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    const id = samples[i] as number;
    self.set(id, (self.get(id) ?? 0) + (deltas[i] ?? 0) / 1000);
  }
  const byFile = new Map<string, number>();
  const byFunction = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let totalMs = 0;
  let idleMs = 0;
  const stacks: [Set<string>, number][] = [];
  for (const [id, ms] of self) {
    const { file, fn } = labelOf(id);
    byFile.set(file, (byFile.get(file) ?? 0) + ms);
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + ms);
    if (file === "((idle))") idleMs += ms;
    totalMs += ms;
    const seen = new Set<string>();
    const files = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const label = labelOf(at);
      files.add(label.file);
      if (seen.has(label.fn)) continue;
      seen.add(label.fn);
      inclusive.set(label.fn, (inclusive.get(label.fn) ?? 0) + ms);
    }
    stacks.push([files, ms]);
  }
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]);
  const under = (test: (file: string) => boolean) =>
    stacks.reduce((sum, [files, ms]) => sum + ([...files].some(test) ? ms : 0), 0);
  return {
    byFile: sorted(byFile),
    byFunction: sorted(byFunction),
    inclusive: sorted(inclusive),
    totalMs,
    idleMs,
    under,
  };
}
