import { statSync } from 'node:fs'
import { resolve } from 'node:path'
import BetterSqlite3, { type Database } from 'better-sqlite3'
import { RioDatabaseError, RioError, RioValidationError } from '../../errors.js'
import { describeDamage, inspectPath, openFailure, recognizeSchema } from './open-database-file.js'
import { isCorruptCode } from './sqlite-failure.js'

/** Options of {@link checkDatabase}. */
export interface CheckOptions {
  /**
   * Run `PRAGMA integrity_check`, which also compares every index with its table, instead of
   * `PRAGMA quick_check`, which checks the structure of every page. @default false
   */
  full?: boolean
  /** The most lines of SQLite's own report kept in `problems`. @default 100 */
  maxProblems?: number
}

/** What {@link checkDatabase} found. */
export interface CheckReport {
  /** The file checked, as an absolute path. */
  readonly database: string
  /** No problem found. */
  readonly ok: boolean
  /**
   * SQLite found the file damaged (bad pages, an index that disagrees with its table, a file cut
   * short), as opposed to a file that is intact but not Rio's database.
   */
  readonly damaged: boolean
  /** `quick` (`PRAGMA quick_check`) or `full` (`PRAGMA integrity_check`). */
  readonly mode: 'quick' | 'full'
  /** `PRAGMA user_version`, or null when the file could not be read as a SQLite database. */
  readonly schemaVersion: number | null
  /**
   * One sentence per problem: the file is not Rio's database (not a file, not SQLite, another
   * application's), it is damaged (SQLite's own lines, at most `maxProblems`), or rows refer to
   * rows that do not exist.
   */
  readonly problems: readonly string[]
  /** How long the check took, in ms. */
  readonly durationMs: number
}

/** `PRAGMA foreign_key_check` rows: a row of `table` whose `parent` row does not exist. */
interface ForeignKeyRow {
  readonly table: string
  readonly parent: string
}

/**
 * Checks a database file without changing it: whether it is Rio's, whether SQLite finds it
 * damaged (`PRAGMA quick_check`, or with `full` `PRAGMA integrity_check`), and whether every row
 * refers to rows that exist (`PRAGMA foreign_key_check`). It opens the file read-only (a running
 * Rio may go on meanwhile; the check sees one snapshot), never migrates it, applies no `-wal` file
 * to it and deletes none; SQLite may leave an empty `-wal` and a `-shm` file beside it. The check
 * reads the whole file and blocks the calling thread meanwhile (about 0.1 s per 100 MB quick,
 * more in full; docs/reliability.md has figures).
 * @param path - the database file
 * @param options.full - also compare indexes with their tables @default false
 * @param options.maxProblems - the most lines of SQLite's report kept @default 100
 * @returns the report: `ok` is false when anything was found
 * @throws {@link RioValidationError} `invalid_argument` when `path` is empty or `:memory:`
 * @throws {@link RioDatabaseError} when nothing is at `path`, or it cannot be opened (no permission)
 * @example
 * ```ts
 * import { checkDatabase } from '@rio/core'
 * const { ok, problems } = checkDatabase('./rio.db')
 * if (!ok) console.error(problems.join('\n'))
 * ```
 */
export function checkDatabase(path: string, options: CheckOptions = {}): CheckReport {
  const started = performance.now()
  if (typeof path !== 'string' || path === '' || path === ':memory:')
    throw new RioValidationError('invalid_argument', 'checkDatabase() needs the path of a database file')
  const database = resolve(path)
  const mode = options.full ? 'full' : 'quick'
  const max = options.maxProblems ?? 100
  const report = (
    problems: readonly string[],
    schemaVersion: number | null = null,
    damaged = false,
  ): CheckReport => ({
    database,
    ok: problems.length === 0,
    damaged,
    mode,
    schemaVersion,
    problems,
    durationMs: Math.round(performance.now() - started),
  })
  try {
    inspectPath(database)
  } catch (error) {
    if (error instanceof RioError) return report([error.message])
    throw error
  }
  if (!statSync(database, { throwIfNoEntry: false }))
    throw new RioDatabaseError(`cannot check ${database}: no such file`)
  let db: Database
  try {
    db = new BetterSqlite3(database, { readonly: true, fileMustExist: true })
  } catch (cause) {
    throw new RioDatabaseError(`cannot check ${database}: ${(cause as Error).message}`, { cause })
  }
  try {
    const problems: string[] = []
    let damaged = false
    const read = <T>(fn: () => T): T | undefined => {
      try {
        return fn()
      } catch (error) {
        const code = (error as { code?: unknown }).code
        if (typeof code === 'string' && isCorruptCode(code)) {
          damaged = true
          problems.push(`damaged: ${describeDamage(error as Error & { code: string }, database)}`)
          return undefined
        }
        const failure = openFailure(error, database)
        if (!(failure instanceof Error)) throw failure
        problems.push(failure.message)
        return undefined
      }
    }
    const schemaVersion = read(() => db.pragma('user_version', { simple: true }) as number) ?? null
    if (read(() => recognizeSchema(db, database))?.fresh)
      problems.push(
        `${database} is an empty database: it holds no Rio tables yet (\`rio migrate\` creates them)`,
      )
    const lines = read(() =>
      db.pragma(`${options.full ? 'integrity_check' : 'quick_check'}(${max})`, { simple: false }),
    )
    for (const row of (lines ?? []) as Array<Record<string, string>>) {
      const line = Object.values(row)[0]
      if (line === undefined || line === 'ok') continue
      damaged = true
      problems.push(`damaged: ${line}`)
    }
    const orphans = read(() => db.pragma('foreign_key_check') as ForeignKeyRow[]) ?? []
    const counts = new Map<string, ForeignKeyRow & { count: number }>()
    for (const { table, parent } of orphans) {
      const key = JSON.stringify([table, parent])
      const seen = counts.get(key)
      if (seen) seen.count++
      else counts.set(key, { table, parent, count: 1 })
    }
    for (const { table, parent, count } of counts.values()) {
      problems.push(
        `${count} ${count === 1 ? 'row' : 'rows'} of ${table} refer to ${parent} rows that do not exist`,
      )
    }
    // One message per cause: a damaged file fails the identity check and the page check alike.
    return report([...new Set(problems)], schemaVersion, damaged)
  } finally {
    db.close()
  }
}
