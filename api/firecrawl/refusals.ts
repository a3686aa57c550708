// What the Firecrawl routes share: refusing the options Trawl cannot honour, by name.
import { ApiError } from "../errors";

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
