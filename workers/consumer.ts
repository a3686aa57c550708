import { DocumentBudget } from "../fetch/document-budget";
import { type Previous, recordWithoutFetch, type UrlOutcome } from "../fetch/fetch-and-extract";
import { fetchLimitsFrom, fetchPage } from "../fetch/fetcher";
import { type ChunkRecords, HeldRecords } from "../fetch/held-records";
import { fetchOriginGroup, type GroupContext } from "../fetch/origin-group";
import { originOf } from "../fetch/polite-fetch";
import { meteredBucket, meteredNamespace, metering, UsageMeter } from "../fetch/usage-meter";
import { coordinatorOf } from "../lib/batch-objects";
import { changeOf, conditionalHeaders, type PreviousState } from "../lib/changes";
import { createLimiter, mapLimit } from "../lib/concurrency";
import type { ClaimEntry, ClaimResult, PaceNow, UrlReport } from "../lib/coordinator-protocol";
import { r2Keys } from "../lib/r2-keys";
import { writePart } from "../lib/result-parts";
import { ChunkMessage, type ResultRecord } from "../lib/schemas";
import { readSettings, type Settings } from "../lib/settings";
import { PreviousRecords } from "./previous-records";
import { consumeMessages } from "./queue-loop";
import { keepingSource, reextractChunk } from "./stored-pages";

/** `env` with the bindings a chunk attempt uses counted into `meter`. */
export function meteredEnv(env: Env, meter: UsageMeter): Env {
  return {
    ...env,
    RESULTS: meteredBucket(env.RESULTS, meter),
    BATCH: meteredNamespace(env.BATCH, meter),
    HOST_GATE: meteredNamespace(env.HOST_GATE, meter),
  };
}

/**
 * Record bytes an isolate holds until their parts are written (fetch/held-records.ts):
 * room for about 300 records of ordinary pages (20,000 characters of Markdown each), or
 * three at the Markdown cap. A chunk of 25 pages at the cap then ran under a 128 MB heap
 * with 16 MB to spare (test/node/delivery-memory.test.ts; 16 MiB left less than that).
 */
export const HELD_RECORD_BYTES = 12 * 1024 * 1024;
const heldRecords = new HeldRecords(HELD_RECORD_BYTES);

/** A Worker may hold 6 connections at once; keep one for R2 and the coordinators. */
export const FETCH_CONCURRENCY = 5;

/** Handles one delivery of chunk messages: each chunk is claimed, fetched, written, reported. */
export async function consumeChunks(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const settings = readSettings(env);
  const limit = createLimiter(FETCH_CONCURRENCY);
  // One budget for the delivery's documents: the invocation's CPU is what they share.
  const documentBudget = new DocumentBudget(settings.DOCUMENT_DELIVERY_MS);
  await consumeMessages(batch, {
    schema: ChunkMessage,
    concurrency: "all",
    malformed: { name: "chunk" },
    describe: (message) => `chunk ${message.batchId}/${message.chunkId}`,
    handle: async (message) => {
      // Each chunk attempt counts what it does for its batch's cost ledger (lib/cost-ledger.ts).
      const meter = new UsageMeter();
      await metering(meter, () =>
        processChunk(message, meteredEnv(env, meter), settings, limit, documentBudget, meter),
      );
      return "ack";
    },
  });
}

/** Every dead-lettered chunk is recorded as failed by its coordinator: nothing disappears. */
export async function consumeDeadLetters(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  await consumeMessages(batch, {
    schema: ChunkMessage,
    concurrency: "one",
    malformed: () => {},
    describe: (message) => `dead-lettered chunk ${message.batchId}/${message.chunkId}`,
    handle: async (message) => {
      await coordinatorOf(env, message.batchId).deadLetter(message.chunkId);
      return "ack";
    },
  });
}

async function processChunk(
  message: ChunkMessage,
  env: Env,
  settings: Settings,
  limit: GroupContext["limit"],
  documentBudget: DocumentBudget,
  meter: UsageMeter,
): Promise<void> {
  const claim = await coordinatorOf(env, message.batchId).claim(message.chunkId);
  if (claim.kind !== "work") return; // done, or another delivery holds it: nothing to do twice
  const held = heldRecords.chunk();
  try {
    await settleChunk(message, claim, env, settings, { limit, documentBudget, held }, meter);
  } finally {
    held.release(); // the part is written, or the chunk failed: its records are let go either way
  }
}

/** What the chunks of one delivery share: connections, document time, and the isolate's held records (this chunk's share). */
interface Shared {
  limit: GroupContext["limit"];
  documentBudget: DocumentBudget;
  held: ChunkRecords;
}

/** Fetches a claimed chunk's URLs, writes its part and reports it to the coordinator. */
async function settleChunk(
  message: ChunkMessage,
  claim: Extract<ClaimResult, { kind: "work" }>,
  env: Env,
  settings: Settings,
  { limit, documentBudget, held }: Shared,
  meter: UsageMeter,
): Promise<void> {
  const coordinator = coordinatorOf(env, message.batchId);
  const previous = await previousStates(env, claim.previousBatch, claim.entries);
  const records = new PreviousRecords(env.RESULTS);
  const kept = claim.options.keepRaw ? keepingSource(env.RESULTS, message.batchId, { read: fetchPage }) : null;
  const paces = new Map<string, PaceNow>();
  const ctx: GroupContext = {
    env,
    options: claim.options,
    limit,
    maxWaitMs: settings.HOST_MAX_WAIT_MS,
    fetchLimits: fetchLimitsFrom(settings),
    previousOf: (entry) => previousOf(previous.get(entry.index) ?? null, records),
    documentBudget,
    heldRecords: held,
    ...(kept && { pages: kept }),
    asker: {
      batch: message.batchId,
      priority: false,
      maxConcurrency: claim.options.maxConcurrency ?? null,
      boost: claim.concurrencyBoost ?? null,
    },
    onPace: (origin, pace) => paces.set(origin, pace),
  };
  const outcomes = claim.reextractOf
    ? await reextractChunk(env, claim.reextractOf, claim.entries, claim.options, ctx.fetchLimits)
    : await fetchChunk(claim.entries, ctx);

  const written: ResultRecord[] = [];
  const urls: UrlReport[] = [];
  let retryAfterSeconds: number | null = null;
  for (const [i, entry] of claim.entries.entries()) {
    const outcome = outcomes[i] as UrlOutcome;
    if (outcome.kind === "retry") {
      retryAfterSeconds = Math.max(retryAfterSeconds ?? 0, outcome.afterSeconds);
      urls.push({ index: entry.index, outcome: "retry", code: null, message: null, fetched: outcome.fetched });
      continue;
    }
    const { status, error, contentHash, etag, lastModified, simhash, extractionQuality } = outcome.record;
    const code = error?.code ?? null;
    const change = changeOf(previous.get(entry.index) ?? null, { status, code, contentHash });
    written.push({ ...outcome.record, change });
    urls.push({
      index: entry.index,
      outcome: status,
      code,
      message: error?.message ?? null,
      fetched: outcome.fetched,
      change,
      etag,
      lastModified,
      contentHash,
      // Only a batch that asked for near-duplicates pays the index's rows (near-duplicates.ts).
      ...(simhash && claim.options.nearDuplicates && { simhash }),
      ...(typeof extractionQuality === "number" && { quality: extractionQuality }),
    });
  }

  await kept?.settled(); // the bodies the records point at are stored before the records are written
  const key = r2Keys.part(message.batchId, message.chunkId, claim.attempt);
  const part = written.length > 0 ? await writePart(env.RESULTS, key, written) : null;
  meter.add({ doRequests: 1 }); // the report itself, which carries the counts
  const { accepted } = await coordinator.reportChunk({
    chunkId: message.chunkId,
    token: claim.token,
    part,
    urls,
    retryAfterSeconds,
    paces: [...paces].map(([origin, pace]) => ({ origin, ...pace })),
    usage: meter.take(),
  });
  // Someone else's report won (our lease had expired): our part is referenced by nothing.
  if (!accepted && part) await env.RESULTS.delete(part.key);
}

/** The previous run's state of each entry, by input index (empty without a previous run). */
async function previousStates(
  env: Env,
  previousBatch: string | null,
  entries: ClaimEntry[],
): Promise<Map<number, PreviousState>> {
  const found = new Map<number, PreviousState>();
  if (previousBatch === null || entries.length === 0) return found;
  const previous = coordinatorOf(env, previousBatch);
  const states = await previous.previousStates(entries.map((entry) => entry.key));
  for (const [i, entry] of entries.entries()) {
    const state = states[i];
    if (state) found.set(entry.index, state);
  }
  return found;
}

/** A conditional request's validators and the content a 304 carries forward, when the previous record has both. */
function previousOf(state: PreviousState | null, records: PreviousRecords): Previous | null {
  const headers = conditionalHeaders(state);
  return state && headers ? { headers, load: () => records.load(state) } : null;
}

/** Fetches a chunk's URLs, origin by origin; outcomes come back in entry order. */
async function fetchChunk(entries: ClaimEntry[], ctx: GroupContext): Promise<UrlOutcome[]> {
  const outcomes = new Array<UrlOutcome>(entries.length);
  const groups = new Map<string, number[]>();
  for (const [i, entry] of entries.entries()) {
    const origin = originOf(entry.url.trim());
    if (origin === null) {
      outcomes[i] = recordWithoutFetch(entry, "skipped", "invalid_url", "not a URL");
      continue;
    }
    const group = groups.get(origin);
    if (group) group.push(i);
    else groups.set(origin, [i]);
  }
  await mapLimit([...groups], FETCH_CONCURRENCY, async ([origin, positions]) => {
    const fetched = await fetchOriginGroup(
      origin,
      positions.map((p) => entries[p] as ClaimEntry),
      ctx,
    );
    for (const [k, position] of positions.entries()) outcomes[position] = fetched[k] as UrlOutcome;
  });
  return outcomes;
}
