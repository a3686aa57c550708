// The CLI's view of the public HTTP API: the bearer key on every call, and every
// non-2xx answer turned into a CliError carrying the API's own error message. Its types
// are inferred from the API's own zod schemas, so they cannot drift from the server.
import type { z } from "zod";
import type * as Schemas from "../api/openapi-schemas";
import { CliError, ExitCode, exitCodeForStatus } from "./exit-codes";

export type BatchView = z.infer<typeof Schemas.BatchView>;
export type CreatedBatch = z.infer<typeof Schemas.CreatedBatch>;
export type BatchList = z.infer<typeof Schemas.BatchList>;
export type ErrorsPage = z.infer<typeof Schemas.ErrorsPage>;
export type DownloadLink = z.infer<typeof Schemas.DownloadLink>;
type ErrorResponse = z.infer<typeof Schemas.ErrorResponse>;

export interface ApiConfig {
  url: string;
  key: string;
}

/** A client of one Trawl deployment, with one API key. */
export class TrawlApi {
  readonly base: string;

  constructor(private readonly config: ApiConfig) {
    this.base = config.url.replace(/\/+$/, "");
  }

  /** A request with the key; network failures become `unreachable`, HTTP errors are left to the caller. */
  async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set("authorization", `Bearer ${this.config.key}`);
    return fetchOrExplain(`${this.base}${path}`, { ...init, headers });
  }

  /** A request whose 2xx JSON answer is returned; anything else throws with the API's message. */
  async json<T>(path: string, init: RequestInit = {}): Promise<T> {
    const response = await this.fetch(path, init);
    if (!response.ok) throw await failureOf(response);
    return (await response.json()) as T;
  }

  status(id: string): Promise<BatchView> {
    return this.json<BatchView>(`/v1/batches/${encodeURIComponent(id)}`);
  }
}

/** `fetch`, with "connection refused" and friends said plainly. */
export async function fetchOrExplain(url: string, init: RequestInit = {}): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (error) {
    if (init.signal?.aborted) throw error;
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
    throw new CliError(ExitCode.unreachable, `cannot reach ${new URL(url).origin}: ${cause}`);
  }
}

/** The CliError for a non-2xx answer: the API's `error.message` when it sent one. */
export async function failureOf(response: Response): Promise<CliError> {
  const text = await response.text();
  let message = `HTTP ${response.status}${text ? `: ${text.slice(0, 300)}` : ""}`;
  try {
    const body = JSON.parse(text) as Partial<ErrorResponse>;
    if (body.error?.message) message = `${body.error.message} (${body.error.code}, HTTP ${response.status})`;
  } catch {
    // not our JSON error shape (a proxy's page, say): the raw text is the best we have
  }
  return new CliError(exitCodeForStatus(response.status), message);
}
