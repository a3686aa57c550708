/**
 * What Trawl tries again, how often, and after how long: the one table of "try again
 * later" (README "Reliability" lists it). Callers ask here rather than decide. Delays
 * are whole seconds because Queues' `delaySeconds` takes integers.
 *
 * | What                          | Transient when                                              | Attempts                 | Delay                                      |
 * | ----------------------------- | ----------------------------------------------------------- | ------------------------ | ------------------------------------------ |
 * | a page                        | `isTransient`: 408, 425, 5xx, 429/503, timeout, network     | `maxAttempts` (def. 4)   | Retry-After, else `backoffSeconds`         |
 * | a page whose robots.txt fails | robots.txt unreachable (5xx, 429, refused, timeout)         | `maxAttempts`            | `backoffSeconds`, at least until re-asked  |
 * | robots.txt itself (host gate) | unreachable                                                 | until it answers         | `robotsReaskMs`: 2 s doubling to 5 min     |
 * | a discovery source            | `isTransient`, or robots.txt unreachable                    | `SOURCE_MAX_ATTEMPTS`    | `backoffSeconds`                           |
 * | a queue message that threw    | always (the consumer crashed part-way)                      | the queue's max_retries  | `backoffSeconds`                           |
 * | a webhook event               | not delivered (non-2xx, timeout, network); never a refusal  | `WEBHOOK_MAX_ATTEMPTS`   | `webhookRetryDelay`                        |
 */

export type StatusClass = "success" | "redirect" | "retry" | "rate_limited" | "permanent";

const MIN_RETRY_AFTER = 1;
// An origin asking for more than an hour is better recorded as rate_limited than
// left to hold a chunk open.
const MAX_RETRY_AFTER = 3600;
const BACKOFF_BASE = 2;
const BACKOFF_CAP = 300;

/** Seconds to wait from a Retry-After header (delta-seconds or HTTP-date), clamped to [1, 3600]; null if absent or malformed. */
export function parseRetryAfter(header: string | null, now: number): number | null {
  if (header === null) return null;
  const value = header.trim();
  if (/^\d+$/.test(value)) return clamp(Number(value), MIN_RETRY_AFTER, MAX_RETRY_AFTER);
  const at = parseHttpDate(value, now);
  if (at === null) return null;
  return clamp(Math.ceil((at - now) / 1000), MIN_RETRY_AFTER, MAX_RETRY_AFTER);
}

/** Delay before retry number `attempt` (1 = first retry): 2 s doubling to 300 s, jittered within [base/2, base]. */
export function backoffSeconds(attempt: number, random: () => number = Math.random): number {
  const n = Number.isNaN(attempt) ? 1 : Math.max(1, Math.floor(attempt));
  // Cap the exponent so a huge attempt count cannot overflow to Infinity first.
  const base = Math.min(BACKOFF_CAP, BACKOFF_BASE * 2 ** Math.min(n - 1, 30));
  const r = random();
  const jitter = Number.isFinite(r) ? clamp(r, 0, 1) : 0;
  // Jitter spreads retries from many consumers that failed together (one slow host).
  return Math.round(base / 2 + (jitter * base) / 2);
}

/**
 * Whether a failure is worth another attempt later: a timeout, a network error, a
 * rate limit, an unreachable robots.txt, or an HTTP status `classifyStatus` calls
 * `retry`. Never a refused address, a body that cannot be decoded, or a 4xx.
 */
export function isTransient(code: string, status: number | null = null): boolean {
  switch (code) {
    case "timeout":
    case "network_error":
    case "rate_limited":
    case "robots_unreachable":
      return true;
    case "http_error":
      return status !== null && classifyStatus(status) === "retry";
    default:
      return false;
  }
}

/**
 * Seconds until a page's next attempt after `attempts` of `maxAttempts`, or null when
 * they are used up: what the origin asked for with Retry-After, else the backoff.
 */
export function pageRetryDelay(
  attempts: number,
  maxAttempts: number,
  retryAfterSeconds: number | null = null,
): number | null {
  if (attempts >= maxAttempts) return null;
  return retryAfterSeconds ?? backoffSeconds(attempts);
}

/** Readings of one discovery source (transient failures, lost leases) before it fails `gave_up`. */
export const SOURCE_MAX_ATTEMPTS = 4;

/** Seconds until a source's next reading after `claims` readings, or null when they are used up. */
export function sourceRetryDelay(claims: number): number | null {
  return claims < SOURCE_MAX_ATTEMPTS ? backoffSeconds(claims) : null;
}

const ROBOTS_UNREACHABLE_BASE_MS = 2000;
const ROBOTS_UNREACHABLE_CAP_MS = 5 * 60_000;

/**
 * How long an unreachable robots.txt is held before it is asked again, after `failures`
 * unreachable answers in a row: 2 s doubling to 5 min, soon enough that a batch re-asks
 * within its run, never a hot loop.
 */
export function robotsReaskMs(failures: number): number {
  return Math.min(ROBOTS_UNREACHABLE_CAP_MS, ROBOTS_UNREACHABLE_BASE_MS * 2 ** Math.min(Math.max(failures, 1) - 1, 20));
}

/** Attempts per webhook event before giving up: with the default base (30 s) they span about a day. */
export const WEBHOOK_MAX_ATTEMPTS = 12;
/** Longest wait between webhook attempts (Queues cap `delaySeconds` at 12 hours). */
const WEBHOOK_MAX_DELAY_SECONDS = 6 * 3600;

/** Seconds before the webhook attempt after `attempt` (1-based): `base` doubling, capped at six hours. */
export function webhookRetryDelay(attempt: number, baseSeconds: number): number {
  const n = Math.max(1, Math.floor(attempt));
  return Math.min(WEBHOOK_MAX_DELAY_SECONDS, Math.round(baseSeconds * 2 ** Math.min(n - 1, 30)));
}

/** Sorts an HTTP status into what the fetcher should do with it. */
export function classifyStatus(status: number): StatusClass {
  if (!Number.isInteger(status)) return "permanent";
  if (status >= 200 && status <= 299) return "success";
  if (status === 301 || status === 302 || status === 303 || status === 307 || status === 308) return "redirect";
  if (status === 429 || status === 503) return "rate_limited";
  // 408 Request Timeout and 425 Too Early are the 4xx answers that invite a retry.
  if (status === 408 || status === 425) return "retry";
  if (status >= 500 && status <= 599) return "retry";
  return "permanent";
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const DAY = "(?:mon|tue|wed|thu|fri|sat|sun)";
const LONG_DAY = "(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)";
const MONTH = "(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)";
const TIME = "(\\d{2}):(\\d{2}):(\\d{2})";
// The three forms RFC 9110 §5.6.7 obliges recipients to accept. Date.parse is not
// used: it accepts almost any text and would turn garbage into a date.
const IMF_FIXDATE = new RegExp(`^${DAY}, (\\d{2}) ${MONTH} (\\d{4}) ${TIME} GMT$`, "i");
const RFC850_DATE = new RegExp(`^${LONG_DAY}, (\\d{2})-${MONTH}-(\\d{2}) ${TIME} GMT$`, "i");
const ASCTIME_DATE = new RegExp(`^${DAY} ${MONTH} ([ \\d]\\d) ${TIME} (\\d{4})$`, "i");

/** Milliseconds since the epoch for an HTTP-date, or null. */
function parseHttpDate(value: string, now: number): number | null {
  let m = IMF_FIXDATE.exec(value);
  if (m !== null) return utc(m[3], m[2], m[1], m[4], m[5], m[6]);
  m = RFC850_DATE.exec(value);
  if (m !== null) return utc(fullYear(Number(m[3]), now), m[2], m[1], m[4], m[5], m[6]);
  m = ASCTIME_DATE.exec(value);
  if (m !== null) return utc(m[6], m[1], m[2], m[3], m[4], m[5]);
  return null;
}

/** RFC 9110: a two-digit year more than 50 years ahead means the previous century. */
function fullYear(twoDigits: number, now: number): number {
  const thisYear = new Date(now).getUTCFullYear();
  const year = thisYear - (thisYear % 100) + twoDigits;
  return year > thisYear + 50 ? year - 100 : year;
}

function utc(
  year: string | number | undefined,
  month: string | undefined,
  day: string | undefined,
  hour: string | undefined,
  minute: string | undefined,
  second: string | undefined,
): number | null {
  const y = Number(year);
  const mo = MONTHS.indexOf((month ?? "").toLowerCase());
  const d = Number((day ?? "").trim());
  const h = Number(hour);
  const mi = Number(minute);
  const s = Number(second);
  // 60 allows a leap second, which Date folds into the next minute.
  if (mo < 0 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return null;
  const ms = Date.UTC(y, mo, d, h, mi, Math.min(s, 59));
  // Date.UTC rolls 31 Feb into March; a date that does not exist is garbage.
  if (new Date(ms).getUTCDate() !== d) return null;
  return s === 60 ? ms + 1000 : ms;
}
