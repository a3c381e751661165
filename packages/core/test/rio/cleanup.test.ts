import { describe, expect, it } from 'vitest'
import { ManualClock, type Rio, RioValidationError, UnrecoverableError } from '../../src/index.js'
import { makeRio, waitUntil } from '../helpers.js'

const T0 = Date.parse('2026-01-01T00:00:00Z')
const DAY = 86_400_000

/**
 * A Rio whose clock stands 40 days after its first events: one delivered, one dead after two
 * attempts, one matching no handler (finished, 3 events, 2 deliveries, 3 attempts), one never
 * attempted (pending); and one event from today.
 */
async function rioWithHistory(): Promise<{
  rio: Rio
  clock: ManualClock
  ids: { ok: string; bad: string; orphan: string; waiting: string; fresh: string }
}> {
  const clock = new ManualClock(T0)
  const rio = makeRio({ clock, retrySchedule: [0, 0], pollIntervalMs: 10 })
  let failures = 0
  rio.on('ok', 'ok', async () => {})
  rio.on('bad', 'bad', async () => {
    failures++
    throw failures === 1 ? new Error('try again') : new UnrecoverableError('for good')
  })
  const ok = await rio.emit('ok', {})
  const bad = await rio.emit('bad', {})
  const orphan = await rio.emit('nobody-listens', {})
  await rio.start()
  await waitUntil(
    async () => (await rio.listDeliveries({ status: ['succeeded', 'dead'] })).length === 2,
    'the old deliveries to finish',
  )
  await rio.stop()
  const again = makeRio({ clock, database: rio.options.database })
  again.on('later', 'later', async () => {}) // registered, never started: its delivery stays pending
  const waiting = await again.emit('later', {})
  await clock.advance(40 * DAY)
  const fresh = await again.emit('nobody-listens', {})
  return {
    rio: again,
    clock,
    ids: { ok: ok.id, bad: bad.id, orphan: orphan.id, waiting: waiting.id, fresh: fresh.id },
  }
}

describe('cleanup dry run', () => {
  it('counts with dryRun exactly what a cleanup then removes, and removes nothing itself', async () => {
    const { rio, clock, ids } = await rioWithHistory()
    const olderThan = new Date(clock.now() - 30 * DAY)
    const before = (await rio.listEvents({ limit: 100 })).map((e) => e.id).sort()
    const deliveriesBefore = await rio.listDeliveries({ limit: 100 })
    expect(before).toHaveLength(5)

    const would = await rio.cleanup({ olderThan, dryRun: true })
    expect(would).toEqual({ events: 3, deliveries: 2, attempts: 3 })
    expect((await rio.listEvents({ limit: 100 })).map((e) => e.id).sort()).toEqual(before)
    expect(await rio.listDeliveries({ limit: 100 })).toEqual(deliveriesBefore)

    expect(await rio.cleanup({ olderThan, batchSize: 2 })).toEqual(would)
    expect((await rio.listEvents({ limit: 100 })).map((e) => e.id).sort()).toEqual(
      [ids.waiting, ids.fresh].sort(),
    )
    expect(await rio.cleanup({ olderThan, dryRun: true })).toEqual({ events: 0, deliveries: 0, attempts: 0 })
  })

  it('counts a large history in chunks, reporting progress and letting timers run between them', async () => {
    const clock = new ManualClock(T0)
    const rio = makeRio({ clock })
    for (let i = 0; i < 12; i++) {
      await rio.emitMany(Array.from({ length: 1000 }, () => ({ name: 'nobody-listens', payload: {} })))
      await clock.advance(1000) // 12 000 events over 12 seconds, a thousand per millisecond
    }
    const progress: number[] = []
    let ticks = 0
    const ticker = setInterval(() => ticks++, 0)
    try {
      const counted = await rio.cleanup({
        olderThan: new Date(clock.now()),
        dryRun: true,
        onProgress: (so) => progress.push(so.events),
      })
      expect(counted).toEqual({ events: 12_000, deliveries: 0, attempts: 0 })
    } finally {
      clearInterval(ticker)
    }
    // Chunks of about 1 000 events, ending at a millisecond's edge.
    expect(progress).toEqual(Array.from({ length: 11 }, (_, i) => (i + 1) * 1000))
    expect(ticks).toBeGreaterThan(0)
    expect(await rio.listEvents({ limit: 1 })).toHaveLength(1)
  })

  it('deletes big payloads in transactions of a few MiB, then goes on to the rest', async () => {
    const clock = new ManualClock(T0)
    const rio = makeRio({ clock, maxPayloadBytes: 1024 * 1024 })
    const blob = 'x'.repeat(512 * 1024)
    for (let i = 0; i < 20; i++) await rio.emit('nobody-listens', { i, blob })
    await rio.emitMany(Array.from({ length: 30 }, (_, i) => ({ name: 'nobody-listens', payload: { i } })))
    await clock.advance(DAY)
    const transactions: number[] = []
    const deleteFinishedEvents = rio.store.deleteFinishedEvents.bind(rio.store)
    rio.store.deleteFinishedEvents = async (input) => {
      const removed = await deleteFinishedEvents(input)
      transactions.push(removed.events)
      return removed
    }
    const progress: number[] = []
    const removed = await rio.cleanup({
      olderThan: new Date(clock.now()),
      onProgress: (so) => progress.push(so.events),
    })
    expect(removed).toEqual({ events: 50, deliveries: 0, attempts: 0 })
    // 512 KiB each: 7 fit under 4 MiB with their JSON around them, the eighth would pass it.
    expect(transactions).toEqual([7, 7, 6 + 30])
    expect(progress).toEqual([7, 14, 50])
    expect(await rio.listEvents({ limit: 10 })).toEqual([])
  })

  it('refuses a dryRun that is not a boolean rather than guess whether to delete', async () => {
    const { rio, clock } = await rioWithHistory()
    for (const dryRun of ['true', 'false', 1, null]) {
      const error = await rio
        .cleanup({ olderThan: new Date(clock.now()), dryRun: dryRun as unknown as boolean })
        .catch((e: unknown) => e)
      expect(error, String(dryRun)).toBeInstanceOf(RioValidationError)
      expect((error as RioValidationError).message).toMatch(/dryRun must be true or false/)
    }
    expect(await rio.listEvents({ limit: 100 })).toHaveLength(5)
  })
})
