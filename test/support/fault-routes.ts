// Misbehaving pages for tests: each path names the fault it plays.
import type { IncomingMessage, ServerResponse } from "node:http";

const tries = new Map<string, number>();

/** Routes under /fault/… ; returns true when it answered. */
export function faultRoutes(_req: IncomingMessage, res: ServerResponse, url: URL): boolean {
  const path = url.pathname;
  if (path.startsWith("/fault/redirect-to/")) {
    res.writeHead(302, { location: decodeURIComponent(path.slice("/fault/redirect-to/".length)) }).end();
    return true;
  }
  if (path === "/fault/redirect-loop") {
    res.writeHead(302, { location: "/fault/redirect-loop-b" }).end();
    return true;
  }
  if (path === "/fault/redirect-loop-b") {
    res.writeHead(302, { location: "/fault/redirect-loop" }).end();
    return true;
  }
  if (path.startsWith("/fault/flaky/")) {
    // Fails twice per distinct URL, then serves the page.
    const seen = (tries.get(url.href) ?? 0) + 1;
    tries.set(url.href, seen);
    if (seen <= 2) res.writeHead(500, { "content-type": "text/plain" }).end("try again");
    else res.writeHead(200, { "content-type": "text/html" }).end("<title>Recovered</title><p>Recovered after two failures, as promised by the flaky route.</p>");
    return true;
  }
  if (path === "/fault/pdf") {
    res.writeHead(200, { "content-type": "application/pdf" }).end("%PDF-1.4 not really");
    return true;
  }
  return false;
}
