// A CPU profile of the Worker under `wrangler dev`, taken through its inspector (the
// Chrome DevTools protocol): where the runtime's one JavaScript thread spends its time,
// summed by source file. Used by bench:pipeline with BENCH_PROFILE=1.

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface Profile {
  nodes: ProfileNode[];
  samples?: number[];
  timeDeltas?: number[];
}

/** A running profile; `stop()` answers self time per file and the busiest functions. */
export interface CpuProfiler {
  stop(): Promise<{ byFile: [string, number][]; byFunction: [string, number][]; totalMs: number }>;
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
      const byId = new Map(profile.nodes.map((n) => [n.id, n]));
      const self = new Map<number, number>();
      const samples = profile.samples ?? [];
      const deltas = profile.timeDeltas ?? [];
      for (let i = 0; i < samples.length; i++) {
        const id = samples[i] as number;
        self.set(id, (self.get(id) ?? 0) + (deltas[i] ?? 0) / 1000);
      }
      const byFile = new Map<string, number>();
      const byFunction = new Map<string, number>();
      let totalMs = 0;
      for (const [id, ms] of self) {
        const frame = byId.get(id)?.callFrame;
        const file = frame?.url
          ? frame.url.split("/").slice(-2).join("/") || "(native)"
          : `(${frame?.functionName || "?"})`;
        byFile.set(file, (byFile.get(file) ?? 0) + ms);
        const fn = `${frame?.functionName || "(anonymous)"} ${file}:${frame?.lineNumber ?? 0}`;
        byFunction.set(fn, (byFunction.get(fn) ?? 0) + ms);
        totalMs += ms;
      }
      const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]);
      return { byFile: sorted(byFile), byFunction: sorted(byFunction), totalMs };
    },
  };
}
