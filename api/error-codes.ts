import { z } from "@hono/zod-openapi";
import { ErrorCode } from "../lib/error-codes";

/**
 * The closed list of codes an API error answer carries (`error.code`), each with its
 * HTTP status. README ("API error codes") lists every one; a test keeps the two equal.
 * Adding a code is an API change.
 */
export const API_ERROR_STATUS = {
  invalid_request: 400, // a field of the request is missing or malformed (details name it)
  unsupported_option: 400, // a Firecrawl option Trawl does not implement
  unauthorized: 401, // no bearer key, or an unknown one
  link_expired: 403, // a signed download link past its expiry
  bad_signature: 403, // a signed download link whose signature does not match
  not_found: 404, // no such batch, schedule or run for this tenant
  already_completed: 409, // cancelling a batch that already completed
  already_failed: 409, // cancelling a Firecrawl job whose batch failed at upload
  already_expired: 409, // cancelling a Firecrawl job whose batch expired
  not_ready: 409, // the batch has not published its manifest yet
  nothing_to_retry: 409, // no URL ended with the codes a retry asks for
  not_kept_raw: 409, // re-extracting, or downloading as WARC, a batch that did not keep its pages (`keepRaw`)
  schedule_stopped: 409, // changing or running a stopped schedule
  schedule_quota: 409, // the tenant's schedules that are not stopped are at MAX_SCHEDULES_PER_TENANT
  schedule_source: 409, // deleting a batch a live schedule copies its list from
  idempotency_in_progress: 409, // a request with the same Idempotency-Key is still uploading
  idempotency_key_unusable: 409, // the Idempotency-Key names another tenant's batch: send another key
  upload_superseded: 409, // this upload stalled and a newer request with its key replaced it
  expired: 410, // the batch's retention ran out: its results were deleted
  deleted: 410, // the batch was deleted
  too_many_urls: 413, // more URLs than MAX_URLS_PER_BATCH
  body_too_large: 413, // a request body over the route's byte limit
  unsupported_media_type: 415, // a Content-Type the route does not read
  quota_exceeded: 429, // the tenant's in-flight quota is full (Retry-After says when to try again)
  internal: 500, // anything unexpected (logged with the batch id)
  not_configured: 503, // the deployment lacks a secret the route needs (SIGNING_SECRET)
} as const;

type OwnCode = keyof typeof API_ERROR_STATUS;
const OWN_CODES = Object.keys(API_ERROR_STATUS) as [OwnCode, ...OwnCode[]];

/**
 * Every code an error answer can carry: the API's own, and the per-URL codes
 * (`lib/error-codes.ts`) a synchronous Firecrawl scrape answers its one URL's failure with.
 */
export const ApiErrorCode = z.enum([...OWN_CODES, ...ErrorCode.options]);
export type ApiErrorCode = z.infer<typeof ApiErrorCode>;
