/** Errors the CLI reports as one line, with the exit code a script can rely on. */

/** Exit codes: 0 done, 1 the operation failed (or `verify --dry-run` found problems), 2 the command line is wrong. */
export const EXIT_OK = 0
export const EXIT_FAILURE = 1
export const EXIT_USAGE = 2

/** A failure the user can act on: printed as one line, never with a stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT_FAILURE,
  ) {
    super(message)
  }
}

/** A wrong command line (unknown option, bad value, missing argument): exit code 2. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, EXIT_USAGE)
  }
}
