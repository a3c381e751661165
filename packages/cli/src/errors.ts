import { CommanderError } from 'commander'

/**
 * The exit codes of `rio`, stable for scripts:
 * - `0` done (for `rio health`: healthy)
 * - `1` failed at run time (database, network, a conflict; for `rio health`: problems found)
 * - `2` the command line or the configuration is wrong; nothing was done
 * - `3` the project, handler, delivery, event or sender named does not exist
 */
export const EXIT = { ok: 0, failure: 1, usage: 2, notFound: 3 } as const

/** The hint of a mistake on the command line: the argument parser's own, and a bad option value's. */
export const HELP_HINT = 'run the command with --help for usage'

/** An expected failure of the CLI itself, with an exit code and a hint saying what to do. */
export class CliError extends Error {
  override name = 'CliError'
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failure,
    readonly hint?: string,
  ) {
    super(message)
  }
}

/** A bad argument, flag or setting (exit 2). */
export class UsageError extends CliError {
  override name = 'UsageError'
  constructor(message: string, hint?: string) {
    super(message, EXIT.usage, hint)
  }
}

/**
 * Ends a command that has printed its whole result with a status other than 0 (`rio health`
 * finding problems): {@link run} returns `exitCode` and prints nothing more. Each run's status
 * travels with that run, so `process.exitCode` is never used to pass it along.
 */
export class CommandStatus extends Error {
  override name = 'CommandStatus'
  constructor(readonly exitCode: number) {
    super(`exit ${exitCode}`)
  }
}

/** How a failure is reported: one message, a hint, an exit code, and a code for `--json`. */
export interface FailureReport {
  readonly code: string
  readonly message: string
  readonly hint: string | undefined
  readonly exitCode: number
}

/**
 * Describes the failures the CLI knows without `@rio/core` — its own errors and the argument
 * parser's — so reporting them loads nothing more; `describeFailure` adds Rio's and the system's.
 * @returns the report, or `undefined` when `error` is neither
 */
export function describeCliFailure(error: unknown): FailureReport | undefined {
  if (error instanceof CliError) {
    return {
      code: error.exitCode === EXIT.usage ? 'usage' : 'failed',
      message: error.message,
      hint: error.hint,
      exitCode: error.exitCode,
    }
  }
  if (error instanceof CommanderError) {
    // The argument parser's own message (`error: unknown option '--x'`), without its prefix; its
    // help-as-error (a command that needs a subcommand, given none) has no message of its own.
    return {
      code: 'usage',
      message:
        error.code === 'commander.help'
          ? 'a command is missing'
          : error.message.replace(/^error: /, '').replace(/\s*\n\s*/g, ' '),
      hint: HELP_HINT,
      exitCode: EXIT.usage,
    }
  }
  return undefined
}
