// One request as every fetch of ours makes it: `redirect: "manual"`, each hop passing
// the outbound gate (address policy: loopback, private, metadata addresses; host names
// the runtime cannot check; credentials) and followed by us, a loop or too many hops
// refused. Pages, robots.txt, sitemaps and feeds all go through here, so no fetch can
// skip the policy on a redirect.
import { type AllowList, checkFetchTarget } from "../lib/address-policy";
import type { ErrorCode } from "../lib/error-codes";
import type { Failure, Result } from "../lib/result";
import { classifyStatus, isTransient } from "../lib/retry-policy";
import { gatedFetch } from "./outbound-fetch";

export interface RedirectLimits {
  maxRedirects: number;
  allow: AllowList;
  /** How a hop after the first request takes its turn at its origin; absent, hops go at once. */
  hopTurn?: HopTurn;
}

/** Why a walk ended without an answer to read. */
export type RedirectFailure = Extract<
  ErrorCode,
  | "invalid_url"
  | "blocked_address"
  | "too_many_redirects"
  | "http_error"
  | "timeout"
  | "network_error"
  | "robots_disallowed"
  | "robots_unreachable"
>;

/** One hop's request, sent, or refused before it went out. */
export type HopSent = Result<{ url: URL; response: Response }, Failure<RedirectFailure>>;

/**
 * A redirect hop is a request like any other: it keeps its origin's pace and robots.txt
 * (fetch/redirect-turns.ts), then calls `send`; or refuses, and the walk ends with its code.
 */
export type HopTurn = (target: URL, send: () => Promise<HopSent>) => Promise<HopSent>;

export type Followed =
  /** The first answer that is not a redirect to follow (any status), and the hops before it. */
  | { ok: true; response: Response; url: string; redirects: string[] }
  | {
      ok: false;
      code: RedirectFailure;
      message: string;
      /** The status of the redirect that could not be followed, if it came to one. */
      status: number | null;
      /** A network failure or timeout, worth another attempt later. */
      transient: boolean;
      url: string;
      redirects: string[];
    };

/**
 * Requests `url` (GET, `headers`), following its redirects by the policy; `signal` bounds
 * the whole walk. `originOnly` (a conditional request's validators) goes only to hops on
 * `url`'s own origin: another origin's resource is not the one they describe, and need
 * not learn them.
 */
export async function followRedirects(
  url: string,
  limits: RedirectLimits,
  headers: Record<string, string>,
  signal: AbortSignal,
  originOnly: Record<string, string> | null = null,
): Promise<Followed> {
  const redirects: string[] = [];
  const seen = new Set<string>();
  let current = url;
  const fail = (code: RedirectFailure, message: string, status: number | null = null): Followed => ({
    ok: false,
    code,
    message,
    status,
    transient: isTransient(code, status),
    url: current,
    redirects,
  });
  let firstOrigin: string | null = null;
  for (let hop = 0; ; hop++) {
    const target = checkFetchTarget(current, limits.allow);
    if (!target.ok) return fail(target.error.code, target.error.message);
    firstOrigin ??= target.value.origin;
    const hopHeaders = originOnly && target.value.origin === firstOrigin ? { ...headers, ...originOnly } : headers;
    if (seen.has(target.value.href)) return fail("too_many_redirects", `redirect loop back to ${target.value.href}`);
    seen.add(target.value.href);

    let response: Response;
    try {
      const send = () => gatedFetch(target.value.href, limits.allow, { signal, headers: hopHeaders });
      const gated = hop > 0 && limits.hopTurn ? await limits.hopTurn(target.value, send) : await send();
      if (!gated.ok) return fail(gated.error.code, gated.error.message);
      response = gated.value.response;
    } catch (error) {
      return signal.aborted ? fail("timeout", "no answer in time") : fail("network_error", describe(error));
    }
    if (classifyStatus(response.status) !== "redirect") {
      return { ok: true, response, url: current, redirects };
    }
    const status = response.status;
    await discard(response);
    const location = response.headers.get("location");
    if (!location) return fail("http_error", `HTTP ${status} without a Location header`, status);
    if (hop >= limits.maxRedirects) return fail("too_many_redirects", `more than ${limits.maxRedirects} redirects`);
    let next: URL;
    try {
      next = new URL(location, target.value);
    } catch {
      return fail("invalid_url", `redirect to an unparseable Location: ${location.slice(0, 200)}`, status);
    }
    redirects.push(target.value.href);
    current = next.href;
  }
}

/** Lets go of a body we will not read. */
export async function discard(response: Response): Promise<void> {
  await response.body?.cancel().catch(() => {});
}

export function describe(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).slice(0, 300);
}
