/**
 * Names of the Durable Objects Trawl derives from caller-chosen parts (tenant names,
 * idempotency keys). Every part but the last is escaped so that it holds no `:`: the
 * first colons of a name are then its separators, and two different lists of parts
 * never give one name, whatever `:` a tenant name or key holds. Only `%` and `:` are
 * escaped, and the last part not at all, so a name whose leading parts hold neither is
 * spelled as before this scheme and objects made then are still found by it.
 */

/** Escapes one leading part of a name: `%` and `:` become `%25` and `%3A`, nothing else changes. */
export function namePart(part: string): string {
  return part.replace(/[%:]/g, (c) => (c === "%" ? "%25" : "%3A"));
}

/** Joins a kind (no `:`) and its parts into one unambiguous object name; the last part is kept as is. */
export function objectName(kind: string, ...parts: string[]): string {
  const last = parts.length > 0 ? parts[parts.length - 1] : undefined;
  const leading = [kind, ...parts.slice(0, -1)].map(namePart);
  return last === undefined ? leading.join(":") : [...leading, last].join(":");
}

/** The coordinator of the batch a tenant's `Idempotency-Key` names. */
export function idempotentBatchName(tenant: string, key: string): string {
  return objectName("idempotency", tenant, key);
}

/** The coordinator of the retry of `batchId` a tenant's `Idempotency-Key` names. */
export function idempotentRetryName(tenant: string, batchId: string, key: string): string {
  return objectName("retry", tenant, batchId, key);
}

/** The coordinator of one occurrence (ISO time) of a tenant's schedule. */
export function scheduledRunName(tenant: string, scheduleId: string, scheduledAt: string): string {
  return objectName("schedule", tenant, scheduleId, scheduledAt);
}

/** The coordinator of the re-extraction of `batchId` a tenant's `Idempotency-Key` names. */
export function idempotentReextractName(tenant: string, batchId: string, key: string): string {
  return objectName("reextract", tenant, batchId, key);
}
