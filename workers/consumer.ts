import { parseAllowList } from "../lib/address-policy";
import { createLimiter, mapLimit } from "../lib/concurrency";
import type { ChunkOutcome, ClaimEntry } from "../lib/coordinator-protocol";
import { r2Keys } from "../lib/r2-keys";
import { encodePart } from "../lib/result-parts";
import { backoffSeconds } from "../lib/retry-policy";
import { ChunkMessage, type ResultRecord } from "../lib/schemas";
import { readSettings, type Settings } from "../lib/settings";
import { type GroupContext, originOf, settleOriginGroup } from "./origin-group";
import { endWithout, type Verdict } from "./settle-url";

/** A Worker may hold 6 connections at once; keep one for R2 and the coordinators. */
const FETCH_CONCURRENCY = 5;

/** Handles one delivery of chunk messages: each chunk is claimed, fetched, written, reported. */
export async function consumeChunks(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const settings = readSettings(env as unknown as Record<string, unknown>);
  const limit = createLimiter(FETCH_CONCURRENCY);
  await Promise.all(
    batch.messages.map(async (message) => {
      const parsed = ChunkMessage.safeParse(message.body);
      if (!parsed.success) {
        // Not ours to retry: a malformed message can never succeed.
        console.error("dropping malformed chunk message", JSON.stringify(message.body).slice(0, 500));
        message.ack();
        return;
      }
      try {
        await processChunk(parsed.data, env, settings, limit);
        message.ack();
      } catch (error) {
        console.error(`chunk ${parsed.data.batchId}/${parsed.data.chunkId} failed; retrying`, error);
        message.retry({ delaySeconds: backoffSeconds(message.attempts) });
      }
    }),
  );
}

/** Every dead-lettered chunk is recorded as failed by its coordinator: nothing disappears. */
export async function consumeDeadLetters(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  for (const message of batch.messages) {
    const parsed = ChunkMessage.safeParse(message.body);
    if (parsed.success) {
      const coordinator = env.BATCH.get(env.BATCH.idFromString(parsed.data.batchId));
      await coordinator.deadLetter(parsed.data.chunkId);
    }
    message.ack();
  }
}

async function processChunk(
  message: ChunkMessage,
  env: Env,
  settings: Settings,
  limit: GroupContext["limit"],
): Promise<void> {
  const coordinator = env.BATCH.get(env.BATCH.idFromString(message.batchId));
  const claim = await coordinator.claim(message.chunkId);
  if (claim.kind !== "work") return; // done, or another delivery holds it: nothing to do twice

  const ctx: GroupContext = {
    env,
    options: claim.options,
    limit,
    fetchLimits: {
      userAgent: settings.USER_AGENT,
      timeoutMs: settings.FETCH_TIMEOUT_MS,
      maxBytes: settings.MAX_BODY_BYTES,
      maxRedirects: settings.MAX_REDIRECTS,
      allow: parseAllowList(settings.DEV_ALLOWED_ORIGINS),
    },
    gateLimits: {
      userAgent: settings.USER_AGENT,
      minIntervalMs: settings.HOST_MIN_INTERVAL_MS,
      maxConcurrency: settings.HOST_MAX_CONCURRENCY,
      maxWaitMs: settings.HOST_MAX_WAIT_MS,
      leaseMs: settings.FETCH_TIMEOUT_MS + 5000,
    },
  };
  const verdicts = await settleChunk(claim.entries, ctx);

  const records: ResultRecord[] = [];
  const outcomes: ChunkOutcome[] = [];
  const tried: number[] = [];
  let retryAfterSeconds: number | null = null;
  for (const [i, entry] of claim.entries.entries()) {
    const verdict = verdicts[i] as Verdict;
    if (verdict.tried) tried.push(entry.index);
    if (verdict.kind === "retry") {
      retryAfterSeconds = Math.max(retryAfterSeconds ?? 0, verdict.afterSeconds);
      continue;
    }
    records.push(verdict.record);
    const { index, status, error } = verdict.record;
    outcomes.push({ index, state: status, code: error?.code ?? null, message: error?.message ?? null });
  }

  let part = null;
  if (records.length > 0) {
    const key = r2Keys.part(message.batchId, message.chunkId, claim.attempt);
    const encoded = await encodePart(records);
    await env.RESULTS.put(key, encoded.body, { httpMetadata: { contentType: "application/x-ndjson" } });
    part = { key, records: encoded.records, bytes: encoded.bytes, sha256: encoded.sha256 };
  }
  const { accepted } = await coordinator.reportChunk({
    chunkId: message.chunkId,
    token: claim.token,
    part,
    outcomes,
    tried,
    retryAfterSeconds,
  });
  // Someone else's report won (our lease had expired): our part is referenced by nothing.
  if (!accepted && part) await env.RESULTS.delete(part.key);
}

/** Settles a chunk's entries, origin by origin; verdicts come back in entry order. */
async function settleChunk(entries: ClaimEntry[], ctx: GroupContext): Promise<Verdict[]> {
  const verdicts = new Array<Verdict>(entries.length);
  const groups = new Map<string, number[]>();
  for (const [i, entry] of entries.entries()) {
    if (entry.state === "skipped") {
      verdicts[i] = endWithout(entry, "skipped", entry.code ?? "invalid_url", entry.message ?? "skipped");
      continue;
    }
    const origin = originOf(entry.url.trim());
    if (origin === null) {
      verdicts[i] = endWithout(entry, "skipped", "invalid_url", "not a URL");
      continue;
    }
    const group = groups.get(origin);
    if (group) group.push(i);
    else groups.set(origin, [i]);
  }
  await mapLimit([...groups], FETCH_CONCURRENCY, async ([origin, positions]) => {
    const settled = await settleOriginGroup(
      origin,
      positions.map((p) => entries[p] as ClaimEntry),
      ctx,
    );
    for (const [k, position] of positions.entries()) verdicts[position] = settled[k] as Verdict;
  });
  return verdicts;
}
