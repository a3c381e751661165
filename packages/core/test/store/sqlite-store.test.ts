import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { RioClosedError, RioDatabaseError, RioDatabaseTooNewError } from '../../src/errors.js'
import { migrate } from '../../src/store/sqlite/migrate.js'
import {
  CACHE_SIZE_KIB,
  COUNT_FINISHED_EVENTS_SQL,
  DUE_WITH_EVENTS_SQL,
  EXPIRE_LEASES_SQL,
  SqliteStore,
  type SqliteStoreOptions,
} from '../../src/store/sqlite/sqlite-store.js'
import { claim, eventInput, T0, webhookInput } from './contract/fixtures.js'
import { storeContract } from './store-contract.js'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!()
})

/** A new directory under the OS temp dir, removed after the test. */
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'rio-'))
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** A SqliteStore closed after the test; on a new file in a temp dir unless `database` is given. */
function openStore(options: Partial<SqliteStoreOptions> = {}): SqliteStore {
  const store = new SqliteStore({ database: join(tempDir(), 'rio.db'), ...options })
  cleanups.push(() => store.close())
  return store
}

/** A better-sqlite3 connection the test owns, closed after it. */
function openDatabase(file = join(tempDir(), 'host.db')): Database.Database {
  const db = new Database(file)
  cleanups.push(() => db.close())
  return db
}

storeContract('SqliteStore', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rio-'))
  const store = new SqliteStore({ database: join(dir, 'rio.db') })
  return {
    store,
    async cleanup() {
      await store.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
})

describe('SqliteStore pragmas', () => {
  it('uses WAL, FULL sync, a 5 s busy timeout and foreign keys when opened with defaults', () => {
    const { db } = openStore()
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal')
    expect(db.pragma('synchronous', { simple: true })).toBe(2)
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5000)
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1)
  })

  it('uses NORMAL sync and the given busy timeout when the options ask for them', () => {
    const { db } = openStore({ synchronous: 'normal', busyTimeoutMs: 250 })
    expect(db.pragma('synchronous', { simple: true })).toBe(1)
    expect(db.pragma('busy_timeout', { simple: true })).toBe(250)
  })

  it('bounds the page cache of a file it opens to CACHE_SIZE_KIB, below the driver default', () => {
    const { db } = openStore()
    // A negative cache_size is a size in KiB; better-sqlite3's own default is -16000.
    expect(db.pragma('cache_size', { simple: true })).toBe(-CACHE_SIZE_KIB)
    expect(CACHE_SIZE_KIB).toBeLessThan(16_000)
  })

  it('leaves the page cache size of a shared host connection as the host set it', () => {
    const db = openDatabase()
    db.pragma('cache_size = -32000')
    new SqliteStore({ database: db })
    expect(db.pragma('cache_size', { simple: true })).toBe(-32000)
  })

  it('leaves the connection at FULL sync after a claim, so the next commit on it is durable', async () => {
    const db = openDatabase()
    const store = new SqliteStore({ database: db })
    const h = await store.insertHandler(webhookInput('p', 'h', '*'), T0)
    await store.insertEvents([eventInput('p', 'x')])
    expect(await claim(store, h.id, { now: T0 })).toHaveLength(1)
    // A host transaction (the outbox) commits on this connection, and the level cannot be
    // changed inside a transaction: it must already be FULL.
    expect(db.pragma('synchronous', { simple: true })).toBe(2)
    db.transaction(() => {
      store.insertEventsSync([eventInput('p', 'y')])
      expect(db.pragma('synchronous', { simple: true })).toBe(2)
    })()
  })
})

describe('SqliteStore migrations', () => {
  it('migrates a new file to version 1 and reports what it applied', async () => {
    const store = openStore()
    expect(await store.migrate()).toEqual({ from: 0, to: 1, applied: ['0001-initial'] })
    expect(store.db.pragma('user_version', { simple: true })).toBe(1)
  })

  it('applies nothing when the file is opened again', async () => {
    const file = join(tempDir(), 'rio.db')
    await new SqliteStore({ database: file }).close()
    const again = openStore({ database: file })
    expect(await again.migrate()).toEqual({ from: 1, to: 1, applied: [] })
  })

  it('refuses with both versions in the message when the file was migrated by a newer Rio', () => {
    const file = join(tempDir(), 'rio.db')
    const db = new Database(file)
    db.pragma('user_version = 99')
    db.close()
    let error: unknown
    try {
      openStore({ database: file })
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(RioDatabaseTooNewError)
    expect(error).toMatchObject({ code: 'database_too_new', databaseVersion: 99, codeVersion: 1 })
    expect((error as Error).message).toMatch(/\b99\b.*\b1\b/)
    expect(openDatabase(file).pragma('user_version', { simple: true })).toBe(99)
  })

  it('leaves a host connection to a newer file as it was: nothing is set before the refusal', () => {
    const db = new Database(join(tempDir(), 'app.db'))
    db.pragma('user_version = 99')
    const before = {
      journal: db.pragma('journal_mode', { simple: true }),
      foreignKeys: db.pragma('foreign_keys', { simple: true }),
      busy: db.pragma('busy_timeout', { simple: true }),
      synchronous: db.pragma('synchronous', { simple: true }),
    }
    expect(() => openStore({ database: db })).toThrow(RioDatabaseTooNewError)
    expect({
      journal: db.pragma('journal_mode', { simple: true }),
      foreignKeys: db.pragma('foreign_keys', { simple: true }),
      busy: db.pragma('busy_timeout', { simple: true }),
      synchronous: db.pragma('synchronous', { simple: true }),
    }).toEqual(before)
    expect(db.open).toBe(true)
    db.close()
  })

  it('rolls a failing migration back and names it when a table it creates already exists', () => {
    const db = openDatabase()
    db.exec('CREATE TABLE handlers (legacy TEXT)')
    expect(() => migrate(db)).toThrow(RioDatabaseError)
    expect(() => migrate(db)).toThrow(/0001-initial failed and was rolled back/)
    expect(db.pragma('user_version', { simple: true })).toBe(0)
    // the tables created before the failing statement are gone with it
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all()
    expect(tables).toEqual(['handlers'])
    expect(() => new SqliteStore({ database: db })).toThrow(RioDatabaseError)
  })
})

describe('SqliteStore connections', () => {
  it('throws RioDatabaseError naming the path and the fix when the directory does not exist', () => {
    const file = join(tempDir(), 'missing', 'rio.db')
    expect(() => new SqliteStore({ database: file })).toThrow(RioDatabaseError)
    expect(() => new SqliteStore({ database: file })).toThrow(`cannot open the SQLite database "${file}"`)
    expect(() => new SqliteStore({ database: file })).toThrow(/directory exists and is writable/)
  })

  it('closes its own connection and refuses writes when closed', async () => {
    const store = new SqliteStore({ database: join(tempDir(), 'rio.db') })
    await store.close()
    await store.close()
    expect(store.db.open).toBe(false)
    await expect(store.ensureProject('p', T0)).rejects.toThrow(RioClosedError)
    await expect(store.listProjects()).rejects.toThrow(RioClosedError)
  })

  it('leaves a shared host connection open and untouched by writes when closed', async () => {
    const db = openDatabase()
    const store = new SqliteStore({ database: db })
    await store.close()
    expect(db.open).toBe(true)
    await expect(store.ensureProject('p', T0)).rejects.toThrow(/the store is closed/)
    await expect(store.insertEvents([eventInput('p', 'x')])).rejects.toThrow(RioClosedError)
    expect(db.prepare('SELECT count(*) FROM projects').pluck().get()).toBe(0)
  })

  it('writes no event when the host transaction that called insertEventsSync throws', async () => {
    const db = openDatabase()
    db.exec('CREATE TABLE orders (id INTEGER PRIMARY KEY)')
    const store = new SqliteStore({ database: db })
    await store.insertHandler(webhookInput('p', 'h', '*'), T0)
    const e = eventInput('p', 'order.paid')
    expect(() =>
      db.transaction(() => {
        db.prepare('INSERT INTO orders (id) VALUES (1)').run()
        expect(store.insertEventsSync([e])).toEqual([{ id: e.id, duplicate: false, deliveries: 1 }])
        throw new Error('payment declined')
      })(),
    ).toThrow('payment declined')
    expect(await store.getEvent(e.id)).toBeNull()
    expect(await store.listDeliveries({ limit: 10 })).toEqual([])
    expect(db.prepare('SELECT count(*) FROM orders').pluck().get()).toBe(0)
  })

  it('writes the event and its deliveries with the host rows when the host transaction commits', async () => {
    const db = openDatabase()
    db.exec('CREATE TABLE orders (id INTEGER PRIMARY KEY)')
    const store = new SqliteStore({ database: db })
    const h = await store.insertHandler(webhookInput('p', 'h', '*'), T0)
    const e = eventInput('p', 'order.paid')
    db.transaction(() => {
      db.prepare('INSERT INTO orders (id) VALUES (1)').run()
      store.insertEventsSync([e])
    })()
    expect(db.prepare('SELECT count(*) FROM orders').pluck().get()).toBe(1)
    expect(await store.getEvent(e.id)).toMatchObject({ id: e.id, name: 'order.paid' })
    expect((await store.listDeliveries({ eventId: e.id, limit: 10 })).map((d) => d.handlerId)).toEqual([h.id])
  })
})

describe('SqliteStore listings', () => {
  /** The plan of each statement `run` prepares, with the arguments it is run with. */
  async function plans(store: SqliteStore, run: () => Promise<unknown>): Promise<string[]> {
    const seen: Array<{ sql: string; args: unknown[] }> = []
    const prepare = store.db.prepare.bind(store.db)
    store.db.prepare = ((sql: string) => {
      const statement = prepare(sql)
      const all = statement.all.bind(statement)
      return Object.assign(statement, {
        all: (...args: unknown[]) => {
          seen.push({ sql, args })
          return all(...args)
        },
      })
    }) as typeof store.db.prepare
    try {
      await run()
    } finally {
      store.db.prepare = prepare
    }
    return seen.map(({ sql, args }) =>
      (store.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...args) as Array<{ detail: string }>)
        .map((row) => row.detail)
        .join('\n'),
    )
  }

  it('lists a project’s events and deliveries newest first without sorting all of them', async () => {
    // Reading every event of a project and sorting them took 100–600 ms a page at 200 000 events.
    const store = openStore()
    await store.insertHandler(webhookInput('shop', 'h', '*'), T0)
    await store.insertHandler(webhookInput('blog', 'h', '*'), T0)
    await store.insertEvents(
      Array.from({ length: 40 }, (_, i) => eventInput(i % 2 ? 'shop' : 'blog', 'x', { createdAt: T0 + i })),
    )
    const listed: Array<{ project: string }[]> = []
    const planned = await plans(store, async () => {
      listed.push(await store.listEvents({ project: 'shop', limit: 5 }))
      listed.push(await store.listEvents({ project: 'shop', name: 'x', until: T0 + 30, limit: 5 }))
      listed.push(await store.listDeliveries({ project: 'shop', limit: 5 }))
      listed.push(await store.listDeliveries({ project: 'shop', status: 'pending', limit: 5 }))
    })
    expect(listed.map((rows) => rows.map((row) => row.project))).toEqual(Array(4).fill(Array(5).fill('shop')))
    expect(planned).toHaveLength(4)
    for (const plan of planned) {
      expect(plan).not.toMatch(/TEMP B-TREE|events_project_created/)
      // A list of one status walks a range of the newest ids first (see LIST_WALK_BUDGET).
      expect(plan.split('\n')[0]).toMatch(/^(SCAN (e|d)\b|SEARCH d USING INTEGER PRIMARY KEY \(rowid>\?)/)
    }
  })

  it('answers a project without handlers with no deliveries, without looking', async () => {
    const store = openStore()
    await store.insertHandler(webhookInput('shop', 'h', '*'), T0)
    await store.insertEvents([eventInput('shop', 'x'), eventInput('blog', 'x')])
    const planned = await plans(store, async () => {
      expect(await store.listDeliveries({ project: 'blog', limit: 5 })).toEqual([])
    })
    expect(planned).toEqual([])
    expect(await store.listDeliveries({ project: 'shop', limit: 5 })).toHaveLength(1)
  })
})

describe('SqliteStore claims', () => {
  it('reads due deliveries through the deliveries_due index, in its order', async () => {
    const store = openStore()
    const h = await store.insertHandler(webhookInput('p', 'h', '*'), T0)
    await store.insertEvents(
      Array.from({ length: 50 }, (_, i) => eventInput('p', 'x', { createdAt: T0 + i })),
    )
    const plan = store.db
      .prepare(`EXPLAIN QUERY PLAN ${DUE_WITH_EVENTS_SQL}`)
      .all(h.id, T0 + 100, 10) as Array<{ detail: string }>
    const details = plan.map((row) => row.detail)
    expect(details).toContainEqual(
      expect.stringMatching(/^SEARCH d USING INDEX deliveries_due \(handler_id=\? AND next_attempt_at<\?\)/),
    )
    expect(details.join('\n')).not.toMatch(/SCAN d\b|SCAN deliveries|TEMP B-TREE/)
  })

  it('finds expired leases through the deliveries_lease index, never scanning deliveries', async () => {
    // Expiry runs on every claim round: it must cost an index probe, however much history there is.
    const store = openStore()
    for (const [name, sql] of Object.entries(EXPIRE_LEASES_SQL)) {
      const statement = store.db.prepare(`EXPLAIN QUERY PLAN ${sql}`)
      const plan = (
        name === 'probe' ? statement.all(T0) : statement.all({ now: T0, owner: 'a', error: 'lost' })
      ) as Array<{ detail: string }>
      const details = plan.map((row) => row.detail)
      expect(details[0], name).toMatch(
        /^SEARCH (d|deliveries) USING (COVERING )?INDEX deliveries_lease \(lease_until<\?\)/,
      )
      expect(details.join('\n'), name).not.toMatch(/SCAN|TEMP B-TREE/)
    }
  })

  it('counts a cleanup dry run through indexes, without scanning deliveries or attempts', async () => {
    // A dry run over years of history must cost a range of events_created and index probes per
    // event, in SQLite: one row of three counts comes back, never the rows counted.
    const store = openStore()
    const statement = store.db.prepare(`EXPLAIN QUERY PLAN ${COUNT_FINISHED_EVENTS_SQL}`)
    const details = (statement.all({ from: T0, before: T0, now: T0 }) as Array<{ detail: string }>).map(
      (r) => r.detail,
    )
    expect(details[0]).toMatch(
      /^SEARCH e USING (COVERING )?INDEX events_created \(created_at>\? AND created_at<\?\)/,
    )
    expect(details).toContainEqual(expect.stringMatching(/^SEARCH a USING COVERING INDEX attempts_delivery/))
    expect(details.filter((d) => d.startsWith('SEARCH d'))).toEqual(
      details.filter((d) => /^SEARCH d USING (COVERING )?INDEX deliveries_event \(event_id=\?\)/.test(d)),
    )
    expect(details.join('\n')).not.toMatch(/SCAN|TEMP B-TREE/)
  })

  it('never hands one delivery to both stores when two connections claim in turn', async () => {
    const file = join(tempDir(), 'rio.db')
    const a = openStore({ database: file })
    const b = openStore({ database: file })
    const h = await a.insertHandler(webhookInput('p', 'h', '*'), T0)
    await b.insertEvents(Array.from({ length: 30 }, (_, i) => eventInput('p', 'x', { createdAt: T0 + i })))
    const claimed: string[] = []
    for (let round = 0; round < 4; round++) {
      for (const [store, owner] of [
        [a, 'a'],
        [b, 'b'],
      ] as const) {
        claimed.push(...(await claim(store, h.id, { now: T0 + 100, limit: 4, owner })).map((c) => c.id))
      }
    }
    expect(claimed).toHaveLength(30)
    expect(new Set(claimed).size).toBe(30)
  })

  it('never hands one delivery to two processes claiming from the same file at once', async () => {
    const file = join(tempDir(), 'rio.db')
    const setup = openStore({ database: file })
    const h = await setup.insertHandler(webhookInput('p', 'h', '*'), T0)
    const total = 3000
    await setup.insertEvents(
      Array.from({ length: total }, (_, i) => eventInput('p', 'x', { createdAt: T0 + i })),
    )
    const children = ['one', 'two'].map((owner) => startClaimChild(file, h.id, owner, T0 + total))
    await Promise.all(children.map((c) => c.ready))
    for (const c of children) c.go()
    const [one, two] = await Promise.all(children.map((c) => c.ids))
    expect(one!.length).toBeGreaterThan(0)
    expect(two!.length).toBeGreaterThan(0)
    expect(one!.length + two!.length).toBe(total)
    expect(new Set([...one!, ...two!]).size).toBe(total)
  })
})

const root = fileURLToPath(new URL('../../../../', import.meta.url))
const claimChild = fileURLToPath(new URL('./fixtures/claim-child.ts', import.meta.url))

/** Starts fixtures/claim-child.ts in its own Node process (its own SQLite connection). */
function startClaimChild(file: string, handlerId: string, owner: string, now: number) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', claimChild, file, handlerId, owner, String(now)],
    {
      cwd: root,
      env: { ...process.env, TSX_TSCONFIG_PATH: join(root, 'tsconfig.check.json') },
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  )
  cleanups.push(() => child.kill('SIGKILL'))
  let stdout = ''
  let stderr = ''
  child.stderr.on('data', (chunk) => (stderr += chunk))
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve))
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      stdout += chunk
      if (stdout.startsWith('ready\n')) resolve()
    })
    void exited.then(() => reject(new Error(`claim child ${owner} exited before ready: ${stderr}`)))
  })
  const ids = exited.then((code) => {
    if (code !== 0) throw new Error(`claim child ${owner} exited with ${code}: ${stderr}`)
    return JSON.parse(stdout.slice('ready\n'.length)) as string[]
  })
  return { ready, ids, go: () => child.stdin.write('go\n') }
}
