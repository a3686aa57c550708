// Firecrawl's scrape and batch-scrape requests, as Trawl reads them: what maps onto a
// batch's options, what is accepted because it asks for nothing Trawl does not already
// do, and what is refused by name. Pure: no bindings, no HTTP.
import { z } from "zod";
import { BatchOptions, MAX_URL_LENGTH, type OutputFormat } from "../schemas";
import { type FirecrawlJobKind, FirecrawlWebhook, toWebhookConfig } from "./webhook";

const Selector = z.string().min(1).max(500);

/** A format as Firecrawl spells it: a name, or an object with a `type` and its settings. */
export const FirecrawlFormat = z.union([
  z.string().min(1).max(100),
  z.looseObject({ type: z.string().min(1).max(100).describe("The format's name.") }),
]);
export type FirecrawlFormat = z.infer<typeof FirecrawlFormat>;

/** Firecrawl formats Trawl produces, and the Trawl format each becomes. */
const FORMATS: Record<string, OutputFormat> = { markdown: "markdown", html: "html", links: "links" };

interface Refusal {
  /** True when the value asks for nothing Trawl does not already do (a default, an empty list). */
  harmless: (value: unknown) => boolean;
  reason: string;
}

const absent = (value: unknown) => value === null || value === undefined;
const falsy = (value: unknown) => absent(value) || value === false || value === 0 || value === "";
const empty = (value: unknown) =>
  absent(value) ||
  (Array.isArray(value) && value.length === 0) ||
  (typeof value === "object" && value !== null && Object.keys(value).length === 0);
const NO_BROWSER = "Trawl fetches pages over HTTP without a browser";

/**
 * Firecrawl options Trawl cannot honour. Each is refused with a 400 naming it unless
 * its value asks for nothing (then it is accepted, so clients that send defaults work).
 */
const REFUSED: Record<string, Refusal> = {
  actions: { harmless: empty, reason: `not supported: ${NO_BROWSER}` },
  waitFor: { harmless: falsy, reason: `not supported: ${NO_BROWSER}` },
  mobile: { harmless: falsy, reason: `not supported: ${NO_BROWSER}` },
  location: { harmless: empty, reason: "not supported: Trawl fetches from where it runs, without geo proxies" },
  proxy: {
    harmless: (v) => absent(v) || v === "basic",
    reason: 'not supported: only "basic" (a direct fetch) is available',
  },
  headers: { harmless: empty, reason: "not supported: Trawl sends its own honest headers" },
  removeBase64Images: {
    harmless: (v) => absent(v) || v === true,
    reason: "only true is supported: Trawl always drops data: images",
  },
  minAge: { harmless: falsy, reason: "not supported: Trawl keeps no page cache" },
  fastMode: { harmless: falsy, reason: "not supported" },
  useMock: { harmless: falsy, reason: "not supported" },
  parsers: { harmless: empty, reason: "not supported: Trawl reads HTML, XHTML, plain text and Markdown only (no PDF)" },
  parsePDF: {
    harmless: falsy,
    reason: "not supported: Trawl reads HTML, XHTML, plain text and Markdown only (no PDF)",
  },
  lockdown: { harmless: falsy, reason: "not supported" },
  redactPII: { harmless: falsy, reason: "not supported" },
  threatProtection: { harmless: empty, reason: "not supported" },
  auditMetadata: { harmless: empty, reason: "not supported" },
  profile: { harmless: empty, reason: `not supported: ${NO_BROWSER}` },
  domainTools: { harmless: falsy, reason: "not supported" },
  toolDetail: { harmless: absent, reason: "not supported" },
  extract: { harmless: empty, reason: "not supported: Trawl does no LLM extraction" },
  jsonOptions: { harmless: empty, reason: "not supported: Trawl does no LLM extraction" },
  changeTrackingOptions: { harmless: empty, reason: "not supported: Trawl does no change tracking" },
  zeroDataRetention: { harmless: falsy, reason: "not supported: Trawl keeps every result in R2 until deleted" },
  appendToId: { harmless: absent, reason: "not supported: a batch's list is fixed when it is submitted" },
};

/** Accepted options that ask for nothing Trawl has to do differently (see README). */
const NO_EFFECT = {
  /** No browser runs, so no ad scripts are loaded. */
  blockAds: z.boolean().optional().describe("Accepted: no browser runs, so no ad scripts are loaded."),
  /** Trawl keeps no cache: every page is fetched fresh, which any `maxAge` allows. */
  maxAge: z
    .number()
    .int()
    .nonnegative()
    .optional()
    .describe("Accepted: Trawl keeps no cache, every page is fetched fresh."),
  /** There is no shared page cache to store into. */
  storeInCache: z.boolean().optional().describe("Accepted: there is no shared page cache to store into."),
  /** Who is calling (an SDK name, an integration): informational only. */
  origin: z.string().max(200).optional().describe("Who is calling (an SDK name): informational only."),
  integration: z.string().max(200).optional().describe("The calling integration: informational only."),
};

/** Firecrawl's per-request timeout, honoured as each URL's fetch budget within Trawl's bounds. */
export const MIN_TIMEOUT_MS = 1_000;
export const MAX_TIMEOUT_MS = 300_000;

/** Accepted options that Trawl honours its own way, or more strictly (a `warning` says so). */
const HONOURED = {
  timeout: z
    .number()
    .int()
    .positive()
    .optional()
    .describe("Each URL's fetch budget in ms (1,000 to 300,000); the deployment's FETCH_TIMEOUT_MS caps it."),
  skipTlsVerification: z
    .boolean()
    .optional()
    .describe("Accepted; TLS is always verified (the answer's `warning` says so when true)."),
};

const refusedKeys = Object.fromEntries(
  Object.entries(REFUSED).map(([key, rule]) => [
    key,
    z
      .unknown()
      .optional()
      .describe(`Accepted only with a value that asks for nothing; otherwise refused: ${rule.reason}.`),
  ]),
);

const scrapeOptionsShape = {
  formats: z
    .array(FirecrawlFormat)
    .min(1)
    .max(20)
    .optional()
    .describe("Firecrawl formats: `markdown`, `html`, `links` (others are refused by name)."),
  onlyMainContent: z.boolean().optional().describe("Keep only the main content (Trawl's options.onlyMainContent)."),
  includeTags: z
    .array(Selector)
    .max(50)
    .optional()
    .describe("CSS selectors to extract only (Trawl's options.includeSelectors)."),
  excludeTags: z
    .array(Selector)
    .max(50)
    .optional()
    .describe("CSS selectors to remove (Trawl's options.excludeSelectors)."),
  ...NO_EFFECT,
  ...HONOURED,
  ...refusedKeys,
};

/** `POST /v1|v2/scrape`: one URL and its scrape options. */
export const FirecrawlScrapeRequest = z
  .object({
    url: z
      .string()
      .min(1)
      .max(MAX_URL_LENGTH, `longer than ${MAX_URL_LENGTH} characters`)
      .describe("The URL to scrape."),
    ...scrapeOptionsShape,
  })
  .strict();
export type FirecrawlScrapeRequest = z.infer<typeof FirecrawlScrapeRequest>;

/** `POST /v1|v2/batch/scrape`: a list of URLs, scrape options and batch settings. */
export const FirecrawlBatchRequest = z
  .object({
    urls: z
      .array(z.string().max(MAX_URL_LENGTH, `longer than ${MAX_URL_LENGTH} characters`))
      .min(1, "must contain at least one URL")
      .describe("The URLs to scrape."),
    ignoreInvalidURLs: z
      .boolean()
      .optional()
      .describe("Drop invalid URLs (listed in `invalidURLs`) instead of refusing the request."),
    maxConcurrency: z
      .number()
      .int()
      .positive()
      .optional()
      .describe("The batch's fetches at once per origin (Trawl's `maxConcurrency`), under HOST_MAX_CONCURRENCY."),
    webhook: FirecrawlWebhook.optional().describe(
      "Firecrawl-shaped webhook: a URL, or `{url, headers, metadata, events}`; signed with X-Firecrawl-Signature.",
    ),
    ...scrapeOptionsShape,
  })
  .strict();
export type FirecrawlBatchRequest = z.infer<typeof FirecrawlBatchRequest>;

/** A request field Trawl refuses, and why. */
export interface RefusedOption {
  field: string;
  reason: string;
}

function formatName(format: FirecrawlFormat): string {
  return typeof format === "string" ? format : format.type;
}

/** Every option or format in `request` that Trawl cannot honour, each named; empty when all can be. */
export function refusedOptions(request: FirecrawlScrapeRequest | FirecrawlBatchRequest): RefusedOption[] {
  const refused: RefusedOption[] = [];
  const fields = request as Record<string, unknown>;
  for (const [field, rule] of Object.entries(REFUSED)) {
    if (fields[field] !== undefined && !rule.harmless(fields[field])) refused.push({ field, reason: rule.reason });
  }
  for (const [i, format] of (request.formats ?? []).entries()) {
    const name = formatName(format);
    if (!(name in FORMATS)) {
      refused.push({
        field: `formats[${i}]`,
        reason: `"${name}" is not supported: Trawl produces markdown, html (cleaned) and links`,
      });
    }
  }
  return refused;
}

/** What Firecrawl's `warning` field tells the caller: options accepted but honoured more strictly. */
export function warningOf(request: FirecrawlScrapeRequest | FirecrawlBatchRequest): string | undefined {
  const warnings: string[] = [];
  if (request.skipTlsVerification === true) warnings.push("skipTlsVerification: TLS is always verified by Trawl");
  if (request.timeout !== undefined && (request.timeout < MIN_TIMEOUT_MS || request.timeout > MAX_TIMEOUT_MS)) {
    warnings.push(`timeout: held to ${MIN_TIMEOUT_MS}..${MAX_TIMEOUT_MS} ms (and the deployment's FETCH_TIMEOUT_MS)`);
  }
  return warnings.length > 0 ? warnings.join("; ") : undefined;
}

/**
 * The batch options a Firecrawl request maps onto (call after `refusedOptions` found
 * nothing). Firecrawl's Markdown keeps the page's title heading (`keepTitleHeading`).
 */
export function toBatchOptions(
  request: FirecrawlScrapeRequest | FirecrawlBatchRequest,
  kind: FirecrawlJobKind = "batch_scrape",
): BatchOptions {
  const formats = new Set<OutputFormat>();
  for (const format of request.formats ?? ["markdown"]) {
    const mapped = FORMATS[formatName(format)];
    if (mapped) formats.add(mapped);
  }
  return BatchOptions.parse({
    formats: [...formats],
    onlyMainContent: request.onlyMainContent ?? true,
    includeSelectors: request.includeTags ?? [],
    excludeSelectors: request.excludeTags ?? [],
    ...("maxConcurrency" in request &&
      request.maxConcurrency !== undefined && { maxConcurrency: request.maxConcurrency }),
    keepTitleHeading: true,
    ...(request.timeout !== undefined && {
      timeoutMs: Math.min(MAX_TIMEOUT_MS, Math.max(MIN_TIMEOUT_MS, request.timeout)),
    }),
    ...("webhook" in request && request.webhook !== undefined && { webhook: toWebhookConfig(request.webhook, kind) }),
  });
}
