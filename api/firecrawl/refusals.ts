// What the Firecrawl routes share: refusing the options Trawl cannot honour, by name,
// and the batch options a request maps onto (its webhook checked as Trawl's own are).
import { z } from "zod";
import { type AllowList, checkTarget } from "../../lib/address-policy";
import { type FirecrawlBatchRequest, type FirecrawlScrapeRequest, toBatchOptions } from "../../lib/firecrawl/request";
import type { FirecrawlJobKind } from "../../lib/firecrawl/webhook";
import { BatchId, type BatchOptions } from "../../lib/schemas";
import { ApiError, invalidFromZod } from "../errors";

/** A 400 naming every option of the request Trawl cannot honour. */
export function refuseUnsupported(problems: { field: string; reason: string }[]): void {
  const first = problems[0];
  if (!first) return;
  const names = problems.map((p) => p.field).join(", ");
  throw new ApiError(
    400,
    "unsupported_option",
    `${first.field}: ${first.reason}${problems.length > 1 ? ` (unsupported: ${names})` : ""}`,
    problems,
  );
}

/**
 * The batch options of a Firecrawl request: a webhook Trawl's WebhookConfig refuses (a
 * reserved header, too many keys) or the address policy would refuse at delivery is a
 * 400 naming `webhook...`.
 */
export function firecrawlBatchOptions(
  request: FirecrawlScrapeRequest | FirecrawlBatchRequest,
  kind: FirecrawlJobKind,
  allow: AllowList,
): BatchOptions {
  let options: BatchOptions;
  try {
    options = toBatchOptions(request, kind);
  } catch (error) {
    if (!(error instanceof z.ZodError)) throw error;
    throw invalidFromZod(error);
  }
  if (options.webhook) {
    const target = checkTarget(options.webhook.url, allow);
    if (!target.ok) throw ApiError.invalid("webhook.url", `${target.error.code}: ${target.error.message}`);
  }
  return options;
}

/** A job id as a Firecrawl client sends it: one not in Trawl's shape (a Firecrawl UUID) names no batch here, a 404. */
export function batchIdOf(id: string): string {
  if (!BatchId.safeParse(id).success) throw ApiError.notFound();
  return id;
}
