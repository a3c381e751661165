import {
  chmodSync,
  linkSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import {
  backupDatabase,
  Rio,
  RioConflictError,
  RioDatabaseError,
  RioValidationError,
} from '../../src/index.js'
import { makeRio, onCleanup, tempDir } from '../helpers.js'

/** The copy's event ids and its `PRAGMA integrity_check` answer, read without Rio. */
function readCopy(path: string): { ids: Set<string>; integrity: string } {
  const db = new BetterSqlite3(path, { readonly: true })
  try {
    const ids = new Set(db.prepare('SELECT id FROM events').pluck().all() as string[])
    return { ids, integrity: db.pragma('integrity_check', { simple: true }) as string }
  } finally {
    db.close()
  }
}

/** Files in `dir` a backup left under a temporary name. */
const partials = (dir: string) => readdirSync(dir).filter((name) => name.includes('.partial-'))

/** Emits `count` events in batches of 1 000. */
async function seed(rio: Rio, count: number): Promise<void> {
  for (let i = 0; i < count; i += 1000)
    await rio.emitMany(
      Array.from({ length: Math.min(1000, count - i) }, (_, j) => ({
        name: 'order.paid',
        payload: { n: i + j, note: 'x'.repeat(200) },
      })),
    )
}

describe('rio.backup()', () => {
  it('copies every acknowledged event while emits go on, without blocking the event loop', async () => {
    const dir = tempDir()
    const rio = makeRio({ database: join(dir, 'rio.db') })
    await rio.webhook('order.*', { url: 'http://127.0.0.1:9/hook' })
    await seed(rio, 20_000)
    // Emits keep arriving, 16 at a time, for as long as the test runs.
    const acknowledged: string[] = []
    let writing = true
    const writers = Array.from({ length: 16 }, async () => {
      while (writing) acknowledged.push((await rio.emit('order.paid', { n: -1 })).id)
    })
    onCleanup(async () => {
      writing = false
      await Promise.all(writers)
    })
    while (acknowledged.length < 200) await new Promise((resolve) => setTimeout(resolve, 5))

    const before = [...acknowledged]
    let ticks = 0
    const timer = setInterval(() => ticks++, 2)
    const emittedBefore = acknowledged.length
    const progress: number[] = []
    const report = await rio.backup(join(dir, 'copy.db'), {
      onProgress: (p) => progress.push(p.remainingPages),
    })
    const emittedDuring = acknowledged.length - emittedBefore
    clearInterval(timer)

    // The event loop ran: timers fired and emits were acknowledged while the copy was made.
    expect(ticks).toBeGreaterThan(2)
    expect(emittedDuring).toBeGreaterThan(0)
    expect(progress.length).toBeGreaterThan(0)
    const copy = readCopy(report.path)
    expect(copy.integrity).toBe('ok')
    for (const id of before) expect(copy.ids.has(id), id).toBe(true)
    expect(report).toMatchObject({
      database: join(dir, 'rio.db'),
      path: join(dir, 'copy.db'),
      bytes: statSync(report.path).size,
      events: copy.ids.size,
      deliveries: copy.ids.size,
      schemaVersion: 1,
    })
    expect(report.events).toBeGreaterThanOrEqual(20_000 + before.length)
    // Readable by its owner only: it holds signing secrets and payloads.
    expect(statSync(report.path).mode & 0o777).toBe(0o600)
    expect(partials(dir)).toEqual([])

    // Rio opens the copy as it is.
    writing = false
    await Promise.all(writers)
    const restored = new Rio({ database: report.path })
    onCleanup(() => restored.stop())
    expect((await restored.listEvents({ limit: 1 }))[0]?.id).toBe(
      [...copy.ids].sort().at(-1), // the newest id in the copy
    )
  })

  it('refuses a destination that is the database or one of its files, and changes nothing', async () => {
    const dir = tempDir()
    const database = join(dir, 'rio.db')
    const rio = makeRio({ database })
    await rio.emit('x', {})
    mkdirSync(join(dir, 'sub'))
    linkSync(database, join(dir, 'hard-link.db'))
    symlinkSync(database, join(dir, 'symbolic-link.db'))
    symlinkSync(dir, join(dir, 'same-dir'))
    const original = readFileSync(database)
    for (const destination of [
      database,
      `${database}-wal`,
      `${database}-shm`,
      join(dir, 'sub', '..', 'rio.db'),
      join(dir, 'hard-link.db'),
      join(dir, 'symbolic-link.db'),
      join(dir, 'same-dir', 'rio.db-wal'),
    ]) {
      const error = await rio.backup(destination, { force: true }).catch((e: unknown) => e)
      expect(error, destination).toBeInstanceOf(RioValidationError)
      expect((error as Error).message).toMatch(/is the database .* write the copy somewhere else/)
    }
    expect(readFileSync(database).equals(original)).toBe(true)
    expect(await rio.listEvents({})).toHaveLength(1)
    expect(partials(dir)).toEqual([])
  })

  it('refuses a directory, a missing directory, an empty path, and an existing file unless forced', async () => {
    const dir = tempDir()
    const rio = makeRio({ database: join(dir, 'rio.db') })
    await rio.emit('x', {})

    await expect(rio.backup(dir)).rejects.toThrow(/is a directory; give the path of the file/)
    await expect(rio.backup(join(dir, 'missing', 'copy.db'))).rejects.toThrow(
      new RegExp(`directory ${join(dir, 'missing')} does not exist; create it`),
    )
    await expect(rio.backup('  ')).rejects.toBeInstanceOf(RioValidationError)

    const existing = join(dir, 'old-copy.db')
    writeFileSync(existing, 'yesterday')
    const error = await rio.backup(existing).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RioConflictError)
    expect((error as Error).message).toBe(
      `the backup destination ${existing} exists; pass force: true to replace it`,
    )
    expect(readFileSync(existing, 'utf8')).toBe('yesterday')

    const report = await rio.backup(existing, { force: true })
    expect(report.events).toBe(1)
    expect(readCopy(existing).integrity).toBe('ok')
    expect(partials(dir)).toEqual([])
  })

  it('leaves nothing behind when the copy fails part way', async () => {
    const dir = tempDir()
    const rio = makeRio({ database: join(dir, 'rio.db') })
    await seed(rio, 20_000) // more than one step of pages
    const stop = new Error('stop here')
    await expect(
      rio.backup(join(dir, 'copy.db'), {
        onProgress: () => {
          throw stop
        },
      }),
    ).rejects.toBe(stop)
    expect(readdirSync(dir).filter((name) => name.startsWith('copy.db'))).toEqual([])
  })

  it('refuses a file that is not a Rio database, and leaves it as it was', async () => {
    const dir = tempDir()
    const other = join(dir, 'other.db')
    const db = new BetterSqlite3(other)
    db.exec('CREATE TABLE notes (body TEXT)')
    db.close()
    const text = join(dir, 'notes.txt')
    writeFileSync(text, 'not a database at all, but long enough to have a header'.repeat(4))

    await expect(backupDatabase(other, join(dir, 'a.db'))).rejects.toThrow(
      /is a SQLite database but not Rio's \(no events and deliveries tables; schema version 0\)/,
    )
    await expect(backupDatabase(text, join(dir, 'b.db'))).rejects.toThrow(/is not a SQLite database/)
    await expect(backupDatabase(join(dir, 'nope.db'), join(dir, 'c.db'))).rejects.toBeInstanceOf(
      RioDatabaseError,
    )
    const reopened = new BetterSqlite3(other, { readonly: true })
    expect(reopened.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").pluck().all()).toEqual([
      'notes',
    ])
    reopened.close()
    expect(readdirSync(dir).sort()).toEqual(['notes.txt', 'other.db'])
  })

  it('refuses an in-memory Rio, and a stopped one', async () => {
    const memory = makeRio({ database: ':memory:' })
    await expect(memory.backup(join(tempDir(), 'copy.db'))).rejects.toThrow(
      /copies a database file, and this Rio has none/,
    )
    const rio = makeRio()
    await rio.stop()
    await expect(rio.backup(join(tempDir(), 'copy.db'))).rejects.toMatchObject({ code: 'closed' })
  })

  // root writes anywhere, so the refusal cannot be seen as root.
  it.skipIf(process.getuid?.() === 0)('names the destination when it cannot be written', async () => {
    const dir = tempDir()
    const rio = makeRio({ database: join(dir, 'rio.db') })
    await rio.emit('x', {})
    const locked = join(dir, 'locked')
    mkdirSync(locked)
    chmodSync(locked, 0o500)
    onCleanup(() => chmodSync(locked, 0o700))
    const error = await rio.backup(join(locked, 'copy.db')).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RioDatabaseError)
    expect((error as Error).message).toMatch(
      new RegExp(`cannot write the backup ${join(locked, 'copy.db')}: .*check that this user may write`),
    )
    expect(readdirSync(locked)).toEqual([])
  })
})
