// How `rio` reports a failure. Beyond the CLI's own errors and the argument parser's
// (`describeCliFailure`, which needs nothing more), this classifies `@rio/core`'s errors, so it
// imports core: `rio` loads this module only to report a failure of another kind.

import { RioError, RioNotFoundError, RioValidationError } from '@rio/core'
import { describeCliFailure, EXIT, type FailureReport } from './errors.js'

const LISTS: Record<RioNotFoundError['resource'], string> = {
  project: 'rio project list',
  handler: 'rio handler list',
  delivery: 'rio deliveries list',
  event: 'rio events list',
  sender: 'rio sender list <project>',
}

/** What to do about a name already taken, by the command that tried to take it. */
const NAME_TAKEN: Readonly<Record<string, string>> = {
  'project create': 'the project is there already; see `rio project list`',
  'sender create':
    'pick another sender name, or `rio sender remove` the existing one first (its DSN stops working)',
  'handler add': 'pick another --name; `rio handler list --project <project>` shows the names taken',
}
/** What to do about a delivery whose state refuses the change (`rio deliveries retry`). */
const DELIVERY_STATE = {
  removed:
    'its handler was removed, so it cannot be sent again; `rio handler list` shows the handlers there are',
  inFlight: 'wait for the attempt to finish (`rio deliveries show <id>` shows it), then retry',
  other: 'see its state with `rio deliveries show <id>`',
}

const RIO_HINTS: Partial<Record<RioError['code'], string>> = {
  database_error:
    'check the database path (--database, RIO_DATABASE, RIO_CONF) and that its directory exists and is writable',
  database_too_new: 'install a Rio at least as new as the one that migrated this database',
  invalid_options: 'see `rio <command> --help` for the accepted values',
}

/**
 * Classifies an error: Rio's and the CLI's own errors are expected (a message and a hint, never a
 * stack); anything else is a bug and is rethrown by the caller.
 * @param command - the command that failed, as typed without options (`deliveries retry`): some
 *   hints depend on it (a `conflict` is a name taken for `project create`, a delivery's state for
 *   `deliveries retry`)
 * @returns the report, or `undefined` for an unexpected error
 */
export function describeFailure(error: unknown, command?: string): FailureReport | undefined {
  const known = describeCliFailure(error)
  if (known) return known
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
        : error.code === 'conflict'
          ? conflictHint(error, command)
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
      EADDRNOTAVAIL:
        'the host is not an address of this machine: bind 127.0.0.1, 0.0.0.0 (every interface) or one of its addresses',
      ENOTFOUND: 'check the host name (--host, RIO_HOST or host in rio.yaml)',
      ENOENT: 'check the path',
      ECONNREFUSED: 'is the server running, and is the URL right?',
    }
    return { code: system.code, message: error.message, hint: hints[system.code], exitCode: EXIT.failure }
  }
  return undefined
}

/**
 * The hint for a `conflict`: a delivery's state (by the command, `deliveries retry`, or by the
 * message, which names the delivery and why), else a name already taken (by the command).
 */
function conflictHint(error: RioError, command: string | undefined): string {
  if (command === 'deliveries retry' || /^delivery /.test(error.message)) {
    if (/removed handler/.test(error.message)) return DELIVERY_STATE.removed
    if (/being attempted/.test(error.message)) return DELIVERY_STATE.inFlight
    return DELIVERY_STATE.other
  }
  return (
    (command === undefined ? undefined : NAME_TAKEN[command]) ??
    'pick another name, or change the existing one instead of creating it'
  )
}
