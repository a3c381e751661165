import type { z } from 'zod'

/**
 * Every failure Rio reports has one of these stable codes; `http/status.ts` maps each to an HTTP
 * status, so adding a code without a status does not compile.
 */
export type RioErrorCode =
  | 'invalid_argument'
  | 'invalid_event_name'
  | 'invalid_payload'
  | 'payload_too_large'
  | 'invalid_options'
  | 'invalid_handler'
  | 'not_found'
  | 'conflict'
  | 'idempotency_key_reused'
  | 'unauthorized'
  | 'forbidden'
  | 'rate_limited'
  | 'closed'
  | 'database_error'
  | 'database_corrupt'
  | 'database_unrecognized'
  | 'database_too_new'

/** Options shared by every Rio error. */
export interface RioErrorOptions {
  cause?: unknown
  /** zod issues, kept raw for 400 bodies. */
  issues?: readonly z.core.$ZodIssue[]
}

/**
 * The base of every error `@rio/core` throws. Switch on {@link RioError.code}, not on the message.
 */
export class RioError extends Error {
  override name = 'RioError'
  readonly code: RioErrorCode
  readonly issues: readonly z.core.$ZodIssue[] | undefined

  constructor(code: RioErrorCode, message: string, options: RioErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.issues = options.issues
  }
}

/** Bad input from the caller: a name, payload, option or handler definition. Nothing was written. */
export class RioValidationError extends RioError {
  override name = 'RioValidationError'
}

/** A project, handler, delivery, event or sender that does not exist. */
export class RioNotFoundError extends RioError {
  override name = 'RioNotFoundError'
  constructor(
    readonly resource: 'project' | 'handler' | 'delivery' | 'event' | 'sender',
    readonly id: string,
    hint = '',
  ) {
    super('not_found', `${resource} "${id}" does not exist${hint ? `; ${hint}` : ''}`)
  }
}

/** A write that contradicts what is stored (a name already taken, a delivery in the wrong state). */
export class RioConflictError extends RioError {
  override name = 'RioConflictError'
  constructor(message: string, options?: RioErrorOptions) {
    super('conflict', message, options)
  }
}

/**
 * An idempotency key already stored for a different event (another name or payload). Retries
 * resend the same event and get the first one's id back; a different event under a used key would
 * otherwise be dropped without a word. Nothing was written.
 */
export class RioIdempotencyError extends RioError {
  override name = 'RioIdempotencyError'
  constructor(
    /** The reused key. */
    readonly idempotencyKey: string,
    /**
     * The id of the event stored under it; when two events of one `emitMany()` call share the key
     * (see `batchIndexes`), the id the first of them would have had: nothing was stored.
     */
    readonly eventId: string,
    project: string,
    /** The positions of the two events of one `emitMany()` call that share the key, if that is the conflict. */
    readonly batchIndexes?: readonly [number, number],
  ) {
    const key = JSON.stringify(idempotencyKey.slice(0, 100))
    super(
      'idempotency_key_reused',
      batchIndexes
        ? `events[${batchIndexes[0]}] and events[${batchIndexes[1]}] use idempotency key ${key} for different events (another name or payload), so nothing of the batch was written; give each event its own key`
        : `idempotency key ${key} was already used in project "${project}" for a different event (${eventId}); use a new key for a new event, or resend the same name and payload to get that event's id`,
    )
  }
}

/**
 * Why the database as a whole cannot be written right now, as opposed to something wrong with
 * what was written; every other write fails alike until it is cleared, so Rio waits, backs off and
 * writes again rather than retrying parts of a batch:
 * - `disk_full`: no space left on the disk (or the file reached a size limit);
 * - `io_error`: the operating system failed a read or write of the file;
 * - `locked`: another connection held the write lock for longer than the busy timeout;
 * - `read_only`: the file, its directory or its mount does not allow writing;
 * - `file_moved`: the file was deleted or replaced while open, so writes would go where no one
 *   opening the path will find them;
 * - `corrupt`: the file is damaged.
 */
export type RioDatabaseFault = 'disk_full' | 'io_error' | 'locked' | 'read_only' | 'file_moved' | 'corrupt'

/** The database could not be opened, read or written; `cause` holds the driver's error. */
export class RioDatabaseError extends RioError {
  override name = 'RioDatabaseError'
  /**
   * Set when the database as a whole cannot be written (see {@link RioDatabaseFault}); a store
   * other than Rio's SQLite one sets it so the dispatcher backs off and keeps results to write.
   */
  readonly fault: RioDatabaseFault | undefined

  constructor(message: string, options?: RioErrorOptions & { fault?: RioDatabaseFault }) {
    super('database_error', message, options)
    this.fault = options?.fault
  }
}

/**
 * The database file is damaged (SQLite reports `SQLITE_CORRUPT` or `SQLITE_NOTADB` where it found
 * a database before): found when it was opened, or by an operation while Rio ran. Nothing was
 * written by the operation that found it. Retrying does not help: the file must be restored or
 * salvaged; `rio check` shows the damage. Its `fault` is `'corrupt'`, so the dispatcher backs off
 * as for any other store fault.
 */
export class RioDatabaseCorruptError extends RioDatabaseError {
  override name = 'RioDatabaseCorruptError'
  override readonly code: RioErrorCode = 'database_corrupt'
  constructor(
    /** The damaged file, as an absolute path. */
    readonly path: string,
    message: string,
    options?: RioErrorOptions,
  ) {
    super(message, { ...options, fault: 'corrupt' })
  }
}

/**
 * Why a file is not one Rio may open as its database:
 * - `not_a_file`: a directory, a fifo or another special file, or a symbolic link that loops;
 * - `not_sqlite`: not a SQLite database at all (text, a compressed or encrypted file, random bytes);
 * - `not_rio`: a SQLite database of another application (other tables, or a schema version Rio
 *   did not set), which Rio neither migrates nor writes to;
 * - `wal_without_database`: an empty file, or no file at all, next to a `-wal` file holding data,
 *   which SQLite would delete on open.
 */
export type RioDatabaseUnrecognizedReason = 'not_a_file' | 'not_sqlite' | 'not_rio' | 'wal_without_database'

/**
 * The path names something Rio does not recognise as its database (see
 * {@link RioDatabaseUnrecognizedReason}). Refused before anything is written to it: no migration,
 * no journal mode set, nothing deleted. Check the path (`--database`, `RIO_DATABASE`, `database:`).
 */
export class RioDatabaseUnrecognizedError extends RioError {
  override name = 'RioDatabaseUnrecognizedError'
  constructor(
    /** The file, as an absolute path. */
    readonly path: string,
    readonly reason: RioDatabaseUnrecognizedReason,
    message: string,
    options?: RioErrorOptions,
  ) {
    super('database_unrecognized', message, options)
  }
}

/** The database was migrated by a newer Rio than this one; upgrade Rio rather than open it. */
export class RioDatabaseTooNewError extends RioError {
  override name = 'RioDatabaseTooNewError'
  constructor(
    readonly databaseVersion: number,
    readonly codeVersion: number,
    /** The database file, when Rio opened it by path. */
    readonly path?: string,
  ) {
    super(
      'database_too_new',
      `the database${path ? ` ${path}` : ''} is at schema version ${databaseVersion} but this Rio knows versions up to ${codeVersion}; upgrade @rio/core (or open a copy made before the upgrade)`,
    )
  }
}

/** A call on a Rio that was stopped or closed. */
export class RioClosedError extends RioError {
  override name = 'RioClosedError'
  constructor(what = 'Rio') {
    super('closed', `${what} is closed; create a new instance to continue`)
  }
}

/**
 * Thrown by a function handler to say "retrying will not help": the delivery is marked dead at
 * once, without using the rest of the retry schedule (like BullMQ's `UnrecoverableError`).
 * @example
 * ```ts
 * rio.on<{ userId?: string }>('user.deleted', 'purge', async (event) => {
 *   if (!event.payload.userId) throw new UnrecoverableError('payload has no userId')
 * })
 * ```
 */
export class UnrecoverableError extends Error {
  override name = 'UnrecoverableError'
}

/**
 * Thrown by a function handler to ask for the next attempt after `delayMs` instead of the
 * schedule's next step (the schedule still bounds how many attempts are made).
 */
export class RetryLaterError extends Error {
  override name = 'RetryLaterError'
  constructor(
    readonly delayMs: number,
    message = `retry requested in ${delayMs} ms`,
  ) {
    super(message)
  }
}

/** Renders zod issues as `path: message` lines for error messages. */
export function formatIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => {
      const path = issue.path.length ? issue.path.map(String).join('.') : '(root)'
      return `${path}: ${issue.message}`
    })
    .join('; ')
}

/**
 * A value a caller gave, quoted for an error message: a string as JSON (quotes, controls and lone
 * surrogates escaped) and cut after `max` UTF-16 units, never inside a surrogate pair; anything
 * else by its type. A message never grows with its input, and quoting never throws (`JSON.stringify`
 * does for a BigInt or a circular object).
 * @example
 * ```ts
 * quoteInput('a'.repeat(500)) // '"aaa…a"… (500 characters)'
 * quoteInput(1n)              // 'a bigint'
 * ```
 */
export function quoteInput(value: unknown, max = 100): string {
  if (typeof value === 'string') {
    if (value.length <= max) return JSON.stringify(value)
    const cut = /[\ud800-\udbff]$/.test(value.slice(0, max)) ? value.slice(0, max - 1) : value.slice(0, max)
    return `${JSON.stringify(cut)}… (${value.length} characters)`
  }
  if (value === null || value === undefined || typeof value === 'boolean') return String(value)
  if (typeof value === 'number') return String(value)
  if (Array.isArray(value)) return 'an array'
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`
}
