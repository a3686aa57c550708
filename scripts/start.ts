// `npm start`: the local service, ready to take a batch. Starts the demo origin on
// 8790 (the pages of the README's example) and `wrangler dev` on 8787; Ctrl-C stops both.
import { spawn } from "node:child_process";
import { startOrigin } from "../demo/origin-server";

const origin = await startOrigin({ port: Number(process.env.DEMO_ORIGIN_PORT ?? 8790) });
console.log(`demo origin on ${origin.url} (pages: ${origin.url}/pages/1.html …)`);

const wrangler = spawn("npx", ["wrangler", "dev", "--ip", "127.0.0.1", "--port", process.env.PORT ?? "8787"], {
  stdio: "inherit",
  env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
});
const stop = async () => {
  wrangler.kill("SIGTERM");
  await origin.close();
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
wrangler.on("exit", async (code) => {
  await origin.close();
  process.exit(code ?? 0);
});
