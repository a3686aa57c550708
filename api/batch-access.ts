// What the routes share about a batch: finding its coordinator for the caller (a
// missing or foreign batch is a 404), its public views, and reading its records.
import type { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { coordinatorOf } from "../lib/batch-objects";
import type { BatchTags } from "../lib/batch-tags";
import type { BatchSummary, ResultLocation } from "../lib/coordinator-protocol";
import { decodePart } from "../lib/result-parts";
import type { Schedule } from "../lib/schedule";
import type { ResultRecord } from "../lib/schemas";
import { ApiError } from "./errors";
import type { BatchView, ScheduleView } from "./openapi-schemas";
import type { AppEnv } from "./types";

/**
 * The coordinator a batch id names. Each read then asks it once, with the caller's
 * tenant: another tenant's batch answers like a missing one (404, never 403).
 */
export function coordinatorFor(c: Context<AppEnv>, id: string): ReturnType<typeof coordinatorOf> {
  try {
    return coordinatorOf(c.env, id);
  } catch {
    throw ApiError.notFound();
  }
}

/** The batch's summary if the caller owns it, else a 404. */
export async function ownedSummary(c: Context<AppEnv>, id: string): Promise<BatchSummary> {
  const summary = await coordinatorFor(c, id).view(c.get("tenant"));
  if (!summary) throw ApiError.notFound();
  return summary;
}

/** A batch's name and labels, from its tenant's directory. */
export function tagsOf(c: Context<AppEnv>, id: string): Promise<BatchTags> {
  return c.env.TENANT.getByName(c.get("tenant")).tags(id);
}

const NO_TAGS: BatchTags = { name: null, labels: [] };

/** The public view of a batch summary (with its name and labels), with links relative to this API. */
export function batchView(summary: BatchSummary, tags: BatchTags = NO_TAGS): z.infer<typeof BatchView> {
  const self = `/v1/batches/${summary.id}`;
  const published = summary.manifestKey !== null;
  const readable = published && summary.status !== "expired";
  return {
    id: summary.id,
    name: tags.name,
    labels: tags.labels,
    status: summary.status,
    createdAt: summary.createdAt,
    startedAt: summary.startedAt,
    finishedAt: summary.finishedAt,
    counts: summary.counts,
    percent: summary.percent,
    pagesPerSecond: summary.pagesPerSecond,
    etaSeconds: summary.etaSeconds,
    published,
    expiresAt: summary.expiresAt,
    retryOf: summary.retryOf?.batchId ?? null,
    reextractOf: summary.reextractOf ?? null,
    previousBatch: summary.previousBatch,
    changes: summary.changes,
    run: summary.run,
    sla: summary.sla,
    errorsByCode: summary.errorsByCode,
    failure: summary.failure,
    discovery: summary.discovery,
    slowestHost: summary.slowestHost,
    cost: summary.cost,
    drift: summary.drift,
    boost: summary.boost,
    links: {
      self,
      results: `${self}/results`,
      errors: `${self}/errors`,
      manifest: readable ? `${self}/manifest` : null,
      download: readable ? `${self}/download` : null,
    },
  };
}

/** The public view of a schedule. */
export function scheduleView(schedule: Schedule): z.infer<typeof ScheduleView> {
  return {
    id: schedule.id,
    sourceBatch: schedule.sourceBatch,
    cron: schedule.cron,
    timeZone: schedule.timeZone,
    daily: schedule.daily,
    window: schedule.window,
    lateThreshold: schedule.lateThreshold,
    drift: schedule.drift,
    nextRunAt: new Date(schedule.nextRunAt).toISOString(),
    lastBatch: schedule.lastBatch,
    active: schedule.active,
    paused: schedule.paused,
  };
}

async function readPart(env: Env, key: string): Promise<ResultRecord[]> {
  const object = await env.RESULTS.get(key);
  if (!object) throw new Error(`result part ${key} is missing`);
  return decodePart(await object.text());
}

/** The records of `locations` whose record is written, in their order (pending ones left out). */
export async function recordsAt(env: Env, locations: ResultLocation[]): Promise<ResultRecord[]> {
  const wanted = new Set(locations.filter((l) => l.part !== null).map((l) => l.index));
  const byIndex = new Map<number, ResultRecord>();
  // Neighbouring URLs share a part: each part is read once per page.
  for (const key of new Set(locations.map((l) => l.part).filter((k): k is string => k !== null))) {
    for (const record of await readPart(env, key)) {
      if (wanted.has(record.index)) byIndex.set(record.index, record);
    }
  }
  return locations.flatMap((l) => {
    const record = byIndex.get(l.index);
    if (!record) return [];
    return l.duplicate ? [{ ...record, ...l.duplicate }] : [record];
  });
}
