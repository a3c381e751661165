import type { Database } from 'better-sqlite3'
import { RioDatabaseError, RioDatabaseTooNewError } from '../../errors.js'
import type { MigrationReport } from '../store.js'
import { initial } from './migrations/0001-initial.js'

/** Append-only: never edit a shipped migration, add the next number. */
export const migrations: ReadonlyArray<{ readonly name: string; readonly sql: string }> = [
  { name: '0001-initial', sql: initial },
]

/**
 * Brings the schema to the newest version, one transaction per migration, tracking the version in
 * `PRAGMA user_version`. Refuses a database migrated by a newer Rio.
 * @throws {@link RioDatabaseTooNewError} when the file is ahead of this code
 * @throws {@link RioDatabaseError} when a migration fails (that migration is rolled back)
 */
export function migrate(db: Database): MigrationReport {
  const from = db.pragma('user_version', { simple: true }) as number
  const to = migrations.length
  if (from > to) throw new RioDatabaseTooNewError(from, to)
  const applied: string[] = []
  for (let version = from; version < to; version++) {
    const migration = migrations[version]!
    try {
      // IMMEDIATE: two processes opening a new file at once must not both apply the same step.
      db.transaction(() => {
        const current = db.pragma('user_version', { simple: true }) as number
        if (current !== version) return
        db.exec(migration.sql)
        db.pragma(`user_version = ${version + 1}`)
        applied.push(migration.name)
      }).immediate()
    } catch (cause) {
      throw new RioDatabaseError(`migration ${migration.name} failed and was rolled back: ${String(cause)}`, {
        cause,
      })
    }
  }
  return { from, to, applied }
}
