// The CLI's exit codes: distinct per kind of failure, so scripts can tell a wrong key
// from a typo in a batch id from a server that is down. `--help` prints this table.

export const ExitCode = {
  ok: 0,
  /** Anything unexpected (a bug, a download cut short). */
  failure: 1,
  /** Bad arguments or flags, or an input file that cannot be read. */
  usage: 2,
  /** The API refused the request (a 4xx other than 401 and 404): its message says why. */
  refused: 3,
  /** Missing or unknown API key (401). */
  unauthorized: 4,
  /** No such batch for this key (404). */
  notFound: 5,
  /** The API could not be reached. */
  unreachable: 6,
  /** The API failed (5xx). */
  serverError: 7,
  /** `watch` or `submit --wait`: the batch ended cancelled or failed. */
  notCompleted: 8,
  /** `--fail-on-errors` (watch, submit --wait, retry --wait): the batch completed, but some URLs failed. */
  urlsFailed: 9,
  /** Ctrl-C: the batch goes on running. */
  interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** The exit-code table of `trawl --help`. */
export const EXIT_CODES_HELP = `Exit codes:
  0    ok
  1    unexpected failure (a bug, a download cut short)
  2    usage: bad arguments or flags, unreadable input file
  3    the API refused the request (4xx); its message says why
  4    missing or unknown API key (401)
  5    no such batch for this key (404)
  6    the API could not be reached
  7    the API failed (5xx)
  8    watch / submit --wait: the batch ended cancelled or failed
  9    --fail-on-errors: the batch completed, but some URLs failed (skipped ones do not count)
  130  interrupted (Ctrl-C); the batch goes on running`;

/** A failure the CLI reports as one line on stderr and an exit code. */
export class CliError extends Error {
  constructor(
    readonly exitCode: ExitCode,
    message: string,
  ) {
    super(message);
  }
}

/** The exit code for an API answer's HTTP status. */
export function exitCodeForStatus(status: number): ExitCode {
  if (status === 401) return ExitCode.unauthorized;
  if (status === 404) return ExitCode.notFound;
  if (status >= 500) return ExitCode.serverError;
  return ExitCode.refused;
}
