// The one result shape below the API: a value, or a failure with a code and a message.
// The word for why is `message` everywhere; the API turns a failure into an ApiError
// (public JSON keeps its own names, such as `details[].reason`).

/** Why something failed: a code from a closed list, and a sentence for people. */
export interface Failure<Code extends string = string> {
  code: Code;
  message: string;
}

/** A value, or a failure; `E` may add fields a caller decides on (such as `transient`). */
export type Result<T, E extends Failure = Failure> = { ok: true; value: T } | { ok: false; error: E };

/** A success holding `value`. */
export function ok<T>(value: T): { ok: true; value: T } {
  return { ok: true, value };
}

/** A failure with `code` and `message`. */
export function fail<Code extends string>(code: Code, message: string): { ok: false; error: Failure<Code> } {
  return { ok: false, error: { code, message } };
}
