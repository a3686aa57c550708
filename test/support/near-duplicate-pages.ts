// Pages for near-duplicate tests: deterministic prose per topic, wrapped in a site
// template whose boilerplate, date and link parameters vary. The same topic in two
// variants is a near-duplicate; two topics in the same template are not. Served by the
// test origin under /near/<topic>.html?variant=... and used directly by the unit tests.
import type { IncomingMessage, ServerResponse } from "node:http";

const WORDS =
  "river market engine garden winter signal harbor copper lantern meadow orbit canvas thunder pepper velvet anchor glacier tunnel violin saddle crystal falcon marble cotton rocket summit island beacon ember quarry".split(
    " ",
  );

/** `sentences` sentences of prose for `topic`, from a seeded generator (a vocabulary of 1,200 words). */
export function prose(topic: number, sentences = 60): string {
  let seed = topic * 7919 + 17;
  const next = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed;
  };
  const out: string[] = [];
  for (let s = 0; s < sentences; s++) {
    const n = 8 + (next() % 8);
    out.push(`${Array.from({ length: n }, () => `${WORDS[next() % WORDS.length]}${next() % 40}`).join(" ")}.`);
  }
  return out.join(" ");
}

export interface Variant {
  nav?: string;
  footer?: string;
  date?: string;
  link?: string;
}

/** The variants a near-duplicate differs by: its site chrome, its date, its link parameters. */
export const VARIANTS: Record<string, Variant> = {
  base: {},
  chrome: {
    nav: '<a href="/">Home</a> <a href="/shop">Shop</a> <a href="/blog">Blog</a>',
    footer: "© 2026 Example Ltd. Terms. Privacy.",
  },
  date: { date: "Updated 9 November 2026" },
  tracking: { link: "/next?utm_source=newsletter&utm_campaign=fall&gclid=xyz" },
};

/** One page of `body` in the site template, as `variant` dresses it. */
export function templatePage(body: string, variant: Variant = {}): string {
  const paragraphs: string[] = [];
  body.split(". ").forEach((sentence, i) => {
    if (i % 5 === 0) paragraphs.push("");
    paragraphs[paragraphs.length - 1] += `${sentence}. `;
  });
  return `<!doctype html><html lang="en"><head><title>Report</title></head><body>
<nav>${variant.nav ?? '<a href="/">Home</a> <a href="/a">About</a>'}</nav>
<main><article><h1>Report</h1><p class="date">${variant.date ?? "Published 3 March 2025"}</p>
${paragraphs.map((p) => `<p>${p}</p>`).join("\n")}
<p>Read <a href="${variant.link ?? "/next?utm_source=a"}">the next report</a>.</p></article></main>
<footer>${variant.footer ?? "© Example Inc. All rights reserved."}</footer></body></html>`;
}

/** The origin's /near/<topic>.html?variant=<name> pages. */
export function nearDuplicateRoutes(_req: IncomingMessage, res: ServerResponse, url: URL): boolean {
  const m = /^\/near\/(\d+)\.html$/.exec(url.pathname);
  if (!m) return false;
  const variant = VARIANTS[url.searchParams.get("variant") ?? "base"] ?? {};
  res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(templatePage(prose(Number(m[1])), variant));
  return true;
}
