// Misbehaving pages for tests: each path names the fault it plays.
import type { IncomingMessage, ServerResponse } from "node:http";
import { brotliCompressSync, constants, deflateRawSync, deflateSync, gzipSync } from "node:zlib";
import { articlePage } from "../../demo/origin-server";
import { worstPages } from "./worst-pages";

const tries = new Map<string, number>();

/** Counts this request for its URL (path and query) and returns how many there have been. */
function attempt(url: URL): number {
  const seen = (tries.get(url.href) ?? 0) + 1;
  tries.set(url.href, seen);
  return seen;
}

const RECOVERED = "<title>Recovered</title><p>Recovered after a refusal, as promised by the fault route.</p>";
/** Over the default 5 MiB byte cap (MAX_BODY_BYTES), which the workerd tests keep. */
const OVER_CAP = 6 * 1024 * 1024;
const FILLER = Buffer.from(`<p>${"filler text ".repeat(5000)}</p>\n`);

// "日本語のテキスト" in Shift_JIS: not valid UTF-8, and mojibake read as windows-1252.
const SJIS_TEXT = Buffer.from([
  0x93, 0xfa, 0x96, 0x7b, 0x8c, 0xea, 0x82, 0xcc, 0x83, 0x65, 0x83, 0x4c, 0x83, 0x58, 0x83, 0x67,
]);
const sjisPage = (): Buffer =>
  Buffer.concat([
    Buffer.from('<!doctype html><html><head><meta charset="shift_jis"><title>Charset</title></head><body><main><p>'),
    SJIS_TEXT,
    Buffer.from(
      ", a page in Shift_JIS whose text must come out right, with enough words to be content.</p></main></body></html>",
    ),
  ]);

let bomb: Buffer | undefined;
/** 64 MiB of HTML-ish filler gzipped to about 64 KiB, built once. */
function gzipBomb(): Buffer {
  bomb ??= gzipSync(Buffer.alloc(64 * 1024 * 1024, "a"), { level: 9 });
  return bomb;
}

let deflateBomb: Buffer | undefined;
/** The same 64 MiB zlib-wrapped (Content-Encoding: deflate), about 64 KiB on the wire. */
function zlibBomb(): Buffer {
  deflateBomb ??= deflateSync(Buffer.alloc(64 * 1024 * 1024, "a"), { level: 9 });
  return deflateBomb;
}

const COMPRESSED = Buffer.from(
  "<!doctype html><title>Compressed</title><main><p>A page sent compressed, which must come out as readable text.</p></main>",
);

/** Bytes from a fixed linear congruential generator: the same "binary" every run. */
function garbage(length: number): Buffer {
  const out = Buffer.alloc(length);
  let x = 12345;
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  out[0] = 0x00; // never a byte-order mark
  return out;
}

/** 100,000 nested divs around a paragraph, with a paragraph before them too. */
function deepPage(depth: number): string {
  return `<!doctype html><title>Deep</title><p>A paragraph before a hundred thousand nested divs, there to be extracted.</p>${"<div>".repeat(depth)}<p>The bottom of the pit.</p>${"</div>".repeat(depth)}`;
}

/** Writes nothing more once the client has gone (it aborts most of these faults). */
function quietWhenGone(res: ServerResponse): void {
  res.on("error", () => {});
  res.socket?.on("error", () => {});
}

type Routes = (req: IncomingMessage, res: ServerResponse, url: URL) => boolean;

let hugeRobots: Buffer | undefined;
/** 10 MiB of robots.txt whose first lines disallow /private/, the rest comments; built once. */
function hugeRobotsTxt(): Buffer {
  hugeRobots ??= Buffer.concat([
    Buffer.from("User-agent: *\nDisallow: /private/\n"),
    Buffer.alloc(10 * 1024 * 1024, "# a very long robots.txt, padded with comments\n"),
  ]);
  return hugeRobots;
}

/**
 * robots.txt faults. robots.txt is one per origin, so each is served by an origin of
 * its own (test/support/global-origin.ts), whose other paths are the ordinary pages.
 */
export const robotsFaultRoutes = {
  /** Over every cap; RFC 9309 still wants its first 500 KiB obeyed. */
  huge: (_req, res, url) => {
    if (url.pathname !== "/robots.txt") return false;
    quietWhenGone(res);
    res.writeHead(200, { "content-type": "text/plain" }).end(hugeRobotsTxt());
    return true;
  },
  /** /robots.txt → /robots-b.txt → /robots.txt …: never ends in a file. */
  loop: (_req, res, url) => {
    if (url.pathname === "/robots.txt") res.writeHead(302, { location: "/robots-b.txt" }).end();
    else if (url.pathname === "/robots-b.txt") res.writeHead(302, { location: "/robots.txt" }).end();
    else return false;
    return true;
  },
  /** 200, then the connection drops mid-file: the rules were never read. */
  reset: (_req, res, url) => {
    if (url.pathname !== "/robots.txt") return false;
    quietWhenGone(res);
    res.writeHead(200, { "content-type": "text/plain", "content-length": "100000" });
    res.write("User-agent: *\nDisallow: /private/\n# and more to come");
    setTimeout(() => res.socket?.destroy(), 50);
    return true;
  },
  /** 503 for the first two requests of robots.txt, then an empty (allow-all) file. */
  recovering: (_req, res, url) => {
    if (url.pathname !== "/robots.txt") return false;
    robotsAsked += 1;
    if (robotsAsked <= 2) res.writeHead(503, { "content-type": "text/plain" }).end("down for maintenance");
    else res.writeHead(200, { "content-type": "text/plain" }).end("User-agent: *\nAllow: /\n");
    return true;
  },
} satisfies Record<string, Routes>;

let robotsAsked = 0;

/** Routes under /fault/… ; returns true when it answered. */
/** The worst-case text page at the default body cap: Markdown at its cap (test/support/worst-pages.ts). */
let capText: Uint8Array | undefined;

export const faultRoutes: Routes = (_req, res, url) => {
  const path = url.pathname;
  // /worst/text/...: a page whose record is as large as a record gets.
  if (path.startsWith("/worst/text/")) {
    capText ??= (worstPages(5 * 1024 * 1024)[0] as { bytes: Uint8Array }).bytes;
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(capText);
    return true;
  }
  // /slow/<ms>/<n>: article n, answered after ms milliseconds (a page that takes its time).
  const slow = /^\/slow\/(\d{1,5})\/(\d+)$/.exec(path);
  if (slow) {
    setTimeout(() => {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(articlePage(Number(slow[2])));
    }, Number(slow[1]));
    return true;
  }
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
    else
      res
        .writeHead(200, { "content-type": "text/html" })
        .end("<title>Recovered</title><p>Recovered after two failures, as promised by the flaky route.</p>");
    return true;
  }
  if (path.startsWith("/fault/retry-after/")) {
    // 429 with Retry-After: 2 the first time per URL, then the page.
    if (attempt(url) === 1) res.writeHead(429, { "retry-after": "2", "content-type": "text/plain" }).end("slow down");
    else res.writeHead(200, { "content-type": "text/html" }).end(RECOVERED);
    return true;
  }
  if (path.startsWith("/fault/always-429/")) {
    res.writeHead(429, { "retry-after": "1", "content-type": "text/plain" }).end("slow down, forever");
    return true;
  }
  if (path.startsWith("/fault/always-503/")) {
    // No Retry-After: the fetcher's own backoff decides.
    res.writeHead(503, { "content-type": "text/plain" }).end("unavailable");
    return true;
  }
  if (path.startsWith("/fault/hang/")) {
    // Accepts the request and never answers; the client's timeout ends it.
    quietWhenGone(res);
    setTimeout(() => res.destroy(), 60_000).unref();
    return true;
  }
  if (path.startsWith("/fault/drip/")) {
    // Headers at once, then one byte a second for a minute.
    quietWhenGone(res);
    res.writeHead(200, { "content-type": "text/html" });
    res.write("<");
    let sent = 0;
    const timer = setInterval(() => {
      if (res.destroyed || ++sent > 60) {
        clearInterval(timer);
        res.end();
        return;
      }
      res.write("p");
    }, 1000);
    timer.unref();
    res.on("close", () => clearInterval(timer));
    return true;
  }
  if (path.startsWith("/fault/reset/")) {
    // Promises 100,000 bytes, sends 1,000, then drops the connection.
    quietWhenGone(res);
    res.writeHead(200, { "content-type": "text/html", "content-length": "100000" });
    res.write(`<p>${"x".repeat(996)}`);
    setTimeout(() => res.socket?.destroy(), 50);
    return true;
  }
  if (path.startsWith("/fault/too-large-declared/")) {
    quietWhenGone(res);
    res.writeHead(200, { "content-type": "text/html", "content-length": String(OVER_CAP) });
    res.end(Buffer.alloc(OVER_CAP, "a"));
    return true;
  }
  if (path.startsWith("/fault/too-large-chunked/")) {
    // No Content-Length: only counting the streamed body can catch it.
    quietWhenGone(res);
    res.writeHead(200, { "content-type": "text/html" });
    let sent = 0;
    const pump = (): void => {
      while (sent < OVER_CAP && !res.destroyed) {
        sent += FILLER.length;
        if (!res.write(FILLER)) {
          res.once("drain", pump);
          return;
        }
      }
      if (!res.destroyed) res.end();
    };
    pump();
    return true;
  }
  if (path.startsWith("/fault/gzip-bomb/")) {
    quietWhenGone(res);
    const body = gzipBomb();
    res.writeHead(200, {
      "content-type": "text/html",
      "content-encoding": "gzip",
      "content-length": String(body.length),
    });
    res.end(body);
    return true;
  }
  if (path.startsWith("/fault/deflate-zlib/")) {
    // RFC 9110 "deflate": the zlib format (RFC 1950) around a deflate stream.
    res.writeHead(200, { "content-type": "text/html", "content-encoding": "deflate" }).end(deflateSync(COMPRESSED));
    return true;
  }
  if (path.startsWith("/fault/deflate-raw/")) {
    // What some servers send as "deflate": the bare deflate stream, no zlib header.
    res.writeHead(200, { "content-type": "text/html", "content-encoding": "deflate" }).end(deflateRawSync(COMPRESSED));
    return true;
  }
  if (path.startsWith("/fault/deflate-bomb/")) {
    quietWhenGone(res);
    res.writeHead(200, { "content-type": "text/html", "content-encoding": "deflate" }).end(zlibBomb());
    return true;
  }
  if (path.startsWith("/fault/br/")) {
    const body = brotliCompressSync(COMPRESSED, { params: { [constants.BROTLI_PARAM_QUALITY]: 5 } });
    res.writeHead(200, { "content-type": "text/html", "content-encoding": "br" }).end(body);
    return true;
  }
  if (path.startsWith("/fault/x-gzip/")) {
    // gzip under its old name, which workerd's fetch leaves undecoded.
    res.writeHead(200, { "content-type": "text/html", "content-encoding": "x-gzip" }).end(gzipSync(COMPRESSED));
    return true;
  }
  const broken = /^\/fault\/broken-(gzip|br|deflate)\//.exec(path);
  if (broken) {
    // The header promises compression; the bytes are plain HTML, which no decoder accepts.
    res.writeHead(200, { "content-type": "text/html", "content-encoding": broken[1] ?? "" }).end(COMPRESSED);
    return true;
  }
  if (path.startsWith("/fault/unknown-encoding/")) {
    res.writeHead(200, { "content-type": "text/html", "content-encoding": "zstd" }).end(COMPRESSED);
    return true;
  }
  if (path.startsWith("/fault/charset-meta/")) {
    // No charset in the header: the <meta charset> prescan must find Shift_JIS.
    res.writeHead(200, { "content-type": "text/html" }).end(sjisPage());
    return true;
  }
  if (path.startsWith("/fault/charset-unknown/")) {
    // A charset label no decoder knows: ignored, so the prescan decides.
    res.writeHead(200, { "content-type": "text/html; charset=x-no-such-charset" }).end(sjisPage());
    return true;
  }
  if (path.startsWith("/fault/charset-lying/")) {
    // The header says windows-1252 but the bytes are Shift_JIS.
    res.writeHead(200, { "content-type": "text/html; charset=windows-1252" }).end(sjisPage());
    return true;
  }
  if (path.startsWith("/fault/binary/")) {
    res.writeHead(200, { "content-type": "text/html" }).end(garbage(16 * 1024));
    return true;
  }
  if (path.startsWith("/fault/deep/")) {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(deepPage(100_000));
    return true;
  }
  if (path === "/fault/pdf") {
    res.writeHead(200, { "content-type": "application/pdf" }).end("%PDF-1.4 not really");
    return true;
  }
  return false;
};
