// A local web origin for the demo, the end-to-end tests and the benchmarks: Trawl can
// reach nothing outside this machine here, so every page it fetches comes from this.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { catalogRoutes } from "./catalog";
import { linkedSiteRoutes } from "./linked-site";

export interface OriginRequest {
  path: string;
  at: number;
  userAgent: string | undefined;
  /** The status answered, once the answer is sent (a 304 sent no body). */
  status?: number;
  /** Body bytes sent, once the answer is sent (what the cost ledger's `bytesFetched` is checked against). */
  bytes?: number;
}

export interface Origin {
  url: string;
  port: number;
  /** Every request the origin answered, in arrival order. */
  requests: OriginRequest[];
  close(): Promise<void>;
}

export interface OriginOptions {
  port?: number;
  /** Extra routes tried before the built-in ones; return true when handled. */
  routes?: (req: IncomingMessage, res: ServerResponse, url: URL) => boolean | Promise<boolean>;
  /** robots.txt body; default allows everything. */
  robots?: string;
}

/** A deterministic article page with some site chrome around it. */
export function articlePage(n: number): string {
  const paragraphs = Array.from(
    { length: 4 },
    (_, i) =>
      `<p>Paragraph ${i + 1} of article ${n}. Trawl fetches this page politely, keeps the article and drops the navigation, the cookie banner and the footer around it.</p>`,
  ).join("\n");
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Article ${n}</title>
<meta name="description" content="Demo article number ${n}"></head><body>
<nav><a href="/">Home</a> <a href="/about">About</a></nav>
<div class="cookie-banner">We use cookies. <button>Accept</button></div>
<main><article><h1>Article ${n}</h1>${paragraphs}
<ul><li>first point</li><li>second point</li></ul>
<p>Read <a href="/pages/${n + 1}.html">the next article</a>.</p></article></main>
<footer>© Demo origin · <a href="/privacy">Privacy</a></footer></body></html>`;
}

/** Starts the origin on 127.0.0.1 (port 0 picks a free one). */
export async function startOrigin(options: OriginOptions = {}): Promise<Origin> {
  const requests: OriginRequest[] = [];
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://origin.local");
    if (url.pathname === "/__requests") {
      // For tests that count fetches from inside workerd, where this process's memory is out of reach.
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(requests));
      return;
    }
    const request: OriginRequest = {
      path: url.pathname + url.search,
      at: Date.now(),
      userAgent: req.headers["user-agent"],
    };
    requests.push(request);
    let bytes = 0;
    const count = (chunk: unknown) => {
      if (typeof chunk === "string") bytes += Buffer.byteLength(chunk);
      else if (chunk instanceof Uint8Array) bytes += chunk.byteLength;
    };
    const { write, end } = res;
    res.write = function (this: ServerResponse, chunk: unknown, ...rest: unknown[]) {
      count(chunk);
      return (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
    } as ServerResponse["write"];
    res.end = function (this: ServerResponse, chunk?: unknown, ...rest: unknown[]) {
      if (typeof chunk !== "function") count(chunk);
      return (end as (...args: unknown[]) => ServerResponse).call(this, chunk, ...rest);
    } as ServerResponse["end"];
    res.on("finish", () => {
      request.status = res.statusCode;
      request.bytes = bytes;
    });
    try {
      if (options.routes && (await options.routes(req, res, url))) return;
      if (catalogRoutes(req, res, url)) return;
      if (linkedSiteRoutes(req, res, url)) return;
      if (url.pathname === "/robots.txt") {
        res.writeHead(200, { "content-type": "text/plain" }).end(options.robots ?? "User-agent: *\nAllow: /\n");
        return;
      }
      // `/moved/<path>` redirects to `/<path>` (query kept); `/away?to=<url>` to any URL.
      if (url.pathname.startsWith("/moved/")) {
        res.writeHead(301, { location: url.pathname.slice("/moved".length) + url.search }).end();
        return;
      }
      const away = url.pathname === "/away" ? url.searchParams.get("to") : null;
      if (away) {
        res.writeHead(302, { location: away }).end();
        return;
      }
      const page = /^\/(?:pages|private)\/(\d+)\.html$/.exec(url.pathname);
      if (page) {
        res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(articlePage(Number(page[1])));
        return;
      }
      const status = /^\/status\/(\d{3})$/.exec(url.pathname);
      if (status) {
        res.writeHead(Number(status[1]), { "content-type": "text/html" }).end(`<h1>Status ${status[1]}</h1>`);
        return;
      }
      res.writeHead(404, { "content-type": "text/html" }).end("<h1>Not found</h1>");
    } catch (error) {
      if (!res.headersSent) res.writeHead(500).end(String(error));
      else res.destroy();
    }
  });
  // A taken port rejects (EADDRINUSE) instead of surfacing as an unhandled 'error' event.
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
