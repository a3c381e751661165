import { closeSync, constants, lstatSync, openSync, readlinkSync, type Stats, statSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import BetterSqlite3, { type Database } from 'better-sqlite3'
import {
  quoteInput,
  RioDatabaseCorruptError,
  RioDatabaseError,
  RioDatabaseTooNewError,
  RioDatabaseUnrecognizedError,
  type RioDatabaseUnrecognizedReason,
} from '../../errors.js'
import { describeNonSqlite, describeTruncation, isSqliteHeader, readHeader } from './database-header.js'
import { migrations } from './migrate.js'
import { isCorruptCode, repairAdvice } from './sqlite-failure.js'

/**
 * The tables a Rio database at schema `version` holds: those its migrations created, less those
 * they dropped or renamed, read from their SQL so that a new migration needs no change here.
 */
export function tablesAt(version: number): string[] {
  const tables = new Set<string>()
  for (const { sql } of migrations.slice(0, version)) {
    const steps = sql.matchAll(
      /\b(?:CREATE TABLE (?:IF NOT EXISTS )?(\w+)|DROP TABLE (?:IF EXISTS )?(\w+)|ALTER TABLE (\w+) RENAME TO (\w+))/gi,
    )
    for (const [, created, dropped, from, to] of steps) {
      if (created) tables.add(created)
      if (dropped) tables.delete(dropped)
      if (from && to && tables.delete(from)) tables.add(to)
    }
  }
  return [...tables]
}

/** What a special file is, for a message. */
function kindOf(stats: Stats): string {
  if (stats.isFIFO()) return 'a named pipe (fifo)'
  if (stats.isSocket()) return 'a socket'
  if (stats.isCharacterDevice()) return 'a character device'
  if (stats.isBlockDevice()) return 'a block device'
  return 'not a regular file'
}

function unrecognized(
  file: string,
  reason: RioDatabaseUnrecognizedReason,
  problem: string,
): RioDatabaseUnrecognizedError {
  return new RioDatabaseUnrecognizedError(file, reason, `cannot use ${file} as Rio's database: ${problem}`)
}

/**
 * Refuses, before SQLite opens it, a path that cannot be a database file, or whose opening would
 * destroy something: a directory, a fifo or another special file, a symbolic link that loops, a
 * file that is not SQLite (compressed, text, zeros, random bytes), and an empty file next to a
 * `-wal` file holding data (SQLite deletes such a `-wal` file on open). A path where nothing is yet
 * passes: SQLite creates the database (or says its directory is missing).
 * @param file - an absolute path
 * @throws {@link RioDatabaseUnrecognizedError}
 */
export function inspectPath(file: string): void {
  let stats: Stats | undefined
  try {
    stats = statSync(file, { throwIfNoEntry: false })
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ELOOP')
      throw unrecognized(
        file,
        'not_a_file',
        'it is a symbolic link that loops (through other links, back to itself); make it point at the database file',
      )
    if (code === 'ENOTDIR')
      throw unrecognized(
        file,
        'not_a_file',
        'a part of the path before the file name is a file, not a directory; check the path',
      )
    // No permission and the like: SQLite's open says so.
    return
  }
  if (!stats) return
  if (stats.isDirectory())
    throw unrecognized(
      file,
      'not_a_file',
      `it is a directory; give the path of a database file (for example ${join(file, 'rio.db')})`,
    )
  if (!stats.isFile())
    throw unrecognized(file, 'not_a_file', `it is ${kindOf(stats)}, not a database file; check the path`)
  if (stats.size === 0) {
    const wal = statSync(`${file}-wal`, { throwIfNoEntry: false })
    if (wal?.isFile() && wal.size > 0)
      throw unrecognized(
        file,
        'wal_without_database',
        `it is empty, but ${file}-wal beside it holds ${wal.size} bytes: the database file was emptied, or not copied with its -wal file. SQLite would delete that -wal file on open, and the events in it with it, so nothing was opened. Put the database file back beside its -wal file, or move the -wal file away to start an empty database`,
      )
    return
  }
  let header: Buffer
  try {
    header = readHeader(file)
  } catch {
    return
  }
  if (!isSqliteHeader(header))
    throw unrecognized(
      file,
      'not_sqlite',
      `it is not a SQLite database but ${describeNonSqlite(header)}; check the path`,
    )
}

/** Up to five names, quoted, and how many more there are. */
function listed(names: readonly string[]): string {
  const shown = names.slice(0, 5).map((name) => quoteInput(name, 40))
  return names.length > 5 ? `${shown.join(', ')} and ${names.length - 5} more` : shown.join(', ')
}

/**
 * Tells Rio's database from another application's by reading it only (nothing is set or written):
 * an empty database (no tables, schema version 0) is new; one at a schema version Rio knows that
 * holds every table of that version ({@link tablesAt}) is Rio's; one at a later version is a newer
 * Rio's, unless it holds tables and none of Rio's; anything else belongs to another application,
 * and Rio neither migrates it nor sets its journal mode.
 * @param db - a connection to the file
 * @param file - its absolute path, for messages
 * @returns the schema version and whether the database is new
 * @throws {@link RioDatabaseUnrecognizedError} `not_rio`
 * @throws {@link RioDatabaseTooNewError} when a newer Rio migrated it
 * @throws the driver's error when the file cannot be read (see {@link openFailure})
 */
export function recognizeSchema(db: Database, file: string): { version: number; fresh: boolean } {
  const version = db.pragma('user_version', { simple: true }) as number
  const tables = db
    .prepare(
      `SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name`,
    )
    .pluck()
    .all() as string[]
  if (tables.length === 0 && version === 0) return { version, fresh: true }
  const known = migrations.length
  if (version > known) {
    const anyOfRio = tablesAt(known).some((table) => tables.includes(table))
    if (anyOfRio || tables.length === 0) throw new RioDatabaseTooNewError(version, known, file)
  }
  const missing = tablesAt(version === 0 ? known : Math.min(version, known)).filter(
    (table) => !tables.includes(table),
  )
  if (missing.length === 0) {
    if (version === 0)
      throw unrecognized(
        file,
        'not_rio',
        `it holds Rio's tables but no schema version (PRAGMA user_version is 0), as a copy made with \`sqlite3 .dump\` does; if it is one, set the version of the Rio it came from (\`sqlite3 ${file} 'PRAGMA user_version = ${known}'\` for this Rio) and check it with \`rio check\``,
      )
    return { version, fresh: false }
  }
  throw unrecognized(
    file,
    'not_rio',
    version === 0
      ? `it is another application's SQLite database (tables ${listed(tables)}); Rio creates its tables only in an empty database. Give Rio a file of its own, or, to keep Rio's tables in that application's database on purpose, open it yourself and pass Rio the connection (\`new Rio({ database: db })\`)`
      : `it is another application's SQLite database: Rio's tables ${listed(missing)} are missing (it holds ${listed(tables)}), and its schema version ${version} was set by that application; give Rio a file of its own`,
  )
}

/**
 * The error for a failure while opening, recognising or setting up a database file: a damaged
 * file (`SQLITE_CORRUPT`, `SQLITE_NOTADB`) becomes a {@link RioDatabaseCorruptError} saying what
 * is wrong with it when that can be told (cut short) and what to do; any other driver error a
 * {@link RioDatabaseError} naming the file; Rio's own errors pass as they are.
 * @param error - what was thrown
 * @param file - the absolute path, or undefined for an in-memory database or a host's connection
 */
export function openFailure(error: unknown, file: string | undefined): unknown {
  if (!(error instanceof Error) || !('code' in error) || typeof error.code !== 'string') return error
  if (!error.code.startsWith('SQLITE')) return error
  if (file === undefined)
    return new RioDatabaseError(`cannot use the SQLite database: ${error.message}`, { cause: error })
  if (!isCorruptCode(error.code))
    return new RioDatabaseError(`cannot use the SQLite database ${file}: ${error.message}`, { cause: error })
  return new RioDatabaseCorruptError(
    file,
    `cannot open the database ${file}: it is damaged: ${describeDamage(error as Error & { code: string }, file)}. To go on, ${repairAdvice(file)}`,
    { cause: error },
  )
}

/**
 * What is wrong with a file SQLite found damaged, for a message: how it was cut short, when its
 * header tells, then SQLite's code and words.
 * @param error - the driver's error (`SQLITE_CORRUPT`, `SQLITE_NOTADB`)
 * @param file - the file, as an absolute path
 */
export function describeDamage(error: Error & { readonly code: string }, file: string): string {
  let why: string | null = null
  try {
    const wal = statSync(`${file}-wal`, { throwIfNoEntry: false })
    why = describeTruncation(readHeader(file), statSync(file).size, wal?.size ?? 0)
  } catch {
    // Cannot look closer: the driver's word stands.
  }
  return `${why ?? 'SQLite cannot read it'} (${error.code}: ${error.message})`
}

/**
 * The mode a database file Rio creates gets: readable and writable by its owner only. It holds
 * event payloads (often personal data), the handlers' signing secrets in clear (they sign) and the
 * senders' secret hashes; SQLite gives its `-wal` and `-shm` files the database file's mode, so
 * they are kept as private. An existing file keeps the mode it has (an administrator may have
 * opened it to a group on purpose).
 */
export const DATABASE_FILE_MODE = 0o600

/** Symbolic links followed to the file they name before giving up (SQLite follows 100). */
const MAX_LINKS = 40

/**
 * Creates the database file, empty and with mode {@link DATABASE_FILE_MODE}, when nothing is at
 * `file` yet, so that SQLite opens a file that was never readable by others (SQLite itself creates
 * a missing file with mode 644 less the umask: readable by every user on the machine). Created
 * exclusively (`O_EXCL`), so a file that appears meanwhile is never opened here nor changed; a
 * symbolic link to nothing gets the file it names created, as SQLite would. Nothing is created,
 * and nothing said, when the file cannot be created (a missing directory, no permission): SQLite's
 * open reports that in its own words. A non-empty `-wal` file beside a missing database file is
 * refused, as beside an empty one (see {@link inspectPath}): SQLite would delete it on open.
 * @param file - an absolute path, where {@link inspectPath} found nothing or a link to nothing
 * @throws {@link RioDatabaseUnrecognizedError} `wal_without_database`
 */
export function createDatabaseFile(file: string): void {
  let target = file
  for (let links = 0; links <= MAX_LINKS; links++) {
    let here: Stats | undefined
    let wal: Stats | undefined
    try {
      here = lstatSync(target, { throwIfNoEntry: false })
      if (here?.isSymbolicLink()) {
        target = resolve(dirname(target), readlinkSync(target))
        continue
      }
      wal = here ? undefined : statSync(`${target}-wal`, { throwIfNoEntry: false })
    } catch {
      // Cannot look (no permission, a link removed meanwhile): SQLite's open says what is wrong.
      return
    }
    // A file is there (made meanwhile): it keeps its mode.
    if (here) return
    if (wal?.isFile() && wal.size > 0)
      throw unrecognized(
        target,
        'wal_without_database',
        `nothing is at that path, but ${target}-wal beside it holds ${wal.size} bytes: the database file was moved or deleted without its -wal file. SQLite would delete that -wal file on open, and the events in it with it, so nothing was opened. Put the database file back beside its -wal file, or move the -wal file away to start an empty database`,
      )
    try {
      closeSync(
        openSync(target, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, DATABASE_FILE_MODE),
      )
    } catch {
      // Made meanwhile (it keeps its mode), or cannot be made: SQLite's open says why.
    }
    return
  }
}

/**
 * Opens a database file for the store, refusing, before anything is written to it, what is not
 * Rio's: a path that is not a file, a file that is not SQLite, another application's database, a
 * damaged file, an empty or missing file beside a `-wal` file. A missing file is created with mode
 * {@link DATABASE_FILE_MODE} (owner only) before SQLite opens it; an existing one keeps its mode.
 * `':memory:'` and `''` (a temporary database) open as they are.
 * @param path - as given (relative paths resolve against the current directory)
 * @returns the open connection; its journal mode and other pragmas are still the file's own
 * @throws {@link RioDatabaseUnrecognizedError} for a file that is not Rio's
 * @throws {@link RioDatabaseCorruptError} for a damaged file
 * @throws {@link RioDatabaseTooNewError} for a database a newer Rio migrated
 * @throws {@link RioDatabaseError} when the file cannot be opened (a missing directory, no permission)
 */
export function openDatabaseFile(path: string): Database {
  const file = path === '' || path === ':memory:' ? undefined : resolve(path)
  if (file) {
    inspectPath(file)
    createDatabaseFile(file)
  }
  let db: Database
  try {
    db = new BetterSqlite3(path)
  } catch (cause) {
    throw new RioDatabaseError(
      `cannot open the SQLite database "${path}": ${(cause as Error).message}; check that the directory exists and is writable`,
      { cause },
    )
  }
  if (!file) return db
  try {
    recognizeSchema(db, file)
  } catch (error) {
    db.close()
    throw openFailure(error, file)
  }
  return db
}
