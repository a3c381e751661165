import { join } from 'node:path'
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { Subscriptions } from '../../src/handlers/subscriptions.js'
import { Rio } from '../../src/index.js'
import { DUE_WITH_EVENTS_SQL, PENDING_HANDLERS_SQL } from '../../src/store/sqlite/sqlite-store.js'
import { makeRio, onCleanup, receiver, sleep, tempDir, waitUntil } from '../helpers.js'
import { deliveryTableScans, type RecordedRead, recordReads } from '../store/query-plans.js'

/** A webhook URL nothing listens on: these handlers are never due in the tests that use it. */
const NOWHERE = 'http://127.0.0.1:9/hook'

/** A Rio on a connection whose reads are recorded, stopped (and the connection closed) after the test. */
function recordedRio(options: { pollIntervalMs?: number } = {}) {
  const file = join(tempDir(), 'rio.db')
  const db = new Database(file)
  onCleanup(() => {
    db.close()
  })
  const recorder = recordReads(db)
  const rio = makeRio({ database: db, synchronous: 'normal', ...options })
  return { rio, file, recorder }
}

/** The recorded reads whose SQL is `sql` (or matches it). */
function readsOf(reads: readonly RecordedRead[], sql: string | RegExp): RecordedRead[] {
  return reads.filter((read) => (typeof sql === 'string' ? read.sql === sql : sql.test(read.sql)))
}

/** What an emit reads to match its event: the enabled handlers of its project. */
const ENABLED_HANDLERS = /^SELECT id, pattern FROM handlers WHERE project_id = \?/
/** What the dispatcher reads to refresh its handlers. */
const LIST_HANDLERS = /^SELECT h\.id, p\.name AS project/
/** The per-handler reads a round used to make for every handler it knew. */
const PER_HANDLER = [
  DUE_WITH_EVENTS_SQL,
  'SELECT 1 FROM handlers WHERE id = ? AND enabled = 1 AND deleted_at IS NULL',
]

async function webhooks(rio: Rio, count: number, pattern: (i: number) => string): Promise<string[]> {
  const ids: string[] = []
  for (let i = 0; i < count; i++)
    ids.push((await rio.webhook(pattern(i), { url: NOWHERE, name: `h-${i}` })).id)
  return ids
}

describe('Subscriptions', () => {
  it('finds exact names by lookup and patterns by test, in the order the handlers were given', () => {
    const subscriptions = new Subscriptions([
      { id: 'all', pattern: '*' },
      { id: 'exact', pattern: 'comment.published' },
      { id: 'prefix', pattern: 'comment.*' },
      { id: 'again', pattern: 'comment.published' },
      { id: 'other', pattern: 'user.*' },
      { id: 'middle', pattern: 'comment*published' },
    ])
    expect(subscriptions.size).toBe(6)
    expect(subscriptions.match('comment.published')).toEqual(['all', 'exact', 'prefix', 'again', 'middle'])
    expect(subscriptions.match('comment.deleted')).toEqual(['all', 'prefix'])
    expect(subscriptions.match('user.created')).toEqual(['all', 'other'])
    expect(subscriptions.match('commentpublished')).toEqual(['all', 'middle'])
    // `.` is a plain character in a pattern, not "any character".
    expect(subscriptions.match('commentXpublished')).toEqual(['all', 'middle'])
    expect(new Subscriptions([{ id: 'a', pattern: 'comment.x' }]).match('commentXx')).toEqual([])
    expect(new Subscriptions([]).match('anything')).toEqual([])
  })
})

describe('many handlers', () => {
  it('fans an event out to exactly the handlers whose names and patterns match, among 260', async () => {
    const rio = makeRio({ synchronous: 'normal' })
    const exact = await webhooks(rio, 200, (i) => `ev.${i}`)
    const prefix: string[] = []
    for (let k = 0; k < 50; k++)
      prefix.push((await rio.webhook(`ev.${k}*`, { url: NOWHERE, name: `p-${k}` })).id)
    const all: string[] = []
    for (let k = 0; k < 10; k++) all.push((await rio.webhook('*', { url: NOWHERE, name: `all-${k}` })).id)

    const { id, deliveries } = await rio.emit('ev.15', {})
    // ev.15 itself, the prefixes ev.1* and ev.15*, and the 10 catch-alls.
    const expected = [exact[15], prefix[1], prefix[15], ...all]
    expect(deliveries).toBe(expected.length)
    const stored = await rio.listDeliveries({ eventId: id, limit: 100 })
    expect(stored.map((d) => d.handlerId).sort()).toEqual([...expected].sort())
    expect((await rio.emit('ev.150', {})).deliveries).toBe(1 + 2 + 10)
    expect((await rio.emit('other', {})).deliveries).toBe(10)
  })

  it('reads a project’s handlers once across emits, and again after each change, here or in another process', async () => {
    const { rio, file, recorder } = recordedRio()
    await webhooks(rio, 250, (i) => `ev.${i}`)
    const matched = () => readsOf(recorder.reads(), ENABLED_HANDLERS).length
    recorder.clear()
    for (let i = 0; i < 20; i++) expect((await rio.emit('ev.7', { i })).deliveries).toBe(1)
    // Before, each emit's transaction read all 250: 20 reads.
    expect(matched()).toBe(1)

    const late = await rio.webhook('ev.7', { url: NOWHERE, name: 'late' })
    expect((await rio.emit('ev.7', {})).deliveries).toBe(2)
    await rio.disableHandler(late.id)
    expect((await rio.emit('ev.7', {})).deliveries).toBe(1)
    await rio.updateHandler(late.id, { pattern: 'ev.8' })
    await rio.enableHandler(late.id)
    expect((await rio.emit('ev.8', {})).deliveries).toBe(2)
    expect(matched()).toBe(4)

    // Another process on the same file: its changes show in this process's very next emit.
    const other = new Rio({ database: file, synchronous: 'normal' })
    onCleanup(() => other.stop())
    const theirs = await other.webhook('ev.7', { url: NOWHERE, name: 'theirs' })
    expect((await rio.emit('ev.7', {})).deliveries).toBe(2)
    await other.disableHandler(theirs.id)
    expect((await rio.emit('ev.7', {})).deliveries).toBe(1)
    await other.enableHandler(theirs.id)
    expect((await rio.emit('ev.7', {})).deliveries).toBe(2)
    await other.removeHandler(theirs.id)
    expect((await rio.emit('ev.7', {})).deliveries).toBe(1)
  })

  it('writes no delivery for a handler added inside a host transaction that was rolled back', async () => {
    const db = new Database(join(tempDir(), 'rio.db'))
    onCleanup(() => {
      db.close()
    })
    const rio = makeRio({ database: db })
    await webhooks(rio, 40, (i) => `ev.${i}`)
    expect((await rio.emit('ev.1', {})).deliveries).toBe(1)
    db.exec('BEGIN')
    await rio.webhook('ev.1', { url: NOWHERE, name: 'doomed' })
    expect(rio.emitSync('ev.1', {}).deliveries).toBe(2)
    db.exec('ROLLBACK')
    // Had the handlers read inside the transaction been kept, this would write a delivery for a
    // handler that does not exist (and fail on its foreign key).
    expect((await rio.emit('ev.1', {})).deliveries).toBe(1)
    expect((await rio.listHandlers()).map((h) => h.name)).not.toContain('doomed')
  })

  it('runs a round in a few queries among 500 idle handlers, and reads the handlers only when they change', async () => {
    const { rio, recorder } = recordedRio({ pollIntervalMs: 50 })
    await webhooks(rio, 500, (i) => `idle.${i}`)
    const runs: number[] = []
    rio.on('go', 'probe', (event) => void runs.push((event.payload as { n: number }).n))
    await rio.start()
    await sleep(300)
    recorder.clear()
    for (let n = 0; n < 5; n++) {
      await rio.emit('go', { n })
      await waitUntil(() => runs.length === n + 1, `delivery ${n}`)
    }
    // Idle, polling every 50 ms, past the 1 s handler refresh.
    await sleep(1300)
    const reads = recorder.reads()
    // Before, every round asked for each of the 501 handlers (two queries each, then one more to
    // find the next due time): thousands of queries for these 5 deliveries and 26 polls.
    expect(PER_HANDLER.flatMap((sql) => readsOf(reads, sql)).length).toBeLessThan(60)
    expect(
      readsOf(reads, 'SELECT min(next_attempt_at) AS at FROM deliveries WHERE handler_id = ?').length,
    ).toBe(0)
    expect(readsOf(reads, PENDING_HANDLERS_SQL).length).toBeGreaterThan(0)
    // Nothing changed: the handlers were not read again (before: every second, all 501 parsed).
    expect(readsOf(reads, LIST_HANDLERS)).toEqual([])
    // And no read walked the deliveries table.
    expect(deliveryTableScans(reads)).toEqual([])
  })

  it('finds another process’s work within its poll while its own emits keep every round busy', async () => {
    const r = await receiver()
    const file = join(tempDir(), 'rio.db')
    const rio = makeRio({ database: file, pollIntervalMs: 200 })
    await webhooks(rio, 100, (i) => `idle.${i}`)
    let local = 0
    rio.on('tick', 'local', () => void local++)
    await rio.webhook('remote', { url: r.url, name: 'remote' })
    await rio.start()
    const other = new Rio({ database: file })
    onCleanup(() => other.stop())
    let emitting = true
    const ticking = (async () => {
      while (emitting) {
        await rio.emit('tick', {})
        await sleep(5)
      }
    })()
    try {
      await sleep(300)
      for (let n = 0; n < 5; n++) {
        const started = Date.now()
        await other.emit('remote', { n })
        const [request] = (await r.waitFor(n + 1, 3000)).slice(n)
        // Rounds for its own emits offer only their handler; one over every handler comes each poll.
        expect(request!.receivedAt - started).toBeLessThan(600)
        await sleep(Math.random() * 200)
      }
    } finally {
      emitting = false
      await ticking
    }
    expect(local).toBeGreaterThan(20)
  })

  it('takes up handlers another process adds, changes and disables', async () => {
    const r = await receiver()
    const file = join(tempDir(), 'rio.db')
    const rio = makeRio({ database: file, pollIntervalMs: 50 })
    await webhooks(rio, 40, (i) => `idle.${i}`)
    await rio.start()
    await sleep(1200)
    const other = new Rio({ database: file })
    onCleanup(() => other.stop())
    const theirs = await other.webhook('x', { url: `${r.url}/first`, name: 'theirs' })
    await other.emit('x', { n: 1 })
    await r.waitFor(1, 3000)
    await other.updateHandler(theirs.id, { url: `${r.url}/second` })
    await sleep(1200)
    await other.emit('x', { n: 2 })
    await r.waitFor(2, 3000)
    expect(r.requests.map((q) => q.path)).toEqual(['/first', '/second'])
    await other.disableHandler(theirs.id)
    await other.emit('x', { n: 3 })
    await sleep(1200)
    expect(r.requests).toHaveLength(2)
  })
})
