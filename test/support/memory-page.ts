// A page held in memory, answered as the fetcher answers a 200: for measuring the
// consumer's per-URL call (fetchAndExtract) without a network, in bench:pipeline's
// ceiling and the delivery memory test.
import type { FetchedPage } from "../../fetch/fetcher";

/** `body` as the fetcher's answer for `url` (no validators, no redirects, no time taken). */
export function pageFromMemory(url: string, body: Uint8Array, contentType: string): FetchedPage {
  return {
    ok: true,
    status: 200,
    contentType,
    body,
    truncated: false,
    notModified: false,
    etag: null,
    lastModified: null,
    finalUrl: url,
    redirects: [],
    fetchedAt: new Date().toISOString(),
    durationMs: 0,
  };
}
