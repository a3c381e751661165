import { join } from 'node:path'
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { startReceiver } from '../../../../test/support/receiver.js'
import { Rio, RioClosedError, RioIdempotencyError, RioValidationError } from '../../src/index.js'
import { makeRio, onCleanup, tempDir, waitUntil } from '../helpers.js'

describe('emit', () => {
  it('returns the first id for a repeated idempotency key and writes nothing', async () => {
    const rio = makeRio()
    rio.on('x', 'count', () => undefined)
    const first = await rio.emit('x', { n: 1 }, { idempotencyKey: 'order-1' })
    const again = await rio.emit('x', { n: 1 }, { idempotencyKey: 'order-1' })
    const other = await rio.emit('x', { n: 3 }, { idempotencyKey: 'order-1', project: 'elsewhere' })
    expect(again).toEqual({ id: first.id, duplicate: true, deliveries: 0 })
    expect(other.id).not.toBe(first.id)
    expect(await rio.listEvents({ project: 'default' })).toHaveLength(1)
    expect((await rio.getEvent(first.id)).payload).toEqual({ n: 1 })
    expect(await rio.listDeliveries({ eventId: first.id })).toHaveLength(1)
  })

  it('refuses a used idempotency key for a different event, alone or in a batch, and writes nothing', async () => {
    const rio = makeRio()
    const first = await rio.emit('x', { n: 1 }, { idempotencyKey: 'order-1' })
    const refused = [
      rio.emit('x', { n: 2 }, { idempotencyKey: 'order-1' }),
      rio.emit('y', { n: 1 }, { idempotencyKey: 'order-1' }),
      rio.emitMany([
        { name: 'fresh', payload: 1 },
        { name: 'x', payload: { n: 2 }, idempotencyKey: 'order-1' },
      ]),
      // Two different events under one new key in one batch: the batch is all or nothing.
      rio.emitMany([
        { name: 'x', payload: 1, idempotencyKey: 'new-key' },
        { name: 'x', payload: 2, idempotencyKey: 'new-key' },
      ]),
    ]
    // Emits queued in the same group commit as the refused ones are written all the same.
    const bystander = rio.emit('x', { n: 9 })
    for (const outcome of await Promise.allSettled(refused)) {
      expect(outcome.status === 'rejected' && outcome.reason).toBeInstanceOf(RioIdempotencyError)
    }
    await expect(rio.emit('x', { n: 2 }, { idempotencyKey: 'order-1' })).rejects.toMatchObject({
      code: 'idempotency_key_reused',
      idempotencyKey: 'order-1',
      eventId: first.id,
      message: expect.stringMatching(/already used in project "default" for a different event/),
    })
    const kept = await bystander
    expect((await rio.listEvents()).map((e) => e.id).sort()).toEqual([first.id, kept.id].sort())
    // The same event again is still a retry.
    expect(await rio.emit('x', { n: 1 }, { idempotencyKey: 'order-1' })).toMatchObject({
      id: first.id,
      duplicate: true,
    })
  })

  it('names the two events of one batch that share a key, not an event it never stored', async () => {
    const rio = makeRio()
    const refused = await rio
      .emitMany([
        { name: 'x', payload: 0 },
        { name: 'x', payload: 1, idempotencyKey: 'new-key' },
        { name: 'x', payload: 2, idempotencyKey: 'new-key' },
      ])
      .catch((error: unknown) => error)
    expect(refused).toBeInstanceOf(RioIdempotencyError)
    expect(refused).toMatchObject({
      code: 'idempotency_key_reused',
      idempotencyKey: 'new-key',
      batchIndexes: [1, 2],
      message: expect.stringMatching(/^events\[1\] and events\[2\] use idempotency key "new-key"/),
    })
    expect((refused as Error).message).not.toMatch(/already used/)
    expect(await rio.listEvents()).toEqual([])
    // The same event twice in one call is a retry inside it: one event, one id.
    const [a, b] = await rio.emitMany([
      { name: 'x', payload: 1, idempotencyKey: 'k' },
      { name: 'x', payload: 1, idempotencyKey: 'k' },
    ])
    expect(b).toEqual({ id: a!.id, duplicate: true, deliveries: 0 })
    expect(await rio.listEvents()).toHaveLength(1)
  })

  it('de-duplicates concurrent emits with the same key inside one group commit', async () => {
    const rio = makeRio()
    const results = await Promise.all(
      Array.from({ length: 20 }, () => rio.emit('x', {}, { idempotencyKey: 'same' })),
    )
    expect(new Set(results.map((r) => r.id)).size).toBe(1)
    expect(results.filter((r) => !r.duplicate)).toHaveLength(1)
  })

  it('refuses bad names and payloads with typed errors and writes nothing', async () => {
    const rio = makeRio({ maxPayloadBytes: 1024 })
    const cycle: Record<string, unknown> = {}
    cycle.self = cycle
    const cases: Array<[string, unknown, RegExp]> = [
      ['', {}, /event name/],
      ['has space', {}, /event name/],
      ['-leading', {}, /event name/],
      ['x'.repeat(129), {}, /event name/],
      ['ok', { big: 'x'.repeat(2000) }, /over the limit of 1024/],
      ['ok', { n: Number.NaN }, /not a JSON number/],
      ['ok', { f: () => 1 }, /function/],
      ['ok', [1, undefined], /undefined/],
      ['ok', { n: 10n }, /BigInt/],
      ['ok', cycle, /circular/i],
      ['ok', { tags: new Map([['a', 1]]) }, /a Map is not JSON.*Object\.fromEntries/],
      ['ok', { tags: new Set(['a']) }, /a Set is not JSON/],
      ['ok', { bytes: new Uint8Array([1, 2]) }, /a Uint8Array is not JSON/],
      ['ok', { at: new Date(Number.NaN) }, /an invalid Date is not JSON/],
      ['ok', new Date('nope'), /an invalid Date/],
    ]
    for (const [name, payload, message] of cases) {
      await expect(rio.emit(name, payload), `${name} ${String(message)}`).rejects.toThrow(message)
      await expect(rio.emit(name, payload)).rejects.toBeInstanceOf(RioValidationError)
    }
    await expect(rio.emit('ok', {}, { project: 'bad project' })).rejects.toThrow(
      /invalid project name "bad project": .*a project name starts with a letter or digit/,
    )
    await expect(rio.emit('ok', {}, { id: 'not-a-uuid' })).rejects.toThrow(/UUID/)
    await expect(rio.emitMany([{ name: 'ok' }, { name: 'bad name' }])).rejects.toThrow(/events\[1\]/)
    expect(await rio.listEvents()).toEqual([])
  })

  it('writes all of emitMany in one transaction and returns ids in order', async () => {
    const rio = makeRio()
    const results = await rio.emitMany([
      { name: 'a', payload: 1 },
      { name: 'b', payload: 2, idempotencyKey: 'k' },
      { name: 'b', payload: 2, idempotencyKey: 'k' },
    ])
    expect(results[2]!.id).toBe(results[1]!.id)
    expect(results[2]!.duplicate).toBe(true)
    const events = await rio.listEvents()
    expect(events.map((e) => e.name).sort()).toEqual(['a', 'b'])
  })

  it('survives reopening: an emit that resolved is on disk', async () => {
    const file = join(tempDir(), 'rio.db')
    const first = new Rio({ database: file })
    const { id } = await first.emit('x', { kept: true })
    await first.stop()
    const second = new Rio({ database: file })
    onCleanup(() => second.stop())
    expect((await second.getEvent(id)).payload).toEqual({ kept: true })
  })

  it('rejects emits after stop with RioClosedError', async () => {
    const rio = makeRio()
    await rio.stop()
    await expect(rio.emit('x', {})).rejects.toBeInstanceOf(RioClosedError)
  })
})

describe('transactional outbox', () => {
  async function hostApp() {
    const receiver = await startReceiver()
    onCleanup(() => receiver.close())
    const db = new Database(join(tempDir(), 'app.db'))
    onCleanup(() => {
      db.close()
    })
    db.exec('CREATE TABLE comments (id INTEGER PRIMARY KEY, content TEXT NOT NULL)')
    const rio = new Rio({ database: db, pollIntervalMs: 50 })
    onCleanup(() => rio.stop())
    await rio.webhook('comment-published', { url: receiver.url })
    await rio.start()
    return { db, rio, receiver }
  }

  it('writes no event when the host transaction rolls back', async () => {
    const { db, rio, receiver } = await hostApp()
    const publish = db.transaction((content: string) => {
      db.prepare('INSERT INTO comments (content) VALUES (?)').run(content)
      rio.emitSync('comment-published', { content })
      throw new Error('validation failed after the insert')
    })
    expect(() => publish('hi')).toThrow('validation failed')
    expect(db.prepare('SELECT count(*) AS n FROM comments').get()).toEqual({ n: 0 })
    expect(await rio.listEvents()).toEqual([])
    expect(await rio.listDeliveries()).toEqual([])
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(receiver.requests).toHaveLength(0)
  })

  it('delivers the event when the host transaction commits', async () => {
    const { db, rio, receiver } = await hostApp()
    const publish = db.transaction((content: string) => {
      const { lastInsertRowid } = db.prepare('INSERT INTO comments (content) VALUES (?)').run(content)
      return rio.emitSync('comment-published', { id: Number(lastInsertRowid), content })
    })
    const { id } = publish('hello')
    await receiver.waitFor(1, 5000)
    expect(receiver.requests[0]!.headers['webhook-id']).toBe(id)
    expect(JSON.parse(receiver.requests[0]!.body)).toEqual({ id: 1, content: 'hello' })
    await waitUntil(
      async () => (await rio.listDeliveries({ status: 'succeeded' })).length === 1,
      'success recorded',
    )
  })
})
