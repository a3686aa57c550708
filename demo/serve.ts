// `npm run demo:origin`: the demo origin of the README's quick start, on port 8790.
import { startOrigin } from "./origin-server";

const origin = await startOrigin({ port: Number(process.env.DEMO_ORIGIN_PORT ?? 8790) });
console.log(`demo origin: ${origin.url}/pages/1.html … /pages/N.html, ${origin.url}/status/404`);
