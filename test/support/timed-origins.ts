// The origins whose tests count time between requests (Crawl-delay, pace), served from a
// child process of their own: in the test runner's process their timestamps were taken
// late whenever it was busy transforming modules for the workerd pool, so two requests
// a second apart could be stamped closer than that. Started by global-origin.ts, which
// reads the URLs from the first line this prints; it ends when that process lets go of
// its stdin (at teardown, or when it dies).
import { startOrigin } from "../../demo/origin-server";
import { PACED_ROBOTS, POLITE_ROBOTS } from "./global-origin";
import { paceRoutes } from "./pace-routes";

const polite = await startOrigin({ robots: POLITE_ROBOTS });
const paced = await startOrigin({ robots: PACED_ROBOTS, routes: paceRoutes });
console.log(JSON.stringify({ polite: polite.url, paced: paced.url }));
process.stdin.on("end", async () => {
  await Promise.all([polite.close(), paced.close()]);
  process.exit(0);
});
process.stdin.resume();
