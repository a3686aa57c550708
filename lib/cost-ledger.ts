// A batch's cost ledger: the operations it caused, counted where they happen (the
// consumer per chunk attempt, the discovery consumer per source, the coordinator for its
// own SQLite, R2, queue and tenant-directory work), and the price table that turns them
// into an estimated bill. Pure: the meters (fetch/usage-meter.ts) count, the coordinator
// stores, the status and the manifest show `costView`.
import { z } from "zod";

const count = z.number().int().nonnegative().default(0);

/** What a batch did, operation by operation. Every field is a running total. */
export const CostCounts = z.object({
  fetches: count.describe(
    "Outbound requests (subrequests): pages, each redirect hop, robots.txt, sitemaps and feeds, webhook deliveries.",
  ),
  bytesFetched: count.describe(
    "Body bytes read (decoded) of pages, robots.txt files, sitemaps and feeds; bodies refused or never read are not counted.",
  ),
  queueMessages: count.describe(
    "Messages put on a queue: chunks (each dispatch and redelivery), discovery sources, webhook events.",
  ),
  doRequests: count.describe(
    "Durable Object requests (RPC calls and alarms) made on the batch's behalf: its coordinator, host gates, the previous run, the tenant directory.",
  ),
  sqliteRowsWritten: count.describe("SQLite rows the batch's coordinator wrote (its cursors' `rowsWritten`)."),
  r2ClassA: count.describe("R2 Class A operations (put, list, multipart create)."),
  r2ClassB: count.describe("R2 Class B operations (get, head)."),
  r2BytesStored: count.describe("Bytes of the R2 objects the batch put and kept (parts, records, manifest)."),
  webhookDeliveries: count.describe("Webhook delivery attempts made for the batch's events."),
  retries: count.describe(
    "URL attempts that ended in a retry (back to the queue): a schedule's drift measure, priced at nothing by itself.",
  ),
});
export type CostCounts = z.infer<typeof CostCounts>;

/** The counter names, in display order. */
export const COST_FIELDS = Object.keys(CostCounts.shape) as (keyof CostCounts)[];

/** All counters at zero. */
export function emptyCounts(): CostCounts {
  return CostCounts.parse({});
}

/** `a + b`, counter by counter. */
export function addCounts(a: CostCounts, b: Partial<CostCounts>): CostCounts {
  const sum = { ...a };
  for (const field of COST_FIELDS) sum[field] += b[field] ?? 0;
  return sum;
}

/** Whether every counter of `counts` is zero (nothing to store). */
export function isEmptyCounts(counts: Partial<CostCounts>): boolean {
  return COST_FIELDS.every((field) => (counts[field] ?? 0) === 0);
}

/**
 * USD prices per unit, marginal (a batch does not get the plan's monthly inclusions:
 * those are the account's, not one batch's). `date`: when the prices were read.
 */
export const PriceTable = z.object({
  date: z.string().min(1),
  source: z.string().default(""),
  doRequestPerMillion: z.number().nonnegative(),
  sqliteRowWrittenPerMillion: z.number().nonnegative(),
  /** Queues bill per 64 KB written, read and deleted: a delivered message is `queueOperationsPerMessage` operations. */
  queueOperationPerMillion: z.number().nonnegative(),
  queueOperationsPerMessage: z.number().nonnegative(),
  r2ClassAPerMillion: z.number().nonnegative(),
  r2ClassBPerMillion: z.number().nonnegative(),
  r2StoragePerGbMonth: z.number().nonnegative(),
  /** Outbound subrequests are free on Workers Paid; set for a deployment whose egress costs. */
  fetchPerMillion: z.number().nonnegative().default(0),
});
export type PriceTable = z.infer<typeof PriceTable>;

/**
 * Cloudflare's published Workers Paid prices, read from developers.cloudflare.com
 * (workers/platform/pricing, durable-objects/platform/pricing, r2/pricing,
 * queues/platform/pricing) on 2026-12-07.
 */
export const DEFAULT_PRICES: PriceTable = {
  date: "2026-12-07",
  source: "Cloudflare Workers Paid (developers.cloudflare.com pricing pages)",
  doRequestPerMillion: 0.15,
  sqliteRowWrittenPerMillion: 1.0,
  queueOperationPerMillion: 0.4,
  queueOperationsPerMessage: 3,
  r2ClassAPerMillion: 4.5,
  r2ClassBPerMillion: 0.36,
  r2StoragePerGbMonth: 0.015,
  fetchPerMillion: 0,
};

/**
 * The price table a deployment uses: DEFAULT_PRICES with the fields of the COST_PRICES
 * var (a JSON object) laid over them. A var that is not such an object is an error:
 * a bill priced by a table nobody meant is worse than none.
 */
export function priceTableFrom(json: string | undefined): PriceTable {
  if (json === undefined || json.trim() === "") return DEFAULT_PRICES;
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw new Error("COST_PRICES is not JSON");
  }
  const parsed = PriceTable.partial().strict().safeParse(raw);
  if (!parsed.success) throw new Error(`COST_PRICES: ${parsed.error.issues.map(describeIssue).join("; ")}`);
  return PriceTable.parse({ ...DEFAULT_PRICES, ...parsed.data });
}

function describeIssue(issue: z.core.$ZodIssue): string {
  return `${issue.path.join(".") || "(root)"} ${issue.message}`;
}

const GB = 1e9;
const DAYS_PER_MONTH = 30;

/**
 * The estimated bill of `counts` in USD: operations at their unit prices, plus the bytes
 * stored for `retentionDays` (GB-months). Rounded to a millionth of a dollar.
 */
export function estimateUsd(counts: CostCounts, prices: PriceTable, retentionDays: number): number {
  const perMillion = (n: number, price: number) => (n / 1e6) * price;
  const usd =
    perMillion(counts.doRequests, prices.doRequestPerMillion) +
    perMillion(counts.sqliteRowsWritten, prices.sqliteRowWrittenPerMillion) +
    perMillion(counts.queueMessages * prices.queueOperationsPerMessage, prices.queueOperationPerMillion) +
    perMillion(counts.r2ClassA, prices.r2ClassAPerMillion) +
    perMillion(counts.r2ClassB, prices.r2ClassBPerMillion) +
    perMillion(counts.fetches, prices.fetchPerMillion) +
    (counts.r2BytesStored / GB) * prices.r2StoragePerGbMonth * (retentionDays / DAYS_PER_MONTH);
  return Math.round(usd * 1e6) / 1e6;
}

/** The ledger as the status, the manifest and the run history show it. */
export const CostView = z.object({
  counts: CostCounts.describe("What the batch did, operation by operation; every counter is a running total."),
  estimatedUsd: z
    .number()
    .describe(
      "The counts priced in USD (operations plus storage for the retention period), to a millionth of a dollar.",
    ),
  priceTableDate: z.string().describe("When the price table used was read (YYYY-MM-DD)."),
});
export type CostView = z.infer<typeof CostView>;

/** `counts` priced by `prices`, ready to show. */
export function costView(counts: CostCounts, prices: PriceTable, retentionDays: number): CostView {
  return { counts, estimatedUsd: estimateUsd(counts, prices, retentionDays), priceTableDate: prices.date };
}
