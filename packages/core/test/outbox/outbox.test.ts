import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { MAX_BATCH_PAYLOAD_CHARS, Outbox } from '../../src/outbox/outbox.js'
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js'
import type { EventInput } from '../../src/store/store.js'
import { onCleanup, tempDir } from '../helpers.js'
import { eventInput, T0 } from '../store/contract/fixtures.js'

/** A real store on a temp file whose transactions are recorded: events and payload text in each. */
async function recordedStore() {
  const store = new SqliteStore({ database: join(tempDir(), 'rio.db') })
  onCleanup(() => store.close())
  await store.ensureProject('shop', T0)
  const transactions: Array<{ events: number; chars: number }> = []
  const insertEvents = store.insertEvents.bind(store)
  store.insertEvents = (events: readonly EventInput[]) => {
    transactions.push({ events: events.length, chars: events.reduce((n, e) => n + e.payloadJson.length, 0) })
    return insertEvents(events)
  }
  return { store, transactions }
}

/** A payload of about `chars` characters of JSON. */
const bigPayload = (chars: number) => JSON.stringify({ blob: 'x'.repeat(chars - 12) })

describe('Outbox', () => {
  it('closes a group commit at 8 MiB of payload, but never splits one emit', async () => {
    const { store, transactions } = await recordedStore()
    const outbox = new Outbox(store, { maxBatchSize: 1000, onCommit: () => {} })
    const mib = 1024 * 1024
    const writes = [
      // 12 single emits of just under 1 MiB: before, all 12 went into one 12 MiB transaction.
      ...Array.from({ length: 12 }, (_, i) => [
        eventInput('shop', 'big', { createdAt: T0 + i, payloadJson: bigPayload(mib) }),
      ]),
      // one batch emit of 10 MiB in all: larger than the budget, still written whole and alone.
      Array.from({ length: 10 }, (_, i) =>
        eventInput('shop', 'batch', { createdAt: T0 + 100 + i, payloadJson: bigPayload(mib) }),
      ),
    ].map((events) => outbox.write(events))
    const outcomes = await Promise.all(writes)

    expect(outcomes.flat()).toHaveLength(22)
    expect(outcomes.flat().every((o) => !o.duplicate)).toBe(true)
    expect(transactions.map((t) => t.events)).toEqual([8, 4, 10])
    for (const t of transactions.slice(0, -1)) expect(t.chars).toBeLessThanOrEqual(MAX_BATCH_PAYLOAD_CHARS)
    expect((await store.listEvents({ project: 'shop', limit: 100 })).length).toBe(22)
  })

  it('still shares one transaction among many small emits', async () => {
    const { store, transactions } = await recordedStore()
    const outbox = new Outbox(store, { maxBatchSize: 1000, onCommit: () => {} })
    await Promise.all(
      Array.from({ length: 300 }, (_, i) =>
        outbox.write([eventInput('shop', 'small', { createdAt: T0 + i })]),
      ),
    )
    expect(transactions.map((t) => t.events)).toEqual([300])
  })

  it('gives the event loop a turn between transactions of a backlog', async () => {
    const { store, transactions } = await recordedStore()
    const outbox = new Outbox(store, { maxBatchSize: 10, onCommit: () => {} })
    // What ran between the transactions: an I/O callback (here, an immediate queued by the
    // first commit) must not wait for the whole backlog.
    const seen: string[] = []
    const insertEvents = store.insertEvents
    store.insertEvents = (events) => {
      seen.push(`commit ${transactions.length + 1}`)
      if (transactions.length === 0) setImmediate(() => seen.push('other work'))
      return insertEvents(events)
    }
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        outbox.write([eventInput('shop', 'small', { createdAt: T0 + i })]),
      ),
    )
    expect(transactions.map((t) => t.events)).toEqual([10, 10, 10, 10])
    expect(seen.indexOf('other work')).toBeGreaterThan(0)
    expect(seen.indexOf('other work')).toBeLessThan(seen.indexOf('commit 4'))
  })

  it('resolves every write once its commit is done, and drain() waits for a backlog', async () => {
    const { store } = await recordedStore()
    const outbox = new Outbox(store, { maxBatchSize: 5, onCommit: () => {} })
    const writes = Array.from({ length: 23 }, (_, i) =>
      outbox.write([eventInput('shop', 'small', { createdAt: T0 + i })]),
    )
    await outbox.drain()
    expect((await store.listEvents({ project: 'shop', limit: 100 })).length).toBe(23)
    expect((await Promise.all(writes)).flat()).toHaveLength(23)
  })
})
