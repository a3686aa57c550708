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
td.actions button,td.actions select{margin:0 .3rem .2rem 0}
button:focus-visible,select:focus-visible,input:focus-visible,textarea:focus-visible,a:focus-visible{outline:3px solid #1a73e8;outline-offset:2px}
code.full-id{font-size:.78rem;word-break:break-all;display:block;max-width:17rem}
input[type=checkbox],input[type=file]{width:auto}button.copy{font-size:.8rem;padding:.05rem .5rem}div.name{font-weight:600}
span.label{display:inline-block;border:1px solid var(--line);border-radius:3px;padding:0 .35rem;margin:.15rem .25rem 0 0;font-size:.8rem}
fieldset{border:1px solid var(--line);margin:.5rem 0 1rem}textarea{width:100%;min-height:5rem;font:13px ui-monospace,monospace}
#submit label{margin-right:1rem;display:inline-block}#submit input[type=text]{width:14rem}
div.charts{display:flex;flex-wrap:wrap;gap:1.5rem}figure.chart{margin:.3rem 0}figcaption{font-size:.8rem;opacity:.8}
ul.bars{display:block}ul.bars li{margin:.1rem 0}span.bar{display:inline-block;height:.7rem;background:var(--bad);margin-left:.4rem;vertical-align:middle}
span.bar.ok{background:var(--ok)}rect.run{fill:var(--ok)}rect.late{fill:var(--bad)}rect.skipped{fill:#888}
table.hosts,table.error-list{margin:.5rem 0}caption{text-align:left;font-weight:600;padding:.3rem 0}
ul.by-code:not(.bars){display:flex}
div.cost{font-size:.85rem;opacity:.7}`;

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
<details id="submit-panel"><summary>Submit a batch</summary>
<form id="submit"><fieldset><legend>URLs</legend>
<label for="urls">Paste URLs, one a line (or CSV with a <code>url</code> column)</label>
<textarea id="urls" name="urls"></textarea>
<label>or upload a list <input id="upload" type="file" accept=".txt,.csv,text/plain,text/csv"></label></fieldset>
<fieldset><legend>Batch</legend><label>Name <input id="name" type="text" maxlength="200"></label>
<label>Labels <input id="labels" type="text" placeholder="nightly, team:shop"></label></fieldset>
<fieldset><legend>Options</legend>
<label><input type="checkbox" name="format" value="markdown" checked> markdown</label>
<label><input type="checkbox" name="format" value="html"> html</label>
<label><input type="checkbox" name="format" value="text"> text</label>
<label><input type="checkbox" name="format" value="links"> links</label>
<label><input id="main-only" type="checkbox" checked> main content only</label>
<label><input id="robots" type="checkbox" checked> respect robots.txt</label>
<label><input id="images" type="checkbox" checked> keep images</label></fieldset>
<button type="submit">Submit</button></form></details>
<table id="batches"><thead><tr><th scope="col">batch</th><th scope="col">created</th><th scope="col">status</th><th scope="col">progress</th><th scope="col">URLs</th><th scope="col">speed</th><th scope="col">actions</th></tr></thead><tbody></tbody></table>
<button id="more" type="button" hidden>Load older batches</button>
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
