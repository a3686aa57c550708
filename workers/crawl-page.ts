// A crawl's `page` source: one fetched page whose links, as the crawl's rules take them,
// join the batch (one level deeper than the page) and, while under the depth bound, are
// read for links in turn. The page's own content is extracted by the batch's consumer
// like any URL's; this reading only follows links.
import { Parser } from "htmlparser2";
import { openSource } from "../fetch/sitemap-fetch";
import { type AllowList, checkTarget } from "../lib/address-policy";
import { type CrawlRules, crawlFilter } from "../lib/crawl";
import type { DiscoveredSlice, SourceClaim, SourceOutcome } from "../lib/discovery";
import { MAX_URL_LENGTH } from "../lib/schemas";
import { urlFilter } from "../lib/url-patterns";
import type { SourceContext } from "./discover-source";

type Work = Extract<SourceClaim, { kind: "work" }>;

/** Most bytes of a page read for links (Trawl's own HTML cap is lower; links sit early anyway). */
const PAGE_MAX_BYTES = 10 * 1024 * 1024;
const PAGE_TIMEOUT_MS = 60_000;
/** Most links taken from one page. */
const MAX_LINKS = 5_000;

/** Whether a page at `depth` is read for links: only below the bound, whose pages are leaves. */
export function readsLinks(depth: number, rules: CrawlRules): boolean {
  return rules.maxDepth === null || depth < rules.maxDepth;
}

/** The start page joins the batch before it is read, so it ends in a final state however its reading goes. */
export async function deliverStart(claim: Work, ctx: SourceContext): Promise<void> {
  const url = claim.source.url;
  await ctx.deliver({ urls: [{ url, norm: url }], sitemaps: [], invalid: 0, filtered: 0 });
}

/** Reads a crawled page and delivers the links the crawl takes. */
export async function readPage(claim: Work, ctx: SourceContext): Promise<SourceOutcome> {
  const crawl = claim.crawl;
  if (!crawl || !readsLinks(claim.source.depth, crawl.rules)) return { ok: true };
  const opened = await openSource(
    claim.source.url,
    ctx.fetchLimits,
    AbortSignal.timeout(PAGE_TIMEOUT_MS),
    PAGE_MAX_BYTES,
  );
  if (!opened.ok) return opened;
  let base = claim.source.url;
  const hrefs: string[] = [];
  const parser = new Parser(
    {
      onopentag(name, attribs) {
        if (name === "base" && attribs.href && hrefs.length === 0) base = resolve(attribs.href, base) ?? base;
        if (name === "a" && attribs.href && hrefs.length < MAX_LINKS) hrefs.push(attribs.href);
      },
    },
    { decodeEntities: true },
  );
  const reader = opened.body.pipeThrough(new TextDecoderStream()).getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parser.write(value);
    }
    parser.end();
  } catch (error) {
    await reader.cancel().catch(() => {});
    const message = error instanceof Error ? error.message.slice(0, 300) : String(error);
    return { ok: false, code: "network_error", message, transient: true };
  }
  await ctx.deliver(linkSlice(hrefs, base, claim, crawl, ctx.fetchLimits.allow));
  return { ok: true };
}

/** The page's links as the crawl takes them: checked, filtered, normalised, each once. */
export function linkSlice(
  hrefs: string[],
  base: string,
  claim: Pick<Work, "include" | "exclude" | "source">,
  crawl: { start: string; rules: CrawlRules },
  allow: AllowList,
): DiscoveredSlice {
  const filter = crawlFilter(crawl.rules, crawl.start);
  const planFilter = urlFilter(claim.include, claim.exclude);
  const slice: DiscoveredSlice = { urls: [], sitemaps: [], pages: [], invalid: 0, filtered: 0 };
  const seen = new Set<string>();
  const followed = readsLinks(claim.source.depth + 1, crawl.rules);
  for (const href of hrefs) {
    const norm = filter.take(href, base);
    if (norm === null) {
      slice.filtered++;
      continue;
    }
    if (seen.has(norm)) continue;
    seen.add(norm);
    if (norm.length > MAX_URL_LENGTH || !checkTarget(norm, allow).ok) {
      slice.invalid++;
      continue;
    }
    if (!planFilter.accepts(norm)) {
      slice.filtered++;
      continue;
    }
    slice.urls.push({ url: norm, norm });
    if (followed) slice.pages?.push(norm);
  }
  return slice;
}

function resolve(href: string, base: string): string | null {
  try {
    return new URL(href, base).href;
  } catch {
    return null;
  }
}
