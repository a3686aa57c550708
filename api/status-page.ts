// GET /ui: one self-contained HTML page (no assets from anywhere) showing a tenant's
// batches with live progress, errors by code and download links. Loading it needs no
// key; the page asks for one and calls the public API with it, like any other client.
import type { OpenAPIHono } from "@hono/zod-openapi";
import { STATUS_PAGE_SCRIPT } from "./status-page-script";
import type { AppEnv } from "./types";

const STYLE = `
:root{color-scheme:light dark;--line:#8884;--ok:#2a7d3b;--bad:#b3261e}
body{font:14px/1.45 system-ui,sans-serif;margin:0 auto;max-width:78rem;padding:1rem 1.5rem}
h1{font-size:1.3rem;margin:.2rem 0 1rem}h1 small{font-weight:normal;opacity:.6}
form,#signout{margin:.5rem 0}input{font:inherit;padding:.3rem .5rem;width:18rem}
button{font:inherit;padding:.25rem .7rem;cursor:pointer}
#message{padding:.5rem .75rem;border-radius:4px;margin:.5rem 0}
#message.error{background:#b3261e22;border:1px solid var(--bad)}#message.info{background:#2a7d3b22;border:1px solid var(--ok)}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}
th{font-weight:600;font-size:.85rem;opacity:.75}td.id{font-family:ui-monospace,monospace}
progress{width:9rem;vertical-align:middle}td.progress,td.created,td.actions,td.id{white-space:nowrap}tr[data-status=completed] td.status{color:var(--ok)}
tr[data-status=failed] td.status,tr[data-status=cancelled] td.status{color:var(--bad)}
tr.errors td{background:#8881}ul.by-code{display:flex;gap:1.2rem;list-style:none;padding:0;margin:.3rem 0}
table.error-list td{border:0;padding:.1rem .5rem}td.url{font-family:ui-monospace,monospace;word-break:break-all}
td.actions button{margin-right:.3rem}div.cost{font-size:.85rem;opacity:.7}`;

function renderStatusPage(nonce: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><link rel="icon" href="data:,"><title>Trawl · batches</title>
<style nonce="${nonce}">${STYLE}</style></head><body>
<h1>Trawl <small>batches</small></h1>
<form id="signin"><label>API key <input id="key" type="password" autocomplete="off" placeholder="the key you use as Bearer"></label>
<button type="submit">Show my batches</button><br><small>Kept in this tab only (sessionStorage); sent only to this server.</small></form>
<button id="signout" hidden>Forget key</button>
<div id="message" hidden></div>
<section id="board" hidden>
<table id="batches"><thead><tr><th>batch</th><th>created</th><th>status</th><th>progress</th><th>URLs</th><th>speed</th><th></th></tr></thead><tbody></tbody></table>
<p id="empty" hidden>No batches yet. Submit one with <code>trawl submit urls.txt</code> or <code>POST /v1/batches</code>.</p>
</section>
<script nonce="${nonce}">${STATUS_PAGE_SCRIPT}</script></body></html>`;
}

/** Registers `GET /ui`, outside the OpenAPI document: it is a page, not an API. */
export function registerStatusPage(app: OpenAPIHono<AppEnv>): void {
  app.get("/ui", (c) => {
    // Only this response's own script and style run; the page may talk to this origin only.
    const nonce = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))));
    c.header(
      "content-security-policy",
      `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
    );
    c.header("referrer-policy", "no-referrer");
    c.header("cache-control", "no-store");
    return c.html(renderStatusPage(nonce));
  });
}
