// The one gate every outbound request of Trawl passes (pages, redirect hops, robots.txt,
// sitemaps and feeds through follow-redirects.ts; webhooks): the address policy is
// decided here, right before connecting, so no fetch path can skip it.
// test/node/outbound-gate.test.ts holds every other file to that.
import { type AllowList, checkFetchTarget } from "../lib/address-policy";
import { type Failure, ok, type Result } from "../lib/result";
import { currentMeter } from "./usage-meter";

export type GatedResponse = Result<{ url: URL; response: Response }, Failure<"invalid_url" | "blocked_address">>;

/** Fetches `rawUrl` if the address policy lets it, never following redirects; throws as `fetch` does on network failure. */
export async function gatedFetch(rawUrl: string, allow: AllowList, init: RequestInit): Promise<GatedResponse> {
  const target = checkFetchTarget(rawUrl, allow);
  if (!target.ok) return target;
  // Redirects are followed by the caller, one checked hop at a time.
  // A batch's chunk or source counts the request (lib/cost-ledger.ts); the readers count the body bytes.
  currentMeter()?.add({ fetches: 1 });
  const response = await fetch(target.value.href, { ...init, redirect: "manual" });
  return ok({ url: target.value, response });
}
