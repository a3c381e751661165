import { RioError, RioNotFoundError, RioValidationError } from '@rio/core'
import { CommanderError } from 'commander'

/**
 * The exit codes of `rio`, stable for scripts:
 * - `0` done (for `rio health`: healthy)
 * - `1` failed at run time (database, network, a conflict; for `rio health`: problems found)
 * - `2` the command line or the configuration is wrong; nothing was done
 * - `3` the project, handler, delivery, event or sender named does not exist
 */
export const EXIT = { ok: 0, failure: 1, usage: 2, notFound: 3 } as const

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

/** How a failure is reported: one message, a hint, an exit code, and a code for `--json`. */
export interface FailureReport {
  readonly code: string
  readonly message: string
  readonly hint: string | undefined
  readonly exitCode: number
}

const LISTS: Record<RioNotFoundError['resource'], string> = {
  project: 'rio project list',
  handler: 'rio handler list',
  delivery: 'rio deliveries list',
  event: 'rio events list',
  sender: 'rio sender list <project>',
}

const RIO_HINTS: Partial<Record<RioError['code'], string>> = {
  conflict: 'pick another name, or change the existing one instead of creating it',
  database_error:
    'check the database path (--database, RIO_DATABASE, RIO_CONF) and that its directory exists and is writable',
  database_too_new: 'install a Rio at least as new as the one that migrated this database',
  invalid_options: 'see `rio <command> --help` for the accepted values',
}

/**
 * Classifies an error: Rio's and the CLI's own errors are expected (a message and a hint, never a
 * stack); anything else is a bug and is rethrown by the caller.
 * @returns the report, or `undefined` for an unexpected error
 */
export function describeFailure(error: unknown): FailureReport | undefined {
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
      hint: 'run the command with --help for usage',
      exitCode: EXIT.usage,
    }
  }
  if (error instanceof RioError) {
    const exitCode =
      error.code === 'not_found'
        ? EXIT.notFound
        : error instanceof RioValidationError || error.code === 'invalid_options'
          ? EXIT.usage
          : EXIT.failure
    const hint =
      error instanceof RioNotFoundError
        ? `see what exists with \`${LISTS[error.resource]}\` (and check --database)`
        : RIO_HINTS[error.code]
    return { code: error.code, message: error.message, hint, exitCode }
  }
  const system = error as NodeJS.ErrnoException
  if (error instanceof Error && typeof system.code === 'string') {
    // Operating-system failures (a port in use, a file that cannot be read) are expected too.
    const hints: Record<string, string> = {
      EADDRINUSE:
        'another process holds the port; pick another with --port (or RIO_PORT), or 0 for a free one',
      EACCES: 'check the permissions, or use a port above 1024',
      ENOENT: 'check the path',
      ECONNREFUSED: 'is the server running, and is the URL right?',
    }
    return { code: system.code, message: error.message, hint: hints[system.code], exitCode: EXIT.failure }
  }
  return undefined
}
