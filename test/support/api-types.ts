// The API's answers as tests read them: inferred from the API's own zod schemas (as the
// CLI's client is, cli/api-client.ts), so a test cannot re-declare a response by hand
// and drift from what the routes answer.
import type { z } from "zod";
import type * as Firecrawl from "../../api/firecrawl/schemas";
import type * as Api from "../../api/openapi-schemas";
import type { WebhookSecretView } from "../../api/webhooks";

export type BatchView = z.infer<typeof Api.BatchView>;
export type CreatedBatch = z.infer<typeof Api.CreatedBatch>;
export type BatchList = z.infer<typeof Api.BatchList>;
export type ResultsPage = z.infer<typeof Api.ResultsPage>;
export type ErrorsPage = z.infer<typeof Api.ErrorsPage>;
export type DownloadLink = z.infer<typeof Api.DownloadLink>;
export type ErrorResponse = z.infer<typeof Api.ErrorResponse>;
export type ScheduleView = z.infer<typeof Api.ScheduleView>;
export type SchedulesPage = z.infer<typeof Api.SchedulesPage>;
export type ScheduleRunView = z.infer<typeof Api.ScheduleRunView>;
export type ScheduleRunsPage = z.infer<typeof Api.ScheduleRunsPage>;
export type FirecrawlError = z.infer<typeof Firecrawl.FirecrawlErrorResponse>;
export type FirecrawlBatchStatus = z.infer<typeof Firecrawl.FirecrawlBatchStatus>;
export type FirecrawlBatchErrors = z.infer<typeof Firecrawl.FirecrawlBatchErrors>;
export type SecretView = z.infer<typeof WebhookSecretView>;
