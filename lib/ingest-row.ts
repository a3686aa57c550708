import { type AllowList, checkTarget } from "./address-policy";
import type { IngestRow } from "./coordinator-protocol";
import type { UrlEntry } from "./schemas";
import { normalizeUrl } from "./url-normalize";

/** Validates and normalises one submitted entry; a refused URL is kept, with its reason. */
export function toIngestRow(entry: UrlEntry, allow: AllowList): IngestRow {
  const url = typeof entry === "string" ? entry : entry.url;
  const id = typeof entry === "string" ? null : (entry.id ?? null);
  const check = checkTarget(url.trim(), allow);
  if (!check.ok) return { url, id, norm: null, code: check.error.code, message: check.error.message };
  return { url, id, norm: normalizeUrl(check.value), code: null, message: null };
}
