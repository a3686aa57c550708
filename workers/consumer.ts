import { parseAllowList } from "../lib/address-policy";
import { mapLimit } from "../lib/concurrency";
import type { ChunkOutcome, ClaimEntry } from "../lib/coordinator-protocol";
import { extract } from "../lib/extract";
import { r2Keys } from "../lib/r2-keys";
import { encodePart, unfetchedRecord } from "../lib/result-parts";
import { backoffSeconds } from "../lib/retry-policy";
import { type BatchOptions, ChunkMessage, type ResultRecord } from "../lib/schemas";
import { readSettings, type Settings } from "../lib/settings";
import { type FetchLimits, fetchPage } from "./fetcher";

/** A Worker may hold 6 connections at once; keep one for R2 and the coordinator. */
const FETCH_CONCURRENCY = 5;

type Verdict = { kind: "terminal"; record: ResultRecord } | { kind: "retry"; afterSeconds: number };

/** Handles one delivery of chunk messages: each chunk is claimed, fetched, written, reported. */
export async function consumeChunks(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const settings = readSettings(env as unknown as Record<string, unknown>);
  for (const message of batch.messages) {
    const parsed = ChunkMessage.safeParse(message.body);
    if (!parsed.success) {
      // Not ours to retry: a malformed message can never succeed.
      console.error("dropping malformed chunk message", JSON.stringify(message.body).slice(0, 500));
      message.ack();
      continue;
    }
    try {
      await processChunk(parsed.data, env, settings);
      message.ack();
    } catch (error) {
      console.error(`chunk ${parsed.data.batchId}/${parsed.data.chunkId} failed; retrying`, error);
      message.retry({ delaySeconds: backoffSeconds(message.attempts) });
    }
  }
}

/** Every dead-lettered chunk is recorded as failed by its coordinator: nothing disappears. */
export async function consumeDeadLetters(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  for (const message of batch.messages) {
    const parsed = ChunkMessage.safeParse(message.body);
    if (!parsed.success) {
      message.ack();
      continue;
    }
    const coordinator = env.BATCH.get(env.BATCH.idFromString(parsed.data.batchId));
    await coordinator.deadLetter(parsed.data.chunkId);
    message.ack();
  }
}

async function processChunk(message: ChunkMessage, env: Env, settings: Settings): Promise<void> {
  const coordinator = env.BATCH.get(env.BATCH.idFromString(message.batchId));
  const claim = await coordinator.claim(message.chunkId);
  if (claim.kind !== "work") return; // done, or another delivery holds it: nothing to do twice

  const limits: FetchLimits = {
    userAgent: settings.USER_AGENT,
    timeoutMs: settings.FETCH_TIMEOUT_MS,
    maxBytes: settings.MAX_BODY_BYTES,
    maxRedirects: settings.MAX_REDIRECTS,
    allow: parseAllowList(settings.DEV_ALLOWED_ORIGINS),
  };
  const verdicts = await mapLimit(claim.entries, FETCH_CONCURRENCY, (entry) =>
    settle(entry, claim.options, limits),
  );

  const records: ResultRecord[] = [];
  const outcomes: ChunkOutcome[] = [];
  let retryAfterSeconds: number | null = null;
  for (const verdict of verdicts) {
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
    retryAfterSeconds,
  });
  // Someone else's report won (our lease had expired): our part is referenced by nothing.
  if (!accepted && part) await env.RESULTS.delete(part.key);
}

/** Fetches and extracts one URL, or says when to try it again. */
async function settle(entry: ClaimEntry, options: BatchOptions, limits: FetchLimits): Promise<Verdict> {
  if (entry.state === "skipped") {
    const code = entry.code ?? "invalid_url";
    return { kind: "terminal", record: unfetchedRecord(entry, "skipped", code, entry.message ?? code) };
  }
  const page = await fetchPage(entry.url, limits);
  const base = {
    index: entry.index,
    id: entry.id,
    url: entry.url,
    finalUrl: page.finalUrl,
    redirects: page.redirects,
    httpStatus: page.status,
    contentType: page.contentType,
    fetchedAt: page.fetchedAt,
    durationMs: page.durationMs,
    attempts: entry.attempts,
  };
  if (!page.ok) {
    if (page.transient && entry.attempts < options.maxAttempts) {
      return { kind: "retry", afterSeconds: page.retryAfterSeconds ?? backoffSeconds(entry.attempts) };
    }
    const record = unfetchedRecord(entry, "failed", page.code, page.message);
    return { kind: "terminal", record: { ...record, ...base } };
  }
  const extracted = await extract({
    body: page.body,
    contentType: page.contentType,
    url: page.finalUrl,
    options: {
      onlyMainContent: options.onlyMainContent,
      includeSelectors: options.includeSelectors,
      excludeSelectors: options.excludeSelectors,
      includeHtml: options.formats.includes("html"),
      includeText: options.formats.includes("text"),
      includeLinks: options.formats.includes("links"),
    },
  });
  if (!extracted.ok) {
    const record = unfetchedRecord(entry, "failed", extracted.code, extracted.message);
    return { kind: "terminal", record: { ...record, ...base, etag: page.etag, lastModified: page.lastModified } };
  }
  const x = extracted.value;
  return {
    kind: "terminal",
    record: {
      ...base,
      status: "succeeded",
      error: null,
      title: x.title,
      description: x.description,
      language: x.language,
      canonicalUrl: x.canonicalUrl,
      siteName: x.siteName,
      byline: x.byline,
      publishedTime: x.publishedTime,
      markdown: options.formats.includes("markdown") ? x.markdown : null,
      ...(x.html !== undefined && { html: x.html }),
      ...(x.text !== undefined && { text: x.text }),
      ...(x.links !== undefined && { links: x.links }),
      wordCount: x.wordCount,
      contentHash: x.contentHash,
      etag: page.etag,
      lastModified: page.lastModified,
    },
  };
}
