// After `npm install`: two fixes to @cloudflare/vitest-plugin's workers pool (pinned exactly
// in package.json, since this edits its built code). Each replacement must match once; a
// different version fails the install loudly rather than running the suite unpatched.
//
// 1. A message from workerd after the pool stopped a worker crashed the whole Vitest run
//    ("Message received from Worker before initialisation", an assertion thrown in a
//    WebSocket listener). Work a test left running (a queue consumer, an alarm) can still
//    ask for a module when its file has finished; the stopped worker now drops it.
// 2. The answer to `fetchWarmModules` (every transformed module of a file's import graph,
//    inlined) went over workerd's 1 MiB WebSocket message limit once a full run had
//    transformed the megabyte dependencies, and the worker ended before its file started
//    ("Message is too large"). An answer over the limit is now sent as null, which Vitest
//    reads as "no warm modules": the worker fetches each module on its own instead.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const PINNED = "1.5.0";
const MARK = "/* trawl: patched (scripts/patch-vitest-pool.mjs) */";

const home = join(import.meta.dirname, "../node_modules/@cloudflare/vitest-plugin");
if (!existsSync(home)) process.exit(0); // installed without devDependencies: nothing to patch
const { version } = JSON.parse(readFileSync(join(home, "package.json"), "utf8"));
if (version !== PINNED) {
  fail(`@cloudflare/vitest-plugin is ${version}, the patch is written for ${PINNED}`);
}

const file = join(home, "dist/pool/index.mjs");
let source = readFileSync(file, "utf8");
if (source.startsWith(MARK)) process.exit(0);

const REPLACEMENTS = [
  {
    what: "drop messages that reach a stopped worker",
    from: `const messageWrapper = (m) => {\n`,
    to: `const messageWrapper = (m) => {\n\t\t\t\tif (!this.socket) return;\n`,
  },
  {
    what: "send an oversized warm-modules answer as null",
    from: `this.socket.send(structuredSerializableStringify(toSend));`,
    to: [
      `let payload = structuredSerializableStringify(toSend);`,
      `\t\tconst answer = toSend.r;`,
      `\t\tif (toSend.t === "s" && Buffer.byteLength(payload) > 1e6 && answer && typeof answer === "object" && !("code" in answer) && !("externalize" in answer)) payload = structuredSerializableStringify({ ...toSend, r: null });`,
      `\t\tthis.socket.send(payload);`,
    ].join("\n"),
  },
];
for (const { what, from, to } of REPLACEMENTS) {
  const at = source.indexOf(from);
  if (at < 0 || source.indexOf(from, at + 1) >= 0) fail(`cannot ${what}: its anchor is not found exactly once`);
  source = source.slice(0, at) + to + source.slice(at + from.length);
}
writeFileSync(file, `${MARK}\n${source}`);

function fail(reason) {
  console.error(`trawl: scripts/patch-vitest-pool.mjs: ${reason}. Update the patch with the version.`);
  process.exit(1);
}
