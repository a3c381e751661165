import { RioDatabaseCorruptError, RioDatabaseError } from '../../errors.js'
import type { StoreFault } from '../store-fault.js'

/** Each fault's SQLite result codes (extended codes start with them), its cause and its fix. */
const FAULTS: ReadonlyArray<{
  readonly codes: readonly string[]
  readonly fault: StoreFault
  readonly explain: (busyTimeoutMs: () => number) => string
}> = [
  {
    codes: ['SQLITE_FULL'],
    fault: 'disk_full',
    explain: () =>
      'the disk holding the database is full; nothing was written. Free space on that disk: Rio retries its own writes and resumes without a restart',
  },
  {
    codes: ['SQLITE_IOERR', 'SQLITE_CANTOPEN'],
    fault: 'io_error',
    explain: () =>
      'the operating system failed to write the database file: the disk may be full, the file may have reached the size limit (ulimit -f), or the device is failing; check free space and the system log. An emit may or may not have been stored: repeat it with the same idempotencyKey',
  },
  {
    codes: ['SQLITE_BUSY', 'SQLITE_LOCKED'],
    fault: 'locked',
    explain: (busyTimeoutMs) =>
      `another connection held the database's write lock for longer than the busy timeout (${busyTimeoutMs()} ms); nothing was written. Something else writes to the file for long (a \`rio cleanup\`, a backup, a transaction left open in a sqlite3 shell): let it finish, then retry`,
  },
  {
    codes: ['SQLITE_READONLY'],
    fault: 'read_only',
    explain: () =>
      'the database cannot be written; nothing was written. Check that this process may write the file, its -wal and -shm files and their directory, and that the disk is not mounted read-only',
  },
]

/** SQLite's codes for a damaged file (`SQLITE_NOTADB` on a file that opened as a database before). */
const CORRUPT_CODES = ['SQLITE_CORRUPT', 'SQLITE_NOTADB']

/**
 * What to do about a damaged database file, for error messages: see the damage, then restore or
 * salvage (the steps are in docs/reliability.md).
 * @param path - the file, as an absolute path
 */
export function repairAdvice(path: string): string {
  return `stop every Rio on it, see the damage with \`rio check --database ${path}\`, then put back a copy made by \`rio backup\`, or salvage what SQLite can still read (\`sqlite3 ${path} .recover\`; see "Damaged database files" in docs/reliability.md)`
}

/** Whether a driver error code says the file is damaged. */
export function isCorruptCode(code: string): boolean {
  return CORRUPT_CODES.some((c) => code === c || code.startsWith(`${c}_`))
}

/**
 * The error a failed store operation throws: a driver error becomes a {@link RioDatabaseError}
 * saying what was being done, what went wrong and what to do, with its `fault` set when the database as a whole cannot be written; anything else is returned as is.
 * A damaged file gives a {@link RioDatabaseCorruptError} naming it.
 * @param error - what the driver (or the operation) threw
 * @param what - the operation, as in "cannot <what>"
 * @param busyTimeoutMs - reads the connection's busy timeout, named in the message of a lock held too long
 * @param path - the database file (absolute), or `undefined` for an in-memory or temporary database
 */
export function toDatabaseError(
  error: unknown,
  what: string,
  busyTimeoutMs: () => number,
  path?: string,
): unknown {
  if (!(error instanceof Error) || !('code' in error) || typeof error.code !== 'string') return error
  const code = error.code
  if (!code.startsWith('SQLITE')) return error
  if (isCorruptCode(code)) {
    const file = path ?? 'in memory'
    return new RioDatabaseCorruptError(
      file,
      `cannot ${what}: the database${path ? ` file ${path}` : ''} is damaged (${code}: ${error.message}); nothing was written. To go on, ${path ? repairAdvice(path) : 'stop Rio and open a new database'}`,
      { cause: error },
    )
  }
  const known = FAULTS.find((f) => f.codes.some((c) => code === c || code.startsWith(`${c}_`)))
  if (!known) return new RioDatabaseError(`cannot ${what}: ${error.message}`, { cause: error })
  return new RioDatabaseError(`cannot ${what}: ${known.explain(busyTimeoutMs)} (${code}: ${error.message})`, {
    cause: error,
    fault: known.fault,
  })
}
