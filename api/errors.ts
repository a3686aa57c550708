import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { z } from "zod";
import type { ApiErrorCode } from "./error-codes";
import { unknownKeyReason } from "./field-hints";
import type { AppEnv } from "./types";

export interface FieldProblem {
  field: string;
  reason: string;
}

/** The API's one error type: a code, an HTTP status, a public message and field details. */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: ApiErrorCode,
    message: string,
    readonly details: FieldProblem[] = [],
  ) {
    super(message);
  }

  /** A 400 naming one field. */
  static invalid(field: string, reason: string): ApiError {
    return new ApiError(400, "invalid_request", `${field}: ${reason}`, [{ field, reason }]);
  }

  static notFound(what = "batch"): ApiError {
    return new ApiError(404, "not_found", `${what} not found`);
  }
}

/**
 * Turns zod issues into field problems: `urls[3].id: expected string`. An unknown key is
 * named by its own path (`options.formts`) with the nearest name `schema` knows.
 */
export function zodProblems(error: z.ZodError, root = "", schema?: z.ZodType): FieldProblem[] {
  return error.issues.flatMap((issue) => {
    const path = issue.path.reduce<string>(
      (acc, part) => (typeof part === "number" ? `${acc}[${part}]` : acc ? `${acc}.${String(part)}` : String(part)),
      root,
    );
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => ({
        field: path ? `${path}.${key}` : key,
        reason: unknownKeyReason(schema, issue.path, key),
      }));
    }
    return [{ field: path || root || "body", reason: issue.message }];
  });
}

/** An ApiError from zod issues, naming the first field in the message. */
export function invalidFromZod(error: z.ZodError, root = "", schema?: z.ZodType): ApiError {
  const details = zodProblems(error, root, schema);
  const first = details[0] ?? { field: root || "body", reason: "invalid" };
  return new ApiError(400, "invalid_request", `${first.field}: ${first.reason}`, details);
}

/** The JSON body every error answer has. */
export function errorBody(error: ApiError) {
  return { error: { code: error.code, message: error.message, details: error.details } };
}

/**
 * The same error as Firecrawl's clients read it: `error` is the message (their SDKs
 * show it as the exception's text), `code` and `details` as in Trawl's own shape.
 */
export function firecrawlErrorBody(error: ApiError) {
  return { success: false, error: error.message, code: error.code, details: error.details };
}

/** The single error handler: domain errors as they are, anything else a logged generic 500. */
export function handleError(error: Error, c: Context<AppEnv>): Response {
  const known = asApiError(error);
  if (!known) {
    console.error(`unhandled error on ${c.req.method} ${c.req.path} (batch ${c.req.param("id") ?? "-"})`, error);
  }
  const answer = known ?? new ApiError(500, "internal", "internal error");
  const body = c.get("errorStyle") === "firecrawl" ? firecrawlErrorBody(answer) : errorBody(answer);
  return c.json(body, answer.status);
}

/** An error the client caused or may see as it is; null for anything unexpected. */
function asApiError(error: Error): ApiError | null {
  if (error instanceof ApiError) return error;
  // Hono's own HTTP errors carry a status. They are about the request body: malformed
  // JSON (400), or a media type no route declares (415); name that field like ours do.
  const status = (error as { status?: unknown }).status;
  if (typeof status === "number" && status >= 400 && status < 500) {
    const field = status === 415 ? "Content-Type" : "body";
    const reason = error.message || "bad request";
    const code = status === 415 ? "unsupported_media_type" : "invalid_request";
    return new ApiError(status as ContentfulStatusCode, code, `${field}: ${reason}`, [{ field, reason }]);
  }
  return null;
}
