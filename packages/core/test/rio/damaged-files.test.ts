import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import {
  closeSync,
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import BetterSqlite3 from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import {
  checkDatabase,
  Rio,
  RioDatabaseCorruptError,
  RioDatabaseError,
  RioDatabaseTooNewError,
  RioDatabaseUnrecognizedError,
} from '../../src/index.js'
import { storeFault } from '../../src/store/store-fault.js'
import { onCleanup, tempDir, waitUntil } from '../helpers.js'

/** A Rio database at `file` holding `events` events, each with one pending delivery, closed. */
async function rioFile(file: string, events = 200): Promise<void> {
  const rio = new Rio({ database: file })
  await rio.webhook('order.*', { url: 'http://127.0.0.1:9/hook', name: 'hook' })
  for (let i = 0; i < events; i += 100)
    await rio.emitMany(Array.from({ length: 100 }, (_, n) => ({ name: 'order.paid', payload: { n: i + n } })))
  await rio.stop()
}

/** A SQLite file made with `sql`, closed. */
function sqliteFile(file: string, sql: string): void {
  const db = new BetterSqlite3(file)
  db.exec(sql)
  db.close()
}

/**
 * Overwrites the first (root) or last page of a table or index with garbage, as a failing disk or
 * a stray writer would, then commits through another connection so every open one drops its
 * cached pages. The page is found with `dbstat` after a checkpoint, so it lives in the main file.
 * @returns the page number
 */
function damagePage(file: string, name: string, which: 'first' | 'last' = 'first'): number {
  const db = new BetterSqlite3(file)
  db.pragma('wal_checkpoint(TRUNCATE)')
  const pages = db
    .prepare('SELECT pageno FROM dbstat WHERE name = ? ORDER BY pageno')
    .pluck()
    .all(name) as number[]
  const page = (which === 'first' ? pages[0] : pages.at(-1))!
  const pageSize = db.pragma('page_size', { simple: true }) as number
  const fd = openSync(file, 'r+')
  writeSync(fd, Buffer.alloc(pageSize, 0x5a), 0, pageSize, (page - 1) * pageSize)
  closeSync(fd)
  db.exec('CREATE TABLE poke (x); DROP TABLE poke')
  db.close()
  return page
}

/** Every file in `dir` with its bytes, to show nothing was changed, created or deleted. */
function snapshot(dir: string): Record<string, string> {
  const files: Record<string, string> = {}
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name)
    const stats = lstatSync(path)
    files[name] = stats.isFile() ? readFileSync(path).toString('base64') : String(stats.mode)
  }
  return files
}

/** What opening `file` threw. */
function openError(file: string): Error {
  try {
    const rio = new Rio({ database: file })
    void rio.stop()
  } catch (error) {
    return error as Error
  }
  throw new Error(`${file} opened`)
}

describe('files that are not a Rio database', () => {
  const cases: Array<{
    name: string
    make: (file: string, dir: string) => Promise<void> | void
    reason: string
    message: RegExp
  }> = [
    {
      name: 'a directory',
      make: (file) => mkdirSync(file),
      reason: 'not_a_file',
      message: /it is a directory; give the path of a database file/,
    },
    {
      name: 'a fifo',
      make: (file) => expect(spawnSync('mkfifo', [file]).status).toBe(0),
      reason: 'not_a_file',
      message: /it is a named pipe \(fifo\), not a database file/,
    },
    {
      name: 'a symbolic link that loops',
      make: (file, dir) => {
        symlinkSync(join(dir, 'other.db'), file)
        symlinkSync(file, join(dir, 'other.db'))
      },
      reason: 'not_a_file',
      message: /it is a symbolic link that loops/,
    },
    {
      name: 'a text file',
      make: (file) => writeFileSync(file, 'DATABASE_URL=postgres://localhost/app\n'),
      reason: 'not_sqlite',
      message: /it is not a SQLite database but a text file \(it starts "DATABASE_URL=postgres:/,
    },
    {
      name: 'random bytes',
      make: (file) => writeFileSync(file, Buffer.concat([Buffer.from([0x80, 0x01]), randomBytes(8190)])),
      reason: 'not_sqlite',
      message: /it is not a SQLite database but data without a SQLite header/,
    },
    {
      name: 'zeros',
      make: (file) => writeFileSync(file, Buffer.alloc(8192)),
      reason: 'not_sqlite',
      message: /only zero bytes where SQLite keeps its header/,
    },
    {
      name: 'a gzip of a Rio database',
      make: async (file, dir) => {
        await rioFile(join(dir, 'real.db'))
        writeFileSync(file, gzipSync(readFileSync(join(dir, 'real.db'))))
        rmSync(join(dir, 'real.db'))
      },
      reason: 'not_sqlite',
      message: /a gzip-compressed file: decompress it first \(`gunzip`\)/,
    },
    {
      name: "another application's database",
      make: (file) =>
        sqliteFile(
          file,
          "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO customers (name) VALUES ('ann')",
        ),
      reason: 'not_rio',
      message:
        /it is another application's SQLite database \(tables "customers"\); Rio creates its tables only in an empty database/,
    },
    {
      name: "tables named like Rio's with other columns",
      make: (file) =>
        sqliteFile(
          file,
          'CREATE TABLE events (id INTEGER PRIMARY KEY, what TEXT); CREATE TABLE deliveries (id, x)',
        ),
      reason: 'not_rio',
      message: /another application's SQLite database \(tables "deliveries", "events"\)/,
    },
    {
      name: 'a schema version set by another application',
      make: (file) => sqliteFile(file, 'CREATE TABLE events (id, what); PRAGMA user_version = 1'),
      reason: 'not_rio',
      message:
        /Rio's tables "projects", "senders", "handlers", "deliveries", "attempts" are missing \(it holds "events"\), and its schema version 1 was set by that application/,
    },
    {
      name: "another application's database at a version above Rio's",
      make: (file) => sqliteFile(file, 'CREATE TABLE customers (id); PRAGMA user_version = 7'),
      reason: 'not_rio',
      message: /its schema version 7 was set by that application/,
    },
    {
      name: "Rio's tables without a schema version (a .dump copy)",
      make: async (file, dir) => {
        await rioFile(join(dir, 'real.db'))
        const db = new BetterSqlite3(join(dir, 'real.db'))
        const schema = db
          .prepare('SELECT sql FROM sqlite_schema WHERE sql IS NOT NULL')
          .pluck()
          .all() as string[]
        db.close()
        rmSync(join(dir, 'real.db'))
        sqliteFile(file, `${schema.join(';\n')};`)
      },
      reason: 'not_rio',
      message: /it holds Rio's tables but no schema version .*PRAGMA user_version = 1/,
    },
    {
      name: 'an empty file beside a -wal file holding data',
      make: async (file, dir) => {
        // The -wal file of a database whose main file was then lost: its commits are only there.
        const source = join(dir, 'source.db')
        await rioFile(source)
        const db = new BetterSqlite3(source)
        db.pragma('wal_autocheckpoint = 0')
        db.prepare("UPDATE deliveries SET status = 'dead'").run()
        copyFileSync(`${source}-wal`, `${file}-wal`)
        db.close()
        for (const name of readdirSync(dir)) if (name.startsWith('source.db')) rmSync(join(dir, name))
        writeFileSync(file, '')
      },
      reason: 'wal_without_database',
      message:
        /it is empty, but .*rio\.db-wal beside it holds \d+ bytes.*SQLite would delete that -wal file on open/,
    },
  ]

  it.each(cases)('refuses $name with a typed error naming the file, and changes nothing', async (c) => {
    const dir = tempDir()
    const file = join(dir, 'rio.db')
    await c.make(file, dir)
    const before = snapshot(dir)

    const error = openError(file)

    expect(error).toBeInstanceOf(RioDatabaseUnrecognizedError)
    expect(error).toMatchObject({ code: 'database_unrecognized', reason: c.reason, path: file })
    expect(error.message).toContain(`cannot use ${file} as Rio's database: `)
    expect(error.message).toMatch(c.message)
    expect(snapshot(dir)).toEqual(before)
    // Reported by `rio check` alike, still without a change.
    const report = checkDatabase(file)
    expect(report).toMatchObject({ ok: false, damaged: false })
    expect(report.problems.join('\n')).toMatch(c.message)
    expect(snapshot(dir)).toEqual(before)
  })

  it('refuses a Rio database cut short, saying so, and changes nothing', async () => {
    const dir = tempDir()
    const file = join(dir, 'rio.db')
    await rioFile(file, 2000)
    const size = statSync(file).size
    truncateSync(file, Math.floor(size / 2 / 4096) * 4096)
    const before = snapshot(dir)

    const error = openError(file)

    expect(error).toBeInstanceOf(RioDatabaseCorruptError)
    expect(error).toMatchObject({ code: 'database_corrupt', fault: 'corrupt', path: file })
    expect(error.message).toMatch(
      new RegExp(
        `^cannot open the database ${file}: it is damaged: it is \\d+ bytes but its header says ${size} .*: the file was cut short`,
      ),
    )
    expect(error.message).toContain(`rio check --database ${file}`)
    expect(error.message).toContain('rio backup')
    expect(snapshot(dir)).toEqual(before)
  })

  it('refuses a database a newer Rio migrated, naming the file', async () => {
    const file = join(tempDir(), 'rio.db')
    await rioFile(file)
    sqliteFile(file, 'PRAGMA user_version = 5')
    const error = openError(file)
    expect(error).toBeInstanceOf(RioDatabaseTooNewError)
    expect(error.message).toBe(
      `the database ${file} is at schema version 5 but this Rio knows versions up to 1; upgrade @rio/core (or open a copy made before the upgrade)`,
    )
  })

  it('creates a new database in an empty file, and at the target of a symbolic link to nothing', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'empty.db'), '')
    symlinkSync(join(dir, 'target.db'), join(dir, 'link.db'))
    for (const name of ['empty.db', 'link.db']) {
      const rio = new Rio({ database: join(dir, name) })
      expect(await rio.migrate()).toMatchObject({ from: 0, to: 1 })
      await rio.emit('order.paid', {})
      await rio.stop()
    }
    expect(checkDatabase(join(dir, 'target.db'))).toMatchObject({ ok: true, schemaVersion: 1 })
  })

  it('opens a database beside a -shm file of garbage, or after a writer died with a hot journal, as SQLite repairs them', async () => {
    const dir = tempDir()
    const file = join(dir, 'rio.db')
    await rioFile(file, 300)
    writeFileSync(`${file}-shm`, randomBytes(32768))
    let rio = new Rio({ database: file })
    expect((await rio.listEvents({ limit: 1000 })).length).toBe(300)
    await rio.stop()

    // A writer in rollback-journal mode (a sqlite3 shell, say) dies mid-transaction: the journal is hot.
    sqliteFile(file, 'PRAGMA journal_mode = DELETE')
    const script = `const db = new (require(${JSON.stringify(createRequire(import.meta.url).resolve('better-sqlite3'))}))(${JSON.stringify(file)});
      db.pragma('cache_size = 2'); db.exec('BEGIN'); db.exec('DELETE FROM deliveries'); db.exec("UPDATE events SET payload = '{}'");
      process.kill(process.pid, 'SIGKILL')`
    spawnSync(process.execPath, ['-e', script])
    expect(statSync(`${file}-journal`).size).toBeGreaterThan(0)
    rio = new Rio({ database: file })
    onCleanup(() => rio.stop())
    expect((await rio.listDeliveries({ limit: 1000 })).length).toBe(300)
    expect((await rio.listEvents({ limit: 1 }))[0]!.payload).not.toEqual({})
    expect(existsSync(`${file}-journal`)).toBe(false)
  })
})

describe('damage found while Rio runs', () => {
  it('rejects emits with a typed error naming the file, and health reports the damage until Rio is restarted', async () => {
    const file = join(tempDir(), 'rio.db')
    await rioFile(file, 2000)
    const rio = new Rio({ database: file, pollIntervalMs: 50, retryJitter: 0 })
    onCleanup(() => rio.stop())
    // 2 000 deliveries wait for a receiver that is not there: not the problem looked at here.
    const health = () => rio.health({ backlogThreshold: 10_000 })
    expect((await health()).ok).toBe(true)
    damagePage(file, 'events_created')

    const error = await rio.emit('order.paid', { n: -1 }).catch((e: unknown) => e as Error)

    expect(error).toBeInstanceOf(RioDatabaseCorruptError)
    expect(error).toMatchObject({ code: 'database_corrupt', fault: 'corrupt', path: file })
    expect(storeFault(error)).toBe('corrupt')
    expect((error as Error).message).toMatch(
      new RegExp(`^cannot write events: the database file ${file} is damaged \\(SQLITE_CORRUPT`),
    )
    expect((error as Error).message).toContain(`rio check --database ${file}`)
    // Writes elsewhere in the file still go through (a redelivery, a handler change): they do not
    // make the damage go away.
    await rio.webhook('order.*', { url: 'http://127.0.0.1:9/other', name: 'other' })
    const report = await health()
    expect(report.ok).toBe(false)
    expect(report.problems).toEqual([
      expect.stringMatching(
        /^the database is damaged: 1 operation has found it so since .*: cannot write events: the database file .* is damaged/,
      ),
    ])
  })

  it('backs off instead of retrying every poll when the handlers it reads are damaged, and never crashes', async () => {
    const file = join(tempDir(), 'rio.db')
    await rioFile(file)
    const rio = new Rio({ database: file, pollIntervalMs: 50, retryJitter: 0 })
    onCleanup(() => rio.stop())
    const errors: Error[] = []
    rio.events.on('error', (error) => errors.push(error))
    const unhandled: unknown[] = []
    const onUnhandled = (reason: unknown) => unhandled.push(reason)
    process.on('unhandledRejection', onUnhandled)
    onCleanup(() => void process.off('unhandledRejection', onUnhandled))
    damagePage(file, 'handlers')

    await rio.start()
    await new Promise((resolve) => setTimeout(resolve, 2000))

    // 50, 100, 200, 400, 800 ms apart: 5 or 6 in 2 s, where every poll (40 in 2 s) failed before.
    expect(errors.length).toBeGreaterThanOrEqual(3)
    expect(errors.length).toBeLessThanOrEqual(7)
    for (const error of errors) {
      expect(error).toBeInstanceOf(RioDatabaseCorruptError)
      // The dispatcher's first reads of a round: its handlers, or which of them have work.
      expect(error.message).toMatch(
        /^cannot (read the handlers|find the next due delivery): the database file .* is damaged/,
      )
    }
    expect(unhandled).toEqual([])
    expect((await rio.health()).problems.join('\n')).toMatch(
      /the database is damaged: \d+ operations have found it so/,
    )
  })

  it('answers the operator API with 503 database_corrupt, and /_health/?full with the damage', async () => {
    const file = join(tempDir(), 'rio.db')
    await rioFile(file)
    const rio = new Rio({ database: file })
    onCleanup(() => rio.stop())
    const server = await rio.listen({ port: 0, host: '127.0.0.1', adminToken: 'admin-token-0123456789' })
    onCleanup(() => server.close())
    damagePage(file, 'deliveries')

    await expect(rio.listDeliveries({ limit: 10 })).rejects.toBeInstanceOf(RioDatabaseCorruptError)
    const listed = await fetch(`${server.url}/api/v1/deliveries`, {
      headers: { authorization: 'Bearer admin-token-0123456789' },
    })
    expect(listed.status).toBe(503)
    const body = (await listed.json()) as { error: { code: string; message: string } }
    expect(body.error.code).toBe('database_corrupt')
    expect(body.error.message).toMatch(/^cannot list deliveries: the database file .* is damaged/)
    const health = await fetch(`${server.url}/_health/?full`)
    expect(health.status).toBe(500)
    expect(((await health.json()) as { problems: string[] }).problems.join('\n')).toMatch(
      /^the database is damaged: \d+ operations have found it so since .*: cannot [a-z ]+: the database file .* is damaged/,
    )
  })

  it('reports, not leaves unhandled, an emitSync whose commit check meets a damaged file', async () => {
    const file = join(tempDir(), 'rio.db')
    await rioFile(file)
    const db = new BetterSqlite3(file)
    const rio = new Rio({ database: db })
    onCleanup(async () => {
      await rio.stop()
      db.close()
    })
    const errors: Error[] = []
    rio.events.on('error', (error) => errors.push(error))
    const unhandled: unknown[] = []
    const onUnhandled = (reason: unknown) => unhandled.push(reason)
    process.on('unhandledRejection', onUnhandled)
    onCleanup(() => void process.off('unhandledRejection', onUnhandled))

    rio.emitSync('order.paid', { n: -1 })
    // Before the check that the event committed runs (next turn of the event loop).
    damagePage(file, 'events')

    await waitUntil(() => errors.length > 0, 'the failed check to be reported')
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(unhandled).toEqual([])
    expect(errors[0]).toBeInstanceOf(RioDatabaseCorruptError)
    expect(errors[0]!.message).toMatch(/^cannot read an event: the database file .* is damaged/)
  })

  it('loses no acknowledged event: after a restore from a backup taken before the damage, every delivery is made once', async () => {
    const dir = tempDir()
    const file = join(dir, 'rio.db')
    const delivered: string[] = []
    const open = () => {
      const rio = new Rio({ database: file, pollIntervalMs: 50, retryJitter: 0 })
      rio.on('order.*', 'count', (event) => void delivered.push(event.id))
      return rio
    }
    let rio = open()
    onCleanup(() => rio.stop())
    const ids = (
      await rio.emitMany(Array.from({ length: 50 }, (_, n) => ({ name: 'order.paid', payload: { n } })))
    ).map((r) => r.id)
    await rio.backup(join(dir, 'copy.db'))
    damagePage(file, 'deliveries_due')
    const errors: Error[] = []
    rio.events.on('error', (error) => errors.push(error))

    await rio.start()
    await waitUntil(() => errors.length > 0, 'a claim to fail')
    expect(errors[0]).toBeInstanceOf(RioDatabaseCorruptError)
    expect(errors[0]!.message).toMatch(
      /^cannot (claim deliveries|find the next due delivery): the database file .* is damaged/,
    )
    expect(delivered).toEqual([])
    await rio.stop()

    // The restore docs/reliability.md describes: the copy in place, the old -wal and -shm gone.
    for (const suffix of ['-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true })
    copyFileSync(join(dir, 'copy.db'), file)
    rio = open()
    await rio.start()
    await waitUntil(() => delivered.length >= 50, 'every delivery to be made')
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(delivered.sort()).toEqual(ids.sort())
  })
})

describe('checkDatabase()', () => {
  it('finds damaged pages, and with full an index that disagrees with its table, changing nothing', async () => {
    const dir = tempDir()
    const file = join(dir, 'rio.db')
    await rioFile(file, 2000)
    expect(checkDatabase(file)).toMatchObject({
      ok: true,
      damaged: false,
      mode: 'quick',
      schemaVersion: 1,
      problems: [],
    })

    const db = new BetterSqlite3(file)
    db.unsafeMode(true)
    db.pragma('writable_schema = ON')
    db.prepare(
      "UPDATE sqlite_schema SET sql = 'CREATE INDEX events_created ON events (name)' WHERE name = 'events_created'",
    ).run()
    db.close()
    expect(checkDatabase(file).ok).toBe(true)
    const full = checkDatabase(file, { full: true, maxProblems: 3 })
    expect(full).toMatchObject({ ok: false, damaged: true, mode: 'full' })
    expect(full.problems).toEqual([
      'damaged: row 1 missing from index events_created',
      'damaged: row 2 missing from index events_created',
      'damaged: row 3 missing from index events_created',
    ])

    const page = damagePage(file, 'events_project_created')
    const before = readFileSync(file)
    const quick = checkDatabase(file)
    expect(quick).toMatchObject({ ok: false, damaged: true })
    expect(quick.problems.join('\n')).toContain(`Page ${page}`)
    // Read only: the file as it was; SQLite leaves an empty -wal file (and a -shm) beside it.
    expect(readFileSync(file).equals(before)).toBe(true)
    expect(statSync(`${file}-wal`).size).toBe(0)
  })

  it('names rows that refer to rows that do not exist', async () => {
    const file = join(tempDir(), 'rio.db')
    await rioFile(file)
    sqliteFile(
      file,
      'PRAGMA foreign_keys = OFF; DELETE FROM events WHERE id IN (SELECT id FROM events LIMIT 3)',
    )
    expect(checkDatabase(file)).toMatchObject({
      ok: false,
      damaged: false,
      problems: ['3 rows of deliveries refer to events rows that do not exist'],
    })
  })

  it('refuses a path that holds nothing', () => {
    expect(() => checkDatabase(join(tempDir(), 'nope.db'))).toThrow(RioDatabaseError)
    expect(() => checkDatabase(':memory:')).toThrow(/needs the path of a database file/)
  })
})
