import { spawnSync } from 'node:child_process'
import { chmodSync, mkdirSync, readFileSync, statSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { Rio, RioDatabaseUnrecognizedError } from '../../src/index.js'
import { DATABASE_FILE_MODE } from '../../src/store/sqlite/open-database-file.js'
import { makeRio, onCleanup, tempDir } from '../helpers.js'

/** The permission bits of a file. */
const modeOf = (file: string) => statSync(file).mode & 0o777

/** How many of `markers` can be read in the raw bytes of `file`. */
function readable(file: string, markers: readonly string[]): number {
  const bytes = readFileSync(file).toString('latin1')
  return markers.filter((marker) => bytes.includes(marker)).length
}

// SQLite creates a missing file with mode 644 less the umask: the umask most systems give.
let umask: number
beforeEach(() => {
  umask = process.umask(0o022)
})
afterEach(() => {
  process.umask(umask)
})

describe('database file modes', () => {
  it('creates a new database, its -wal and its -shm file readable by their owner only', async () => {
    const file = join(tempDir(), 'rio.db')
    const rio = makeRio({ database: file })
    await rio.emit('order.created', { card: '4111 1111 1111 1111' })
    expect(DATABASE_FILE_MODE).toBe(0o600)
    expect([modeOf(file), modeOf(`${file}-wal`), modeOf(`${file}-shm`)]).toEqual([0o600, 0o600, 0o600])
  })

  it('keeps the mode an administrator gave an existing database, and SQLite gives it to the -wal and -shm', async () => {
    const file = join(tempDir(), 'rio.db')
    await new Rio({ database: file }).stop()
    chmodSync(file, 0o640)
    const rio = makeRio({ database: file })
    await rio.emit('order.created', {})
    expect([modeOf(file), modeOf(`${file}-wal`), modeOf(`${file}-shm`)]).toEqual([0o640, 0o640, 0o640])
  })

  it('creates the file a symbolic link to nothing names, readable by its owner only', async () => {
    const dir = tempDir()
    symlinkSync('data/rio.db', join(dir, 'link.db'))
    mkdirSync(join(dir, 'data'))
    const rio = makeRio({ database: join(dir, 'link.db') })
    await rio.emit('order.created', {})
    expect(modeOf(join(dir, 'data', 'rio.db'))).toBe(0o600)
  })

  it('refuses a missing database beside a -wal file holding data, and keeps that -wal file', async () => {
    const dir = tempDir()
    const file = join(dir, 'rio.db')
    const db = new BetterSqlite3(file)
    db.pragma('journal_mode = WAL')
    db.exec('CREATE TABLE t (x); INSERT INTO t VALUES (1)')
    const wal = readFileSync(`${file}-wal`)
    db.close()
    // The database file was moved away without its -wal file.
    unlinkSync(file)
    writeFileSync(`${file}-wal`, wal)
    let error: unknown
    try {
      new Rio({ database: file })
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(RioDatabaseUnrecognizedError)
    expect(error).toMatchObject({ reason: 'wal_without_database', path: file })
    expect((error as Error).message).toContain(`nothing is at that path, but ${file}-wal beside it holds`)
    expect(readFileSync(`${file}-wal`)).toEqual(wal)
    expect(statSync(file, { throwIfNoEntry: false })).toBeUndefined()
  })

  it.skipIf(process.getuid?.() !== 0)(
    'keeps a new database from another user of the machine (a child run as nobody)',
    async () => {
      const dir = tempDir()
      // The directory is open to all, so only the file's own mode stands in the way.
      chmodSync(dir, 0o755)
      const file = join(dir, 'rio.db')
      const rio = makeRio({ database: file })
      await rio.emit('order.created', { card: '4111 1111 1111 1111' })
      const read = (path: string) =>
        spawnSync(process.execPath, ['-e', `require('fs').readFileSync(${JSON.stringify(path)})`], {
          uid: 65534,
          gid: 65534,
          encoding: 'utf8',
        })
      for (const path of [file, `${file}-wal`]) {
        const denied = read(path)
        expect(denied.status, path).not.toBe(0)
        expect(denied.stderr).toContain('EACCES')
      }
      // The same child reads a file the administrator opened to every user: the check is real.
      chmodSync(file, 0o644)
      expect(read(file).status).toBe(0)
    },
  )
})

describe('deleted payloads', () => {
  /** Emits `count` events with unique markers that no handler subscribes to (finished at once). */
  async function emitMarked(rio: Rio, count: number): Promise<string[]> {
    const markers = Array.from({ length: count }, (_, i) => `PERSONAL-DATA-${String(i).padStart(5, '0')}`)
    await Promise.all(
      markers.map((marker) => rio.emit('user.signed-up', { email: marker, pad: 'x'.repeat(300) })),
    )
    return markers
  }

  it('cannot be read back from the database file, nor from a backup, after a cleanup', async () => {
    const dir = tempDir()
    const file = join(dir, 'rio.db')
    const rio = new Rio({ database: file })
    onCleanup(() => rio.stop())
    const markers = await emitMarked(rio, 300)
    expect(readable(file, markers) + readable(`${file}-wal`, markers)).toBeGreaterThan(0)
    const removed = await rio.cleanup({ olderThan: new Date(Date.now() + 60_000) })
    expect(removed.events).toBe(300)
    const backup = await rio.backup(join(dir, 'copy.db'))
    expect(readable(backup.path, markers)).toBe(0)
    await rio.stop()
    expect(readable(file, markers)).toBe(0)
  })

  it('leaves a connection the host opened with the secure_delete it has', async () => {
    const db = new BetterSqlite3(join(tempDir(), 'host.db'))
    onCleanup(() => {
      db.close()
    })
    const rio = new Rio({ database: db })
    onCleanup(() => rio.stop())
    expect(db.pragma('secure_delete', { simple: true })).toBe(0)
    const own = new Rio({ database: join(tempDir(), 'rio.db') })
    onCleanup(() => own.stop())
    expect(own.db?.pragma('secure_delete', { simple: true })).toBe(1)
  })
})
