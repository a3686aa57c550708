// A self-contained HTML reference rendered from the OpenAPI document itself (no CDN
// scripts, so it works offline and cannot drift from the schemas).

type Json = Record<string, unknown>;

const escapeHtml = (text: string) =>
  text.replace(/[&<>"]/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[ch] ?? ch);

function section(method: string, path: string, operation: Json): string {
  const params = (operation.parameters as Json[] | undefined) ?? [];
  const rows = params
    .map(
      (p) =>
        `<tr><td><code>${escapeHtml(String(p.name))}</code></td><td>${escapeHtml(String(p.in))}</td><td>${p.required ? "yes" : "no"}</td></tr>`,
    )
    .join("");
  const body = operation.requestBody
    ? `<details><summary>Request body</summary><pre>${escapeHtml(JSON.stringify(operation.requestBody, null, 2))}</pre></details>`
    : "";
  const responses = Object.entries((operation.responses as Json | undefined) ?? {})
    .map(([status, r]) => `<li><code>${status}</code> ${escapeHtml(String((r as Json).description ?? ""))}</li>`)
    .join("");
  return `<section><h2><code>${method.toUpperCase()} ${escapeHtml(path)}</code></h2>
<p>${escapeHtml(String(operation.summary ?? ""))}</p>${operation.description ? `<p>${escapeHtml(String(operation.description))}</p>` : ""}
${rows ? `<table><tr><th>parameter</th><th>in</th><th>required</th></tr>${rows}</table>` : ""}${body}<ul>${responses}</ul></section>`;
}

/** Renders the OpenAPI document as a readable HTML page. */
export function renderDocsPage(openapi: object): string {
  const document = openapi as Json;
  const paths = (document.paths as Record<string, Record<string, Json>> | undefined) ?? {};
  const sections = Object.entries(paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => section(method, path, operation)),
  );
  const components = escapeHtml(JSON.stringify((document.components as Json | undefined)?.schemas ?? {}, null, 2));
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Trawl API</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}
section{border-top:1px solid #ddd;padding:.5rem 0}pre{background:#f6f6f6;padding:.5rem;overflow:auto}
table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:.2rem .5rem}</style></head><body>
<h1>Trawl API</h1><p>Machine-readable: <a href="/openapi.json">/openapi.json</a>. Every <code>/v1</code> route but signed
downloads needs <code>Authorization: Bearer &lt;key&gt;</code>.</p>
${sections.join("\n")}
<details><summary>Schemas</summary><pre>${components}</pre></details></body></html>`;
}
