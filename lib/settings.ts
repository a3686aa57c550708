import { z } from "zod";

const positiveInt = (fallback: number) => z.coerce.number().int().positive().catch(fallback).default(fallback);

const nonNegativeInt = (fallback: number) => z.coerce.number().int().nonnegative().catch(fallback).default(fallback);

/**
 * Runtime settings, read from the Worker's vars and secrets. Every number has a safe
 * default so a missing var never turns into NaN deep inside the pipeline.
 */
export const Settings = z.object({
  USER_AGENT: z.string().min(1).default("TrawlBot/0.1"),
  MAX_URLS_PER_BATCH: positiveInt(10_000_000),
  MAX_BODY_BYTES: positiveInt(5 * 1024 * 1024),
  /** Byte cap on a PDF or DOCX body (and on an unlabelled one, which may be either); MAX_BODY_BYTES stays the HTML cap. */
  MAX_DOCUMENT_BYTES: positiveInt(10 * 1024 * 1024),
  /** Pages of a PDF read at most (a batch's `maxPages` may ask for fewer); the record says `truncated` past them. */
  DOCUMENT_MAX_PAGES: positiveInt(500),
  /** Time one document may take to read; past it the URL fails `document_timeout`. */
  DOCUMENT_TIME_BUDGET_MS: positiveInt(10_000),
  /** Time the documents of one queue delivery may take together; later documents go back to the queue (README, Documents). */
  DOCUMENT_DELIVERY_MS: positiveInt(20_000),
  /** Bytes a DOCX's XML parts may inflate to, together. */
  DOCX_MAX_INFLATED_BYTES: positiveInt(50 * 1024 * 1024),
  FETCH_TIMEOUT_MS: positiveInt(15_000),
  MAX_REDIRECTS: positiveInt(5),
  CHUNK_SIZE: positiveInt(25),
  MAX_CHUNKS_IN_FLIGHT: positiveInt(40),
  LEASE_SECONDS: positiveInt(120),
  DOWNLOAD_TTL_SECONDS: positiveInt(3600),
  HOST_MIN_INTERVAL_MS: nonNegativeInt(1000),
  HOST_MAX_CONCURRENCY: positiveInt(2),
  HOST_MAX_WAIT_MS: nonNegativeInt(20_000),
  /** First delay between webhook attempts, doubling per attempt (tests set it low). */
  WEBHOOK_RETRY_BASE_SECONDS: nonNegativeInt(30),
  /** One webhook attempt's whole exchange. */
  WEBHOOK_TIMEOUT_MS: positiveInt(10_000),
  /** Days a batch's results are kept after publication when it names no `retentionDays`. */
  RETENTION_DAYS: positiveInt(30),
  /** Scheduled runs the cron starts per invocation, tenants taking turns; the rest start at the next. */
  SCHEDULE_STARTS_PER_CRON: positiveInt(200),
  /** Schedules a tenant may have that are not stopped (active or paused). */
  MAX_SCHEDULES_PER_TENANT: positiveInt(100),
  /** Per-tenant quotas (api/quotas.ts): batches queued or running, … */
  MAX_BATCHES_IN_FLIGHT: positiveInt(100),
  /** … synchronous scrapes (`/v1/scrape`, Firecrawl's scrape) at once, … */
  MAX_SCRAPES_IN_FLIGHT: positiveInt(10),
  /** … and open event streams. */
  MAX_EVENT_STREAMS: positiveInt(10),
  /** Discovery sources one batch may hold: the request's and those its indexes name. */
  MAX_SOURCES_PER_BATCH: positiveInt(1000),
  /** Longest life of one event stream; it ends with an `end` event saying so, and the client reconnects. */
  MAX_EVENT_STREAM_SECONDS: positiveInt(3600),
  API_KEYS: z.string().default(""),
  SIGNING_SECRET: z.string().default(""),
  /** The secret SIGNING_SECRET replaced, during a rotation: links it signed still verify, webhooks are signed with both. */
  SIGNING_SECRET_PREVIOUS: z.string().default(""),
  DEV_ALLOWED_ORIGINS: z.string().default(""),
  /**
   * "true" where the runtime refuses connections to non-public resolved addresses
   * (Cloudflare with `global_fetch_strictly_public`): only then are host names fetched.
   */
  STRICTLY_PUBLIC_FETCH: z.string().default(""),
  /** The cost ledger's price table over Cloudflare's published prices (lib/cost-ledger.ts): a JSON object, "" for the defaults. */
  COST_PRICES: z.string().default(""),
});
export type Settings = z.infer<typeof Settings>;

/** Reads the Worker's settings from its `Env` (vars and secrets). */
export function readSettings(env: Env): Settings {
  // Env is an interface without an index signature; zod reads it as the record it is.
  return parseSettings(env as unknown as Record<string, unknown>);
}

/** Parses settings from any env-like record (process.env, a test's vars). */
export function parseSettings(vars: Record<string, unknown>): Settings {
  return Settings.parse(vars);
}

/** Parses `key:tenant,key2:tenant2` into a key → tenant map; malformed pairs are dropped. */
export function parseApiKeys(setting: string): Map<string, string> {
  const keys = new Map<string, string>();
  for (const pair of setting.split(",")) {
    const at = pair.indexOf(":");
    if (at <= 0) continue;
    const key = pair.slice(0, at).trim();
    const tenant = pair.slice(at + 1).trim();
    if (key && tenant) keys.set(key, tenant);
  }
  return keys;
}
