import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import type { DeliveryStatus } from '../../src/store/delivery.js'
import { LIST_WALK_BUDGET, SqliteStore } from '../../src/store/sqlite/sqlite-store.js'
import { eventInput, T0, webhookInput } from './contract/fixtures.js'
import { deliveryTableScans, recordReads } from './query-plans.js'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!()
})

/** A store on a new file whose reads are recorded (see {@link recordReads}), closed after the test. */
function openRecordedStore() {
  const dir = mkdtempSync(join(tmpdir(), 'rio-'))
  const db = new Database(join(dir, 'rio.db'))
  const recorder = recordReads(db)
  const store = new SqliteStore({ database: db })
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  cleanups.push(() => db.close())
  cleanups.push(() => store.close())
  return { store, db, recorder }
}

/**
 * `count` deliveries of one handler, one event each, all succeeded but those `statusOf` names,
 * written in one transaction (far faster than emitting them).
 */
async function deliveriesWith(
  count: number,
  statusOf: (i: number) => { status: DeliveryStatus; attempts: number } | null,
) {
  const opened = openRecordedStore()
  const { store, db } = opened
  await store.insertHandler(webhookInput('shop', 'h', '*'), T0)
  const events = Array.from({ length: count }, (_, i) => eventInput('shop', 'x', { createdAt: T0 + i }))
  await store.insertEvents(events)
  const set = db.prepare('UPDATE deliveries SET status = ?, attempts = ? WHERE id = ?')
  db.transaction(() => {
    db.prepare(`UPDATE deliveries SET status = 'succeeded', attempts = 1`).run()
    for (let i = 1; i <= count; i++) {
      const s = statusOf(i)
      if (s) set.run(s.status, s.attempts, i)
    }
  })()
  return opened
}

describe('listing deliveries of one status, as the Failed view and `rio deliveries list --status` do', () => {
  it('reads a rare status from its partial index instead of walking every delivery', async () => {
    // At 280 000 deliveries with 38 dead and 61 pending, the Failed view's two lists walked the
    // whole table on every 5 s refresh: 55–80 ms, during which no emit could commit.
    const { store, recorder } = await deliveriesWith(30, (i) =>
      i % 10 === 0 ? { status: 'dead', attempts: 5 } : i === 7 ? { status: 'pending', attempts: 2 } : null,
    )
    recorder.clear()
    const dead = await store.listDeliveries({ status: 'dead', limit: 51 })
    const pending = await store.listDeliveries({ status: 'pending', limit: 1000 })
    const inFlight = await store.listDeliveries({ project: 'shop', status: 'in_flight', limit: 50 })
    expect(dead.map((d) => d.id)).toEqual(['30', '20', '10'])
    expect(pending.map((d) => d.id)).toEqual(['7'])
    expect(inFlight).toEqual([])
    expect(deliveryTableScans(recorder.reads())).toEqual([])
  })

  it('pages across the walked ids and the partial index exactly as one walk of the table would', async () => {
    // Dead every 97th, so some lie in the newest LIST_WALK_BUDGET ids and the rest below them.
    const count = LIST_WALK_BUDGET + 700
    const { store, db } = await deliveriesWith(count, (i) =>
      i % 97 === 0 ? { status: 'dead', attempts: 3 } : null,
    )
    const expected = (
      db.prepare(`SELECT id FROM deliveries WHERE status = 'dead' ORDER BY id DESC`).all() as Array<{
        id: number
      }>
    ).map((r) => String(r.id))
    const listed: string[] = []
    let before: string | undefined
    for (;;) {
      const page = await store.listDeliveries({ status: 'dead', limit: 7, ...(before ? { before } : {}) })
      listed.push(...page.map((d) => d.id))
      if (page.length < 7) break
      before = page.at(-1)!.id
    }
    expect(listed).toEqual(expected)
    expect(Number(expected.at(-1))).toBeLessThan(count - LIST_WALK_BUDGET)
  })

  it('lists only the retrying deliveries when asked for pending ones attempted before', async () => {
    const { store, recorder } = await deliveriesWith(40, (i) =>
      i % 5 === 0 ? { status: 'pending', attempts: i % 10 === 0 ? 2 : 0 } : null,
    )
    recorder.clear()
    const retrying = await store.listDeliveries({ status: 'pending', attempted: true, limit: 50 })
    const fresh = await store.listDeliveries({ status: 'pending', attempted: false, limit: 50 })
    expect(retrying.map((d) => [d.id, d.attempts])).toEqual([
      ['40', 2],
      ['30', 2],
      ['20', 2],
      ['10', 2],
    ])
    expect(fresh.map((d) => d.id)).toEqual(['35', '25', '15', '5'])
    expect(deliveryTableScans(recorder.reads())).toEqual([])
  })
})

describe('reading a page of handlers, or the handlers of a page, as the API, dashboard and CLI do', () => {
  it('reads each through indexes: no walk of the handlers table, no sort, however many handlers there are', async () => {
    // A page of 50 read all 10 000 handlers and sorted them (`SCAN h`, `USE TEMP B-TREE FOR ORDER BY`).
    const { store, db, recorder } = openRecordedStore()
    const insert = db.prepare(
      `INSERT INTO handlers (id, project_id, name, kind, pattern, concurrency, created_at, updated_at)
       VALUES (?, ?, ?, 'function', '*', 1, ?, ?)`,
    )
    const projects = ['shop', 'blog', 'mail'].map((name) => store.ensureProject(name, T0))
    const ids = (await Promise.all(projects)).flatMap((project) =>
      Array.from({ length: 400 }, (_, i) => {
        const id = webhookInput(project.name, `h${i}`, '*').id
        insert.run(id, project.id, `h${String(i).padStart(3, '0')}`, T0, T0)
        return id
      }),
    )
    const [cursor] = await store.listHandlers({ project: 'mail', limit: 1 })
    recorder.clear()
    const pages = [
      await store.listHandlers({ limit: 51 }),
      await store.listHandlers({ limit: 51, after: cursor!.id }),
      await store.listHandlers({ limit: 500, after: cursor!.id, enabled: true }),
      await store.listHandlers({ project: 'shop', limit: 51 }),
      await store.listHandlers({ project: 'mail', limit: 51, after: cursor!.id, kind: 'function' }),
    ]
    const found = await store.getHandlers(ids.slice(0, 120))
    expect(pages.map((page) => page.length)).toEqual([51, 51, 500, 51, 51])
    expect(found).toHaveLength(120)
    const plans = recorder.reads().filter((read) => /\bhandlers h\b/.test(read.sql))
    expect(plans.length).toBeGreaterThanOrEqual(7)
    const walks = plans.flatMap((read) =>
      read.plan
        .filter((step) => /^SCAN h\b/.test(step) || /TEMP B-TREE/.test(step))
        .map((step) => `${step} in: ${read.sql.replace(/\s+/g, ' ')}`),
    )
    expect(walks).toEqual([])
  })
})
