// A self-contained HTML reference rendered from the OpenAPI document itself (no CDN
// scripts, so it works offline and cannot drift from the schemas): each route with its
// parameters, its request and answer fields as tables ($ref resolved, nested fields
// indented) and its example; descriptions' Markdown code spans shown as code.

type Json = Record<string, unknown>;

const escapeHtml = (text: string) =>
  text.replace(/[&<>"]/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[ch] ?? ch);

/** The Markdown our descriptions use, inline only: `code`, **bold**, [text](url). */
export function inlineMarkdown(text: string): string {
  return escapeHtml(text)
    .replace(/`([^`]+)`/g, "<code>$1</code>")
    .replace(/\*\*([^*]+)\*\*/g, "<strong>$1</strong>")
    .replace(/\[([^\]]+)\]\(((?:https?:\/\/|\/)[^)\s]+)\)/g, '<a href="$2">$1</a>');
}

class Renderer {
  constructor(private readonly components: Record<string, Json>) {}

  private resolve(schema: Json | undefined): { schema: Json; name: string | null; description?: string } {
    if (!schema) return { schema: {}, name: null };
    const ref = typeof schema.$ref === "string" ? schema.$ref.replace("#/components/schemas/", "") : null;
    if (ref) return { schema: this.components[ref] ?? {}, name: ref };
    const all = schema.allOf as Json[] | undefined;
    if (all?.length) {
      const [first, ...rest] = all;
      const inner = this.resolve(first);
      const description = rest.map((part) => part.description).find((d) => typeof d === "string") as string | undefined;
      return { ...inner, description: description ?? inner.description };
    }
    return { schema, name: null };
  }

  /** A short type: `string`, `integer[]`, `Batch`, `"a" | "b"`, `... or null`. */
  typeOf(raw: Json | undefined): string {
    const { schema, name } = this.resolve(raw);
    if (name) return name;
    const options = (schema.anyOf ?? schema.oneOf) as Json[] | undefined;
    if (options) return options.map((option) => this.typeOf(option)).join(" or ");
    if (Array.isArray(schema.enum)) return schema.enum.map((value) => JSON.stringify(value)).join(" | ");
    const type = Array.isArray(schema.type) ? schema.type.join(" or ") : String(schema.type ?? "any");
    if (type === "array") return `${this.typeOf(schema.items as Json | undefined)}[]`;
    return type;
  }

  private objectOf(raw: Json | undefined, depth: number): Json | null {
    if (depth > 4 || !raw) return null;
    const { schema } = this.resolve(raw);
    if (schema.properties) return schema;
    if (schema.type === "array") return this.objectOf(schema.items as Json | undefined, depth);
    const options = ((schema.anyOf ?? schema.oneOf) as Json[] | undefined) ?? [];
    const objects = options.map((option) => this.objectOf(option, depth)).filter((o): o is Json => o !== null);
    return objects.length === 1 ? (objects[0] as Json) : null;
  }

  /** Table rows for every property of `schema`, nested objects' fields indented under theirs. */
  rows(raw: Json | undefined, prefix = "", depth = 0): string {
    const object = this.objectOf(raw, depth);
    if (!object) return "";
    const required = new Set((object.required as string[] | undefined) ?? []);
    return Object.entries(object.properties as Record<string, Json>)
      .map(([name, property]) => {
        const resolved = this.resolve(property);
        const description = String(property.description ?? resolved.description ?? resolved.schema.description ?? "");
        const fallback =
          property.default === undefined
            ? ""
            : ` Default: <code>${escapeHtml(JSON.stringify(property.default))}</code>.`;
        const row = `<tr><td><code>${escapeHtml(prefix + name)}</code>${required.has(name) ? "" : " <small>optional</small>"}</td><td><code>${escapeHtml(this.typeOf(property))}</code></td><td>${inlineMarkdown(description)}${fallback}</td></tr>`;
        return row + this.rows(property, `${prefix}${name}${this.isArray(property) ? "[]" : ""}.`, depth + 1);
      })
      .join("");
  }

  private isArray(raw: Json): boolean {
    return this.resolve(raw).schema.type === "array";
  }

  fields(raw: Json | undefined): string {
    const rows = this.rows(raw);
    if (!rows) return raw ? `<p>Type: <code>${escapeHtml(this.typeOf(raw))}</code></p>` : "";
    return `<table><thead><tr><th scope="col">field</th><th scope="col">type</th><th scope="col">description</th></tr></thead><tbody>${rows}</tbody></table>`;
  }
}

function example(media: Json | undefined): string {
  if (!media || media.example === undefined) return "";
  const text = typeof media.example === "string" ? media.example : JSON.stringify(media.example, null, 2);
  return `<details><summary>Example</summary><pre><code>${escapeHtml(text)}</code></pre></details>`;
}

function section(renderer: Renderer, method: string, path: string, operation: Json): string {
  const anchor = `${method}-${path.replace(/[^a-z0-9]+/gi, "-")}`;
  const params = (operation.parameters as Json[] | undefined) ?? [];
  const paramRows = params
    .map((p) => {
      const schema = p.schema as Json | undefined;
      const description = String(p.description ?? schema?.description ?? "");
      return `<tr><td><code>${escapeHtml(String(p.name))}</code></td><td>${escapeHtml(String(p.in))}${p.required ? "" : " <small>optional</small>"}</td><td><code>${escapeHtml(renderer.typeOf(schema))}</code></td><td>${inlineMarkdown(description)}</td></tr>`;
    })
    .join("");
  const parameters = paramRows
    ? `<h4>Parameters</h4><table><thead><tr><th scope="col">name</th><th scope="col">in</th><th scope="col">type</th><th scope="col">description</th></tr></thead><tbody>${paramRows}</tbody></table>`
    : "";
  const bodyContent = ((operation.requestBody as Json | undefined)?.content ?? {}) as Record<string, Json>;
  const body = Object.entries(bodyContent)
    .map(
      ([type, media]) =>
        `<h4>Request body <code>${escapeHtml(type)}</code></h4>${renderer.fields(media.schema as Json)}${example(media)}`,
    )
    .join("");
  const responses = Object.entries((operation.responses ?? {}) as Record<string, Json>)
    .map(([status, response]) => {
      const content = Object.entries((response.content ?? {}) as Record<string, Json>);
      const success = /^[23]/.test(status);
      const detail = success
        ? content
            .map(
              ([type, media]) =>
                `<p><code>${escapeHtml(type)}</code></p>${renderer.fields(media.schema as Json)}${example(media)}`,
            )
            .join("")
        : "";
      return `<li><code>${status}</code> ${inlineMarkdown(String(response.description ?? ""))}${detail}</li>`;
    })
    .join("");
  const open = !operation.security || (operation.security as unknown[]).length === 0 ? " <small>(no key)</small>" : "";
  return `<section id="${anchor}" aria-labelledby="${anchor}-h"><h2 id="${anchor}-h"><code>${method.toUpperCase()} ${escapeHtml(path)}</code>${open}</h2>
<p>${inlineMarkdown(String(operation.summary ?? ""))}</p>${operation.description ? `<p>${inlineMarkdown(String(operation.description))}</p>` : ""}
${parameters}${body}<h4>Answers</h4><ul>${responses}</ul></section>`;
}

/** Renders the OpenAPI document as a readable HTML page. */
export function renderDocsPage(openapi: object): string {
  const document = openapi as Json;
  const components = ((document.components as Json | undefined)?.schemas ?? {}) as Record<string, Json>;
  const renderer = new Renderer(components);
  const paths = (document.paths as Record<string, Record<string, Json>> | undefined) ?? {};
  const operations = Object.entries(paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({ method, path, operation })),
  );
  const toc = operations
    .map(
      ({ method, path, operation }) =>
        `<li><a href="#${method}-${path.replace(/[^a-z0-9]+/gi, "-")}"><code>${method.toUpperCase()} ${escapeHtml(path)}</code></a> ${inlineMarkdown(String(operation.summary ?? ""))}</li>`,
    )
    .join("");
  const sections = operations.map(({ method, path, operation }) => section(renderer, method, path, operation));
  const info = (document.info ?? {}) as Json;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Trawl API reference</title>
<style>:root{color-scheme:light dark}body{font:15px/1.5 system-ui,sans-serif;max-width:66rem;margin:2rem auto;padding:0 1rem}
section{border-top:1px solid #8886;padding:.5rem 0}pre{background:#8881;padding:.5rem;overflow:auto}code{font-family:ui-monospace,monospace;font-size:.92em}
table{border-collapse:collapse;width:100%;margin:.4rem 0}td,th{border:1px solid #8886;padding:.2rem .5rem;text-align:left;vertical-align:top}
h2{font-size:1.1rem}h4{margin:.8rem 0 .2rem}small{opacity:.75}nav ul{columns:2}</style></head><body>
<h1>Trawl API reference</h1><p>${inlineMarkdown(String(info.description ?? ""))}</p>
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a>. Every <code>/v1</code> and <code>/v2</code> route but signed
downloads (<code>GET /v1/downloads/{id}</code>, which carry their own signature) needs <code>Authorization: Bearer &lt;key&gt;</code>.
Errors answer <code>{"error": {"code", "message", "details": [{"field", "reason"}]}}</code> (Firecrawl's routes: Firecrawl's shape).</p>
<nav aria-label="routes"><ul>${toc}</ul></nav>
${sections.join("\n")}</body></html>`;
}
