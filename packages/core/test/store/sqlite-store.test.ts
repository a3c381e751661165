import { join } from 'node:path'
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { RioDatabaseError, RioDatabaseTooNewError } from '../../src/errors.js'
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js'
import { onCleanup, tempDir } from '../helpers.js'
import { storeContract } from './store-contract.js'

storeContract('SqliteStore on a file', async () => new SqliteStore({ database: join(tempDir(), 'rio.db') }))

describe('SqliteStore', () => {
  it('sets WAL, FULL sync (NORMAL on request), a busy timeout and foreign keys', async () => {
    const full = new SqliteStore({ database: join(tempDir(), 'a.db') })
    onCleanup(() => full.close())
    expect(full.db.pragma('journal_mode', { simple: true })).toBe('wal')
    expect(full.db.pragma('synchronous', { simple: true })).toBe(2)
    expect(full.db.pragma('busy_timeout', { simple: true })).toBe(5000)
    expect(full.db.pragma('foreign_keys', { simple: true })).toBe(1)
    const normal = new SqliteStore({ database: join(tempDir(), 'b.db'), synchronous: 'normal' })
    onCleanup(() => normal.close())
    expect(normal.db.pragma('synchronous', { simple: true })).toBe(1)
  })

  it('migrates a new file once and refuses one migrated by a newer Rio, naming both versions', async () => {
    const file = join(tempDir(), 'rio.db')
    const first = new SqliteStore({ database: file })
    expect(await first.migrate()).toEqual({ from: 0, to: 1, applied: ['0001-initial'] })
    await first.close()
    const second = new SqliteStore({ database: file })
    expect(await second.migrate()).toEqual({ from: 1, to: 1, applied: [] })
    second.db.pragma('user_version = 99')
    await second.close()
    expect(() => new SqliteStore({ database: file })).toThrow(RioDatabaseTooNewError)
    expect(() => new SqliteStore({ database: file })).toThrow(/version 99 .* up to 1/)
  })

  it('explains a path it cannot open', () => {
    expect(() => new SqliteStore({ database: '/no/such/dir/rio.db' })).toThrow(RioDatabaseError)
    expect(() => new SqliteStore({ database: '/no/such/dir/rio.db' })).toThrow(
      /directory exists and is writable/,
    )
  })

  it('leaves a shared host connection open on close', async () => {
    const db = new Database(join(tempDir(), 'host.db'))
    onCleanup(() => {
      db.close()
    })
    const store = new SqliteStore({ database: db })
    await store.close()
    expect(db.open).toBe(true)
  })

  it('claims with an index range scan over pending deliveries only', () => {
    const store = new SqliteStore({ database: ':memory:' })
    onCleanup(() => store.close())
    const plan = store.db
      .prepare(`EXPLAIN QUERY PLAN SELECT d.id FROM deliveries d JOIN events e ON e.id = d.event_id
        WHERE d.handler_id = ? AND d.status = 'pending' AND d.next_attempt_at <= ? ORDER BY d.next_attempt_at LIMIT ?`)
      .all('h', 1, 1) as Array<{ detail: string }>
    expect(plan[0]!.detail).toMatch(/USING INDEX deliveries_due/)
    expect(plan.map((p) => p.detail).join(' ')).not.toMatch(/SCAN d\b/)
  })

  it('never hands one delivery to two stores on the same file', async () => {
    const file = join(tempDir(), 'rio.db')
    const a = new SqliteStore({ database: file })
    const b = new SqliteStore({ database: file })
    onCleanup(() => a.close())
    onCleanup(() => b.close())
    const now = Date.now()
    await a.insertHandler(
      {
        id: 'h',
        project: 'p',
        name: 'h',
        kind: 'webhook',
        pattern: '*',
        enabled: true,
        concurrency: 100,
        rateLimit: null,
        retrySchedule: null,
        url: 'http://x/',
        method: 'POST',
        contentType: 'json',
        secrets: [],
        headers: {},
        timeoutMs: 1000,
      },
      now,
    )
    await a.insertEvents(
      Array.from({ length: 200 }, (_, i) => ({
        id: `00000000-0000-7000-8000-${String(i).padStart(12, '0')}`,
        project: 'p',
        name: 'x',
        payloadJson: '1',
        createdAt: now,
        idempotencyKey: null,
      })),
    )
    const claims = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        (i % 2 ? a : b).claimDueDeliveries({
          slots: [{ handlerId: 'h', limit: 30 }],
          now,
          leaseUntil: now + 60_000,
          owner: `o${i}`,
        }),
      ),
    )
    const ids = claims.flat().map((c) => c.id)
    expect(ids).toHaveLength(200)
    expect(new Set(ids).size).toBe(200)
  })
})
