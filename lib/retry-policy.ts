/**
 * When a fetch outcome should be retried, and after how long. Delays are whole
 * seconds because Queues' `delaySeconds` takes integers.
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
