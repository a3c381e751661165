import { describe, expect, it } from 'vitest'
import type { Store } from '../../../src/store/store.js'
import { attemptAll, type CurrentStore, claim, eventInput, result, T0, webhookInput } from './fixtures.js'

/**
 * What a cleanup would remove, counted as a dry run counts it: chunk after chunk of about `limit`
 * events from the oldest on, until the store says there is none left. Also returns each chunk's
 * `from`, to check that every chunk moves on.
 */
async function countAll(store: Store, window: { before: number; now: number }, limit = 5000) {
  const total = { events: 0, deliveries: 0, attempts: 0 }
  const froms: number[] = []
  for (let from: number | null = Number.MIN_SAFE_INTEGER; from !== null; ) {
    froms.push(from)
    const counted = await store.countFinishedEvents({ ...window, from, limit })
    total.events += counted.events
    total.deliveries += counted.deliveries
    total.attempts += counted.attempts
    from = counted.next
    if (froms.length > 1000) throw new Error('countFinishedEvents never reached the end')
  }
  return { total, froms }
}

/**
 * Old events in every state a cleanup meets, and a recent one: before `T0 + 50`, `succeeded`, `dead`
 * (one failed attempt, then one more) and `unmatched` (no delivery) are finished; `pending` (one
 * handler done, another not) and `inFlight` (claimed) are not. Three events, two deliveries and
 * three attempts may go.
 */
async function seedOldAndUnfinished(store: Store) {
  const h = await store.insertHandler(webhookInput('p', 'h', '*'), T0)
  const other = await store.insertHandler(webhookInput('p', 'other', 'pending-*'), T0)
  const events = {
    succeeded: eventInput('p', 'succeeded', { createdAt: T0 }),
    dead: eventInput('p', 'dead', { createdAt: T0 + 1 }),
    unmatched: eventInput('q', 'unmatched', { createdAt: T0 + 2 }),
    pending: eventInput('p', 'pending-x', { createdAt: T0 + 3 }),
    inFlight: eventInput('p', 'in-flight', { createdAt: T0 + 4 }),
    recent: eventInput('p', 'recent', { createdAt: T0 + 100 }),
  }
  await store.insertEvents([events.succeeded, events.dead, events.unmatched])
  await attemptAll(store, h.id, { kind: 'succeeded' }, T0)
  await attemptAll(store, h.id, { kind: 'retry', nextAttemptAt: T0 + 1 }, T0 + 1)
  await attemptAll(store, h.id, { kind: 'dead' }, T0 + 1)
  await store.insertEvents([events.pending, events.inFlight])
  await attemptAll(store, h.id, { kind: 'succeeded' }, T0 + 3) // h is done with pending-x; other is not
  await claim(store, h.id, { now: T0 + 4 })
  await store.insertEvents([events.recent])
  await attemptAll(store, h.id, { kind: 'succeeded' }, T0 + 100)
  expect((await store.listDeliveries({ handlerId: other.id, limit: 10 })).map((d) => d.status)).toEqual([
    'pending',
  ])
  return events
}

/** Deleting old events once all their deliveries have finished. */
export function retentionContract(store: CurrentStore): void {
  describe('deleteFinishedEvents', () => {
    it('deletes old finished events with their deliveries and attempts, keeping unfinished ones', async () => {
      const events = await seedOldAndUnfinished(store())
      expect(await store().deleteFinishedEvents({ before: T0 + 50, limit: 100, now: T0 + 200 })).toEqual({
        events: 3,
        deliveries: 2,
        attempts: 3,
      })
      for (const gone of [events.succeeded, events.dead, events.unmatched]) {
        expect(await store().getEvent(gone.id)).toBeNull()
        expect(await store().listDeliveries({ eventId: gone.id, limit: 10 })).toEqual([])
      }
      for (const kept of [events.pending, events.inFlight, events.recent]) {
        expect(await store().getEvent(kept.id)).not.toBeNull()
      }
      expect(await store().deleteFinishedEvents({ before: T0 + 50, limit: 100, now: T0 + 200 })).toEqual({
        events: 0,
        deliveries: 0,
        attempts: 0,
      })
    })

    it('keeps an event whose delivery was cancelled mid-attempt until that attempt lease ends, and a late result never fails the others', async () => {
      const removed = await store().insertHandler(webhookInput('p', 'removed', 'a'), T0)
      const kept = await store().insertHandler(webhookInput('p', 'kept', 'b'), T0)
      const a = eventInput('p', 'a', { createdAt: T0 })
      const b = eventInput('p', 'b', { createdAt: T0 + 1 })
      await store().insertEvents([a, b])
      const [running] = await claim(store(), removed.id, { now: T0 + 2, leaseUntil: T0 + 1000 })
      const [other] = await claim(store(), kept.id, { now: T0 + 2, leaseUntil: T0 + 1000 })
      // The handler is removed while its attempt runs: the delivery is cancelled, the attempt goes on.
      await store().deleteHandler(removed.id, T0 + 3)
      expect(await store().deleteFinishedEvents({ before: T0 + 50, limit: 100, now: T0 + 4 })).toMatchObject({
        events: 0,
      })
      expect(await store().getEvent(a.id)).not.toBeNull()

      // Past its lease the attempt is over (or lost): the event may go, and a result arriving later
      // still does not fail the batch it is written with.
      expect(
        await store().deleteFinishedEvents({ before: T0 + 50, limit: 100, now: T0 + 1001 }),
      ).toMatchObject({
        events: 1,
      })
      const outcomes = await store().completeDeliveries(
        [result(running!, { kind: 'succeeded' }), result(other!, { kind: 'succeeded' })],
        { now: T0 + 5, owner: 'owner-a', disableAfterMs: 1e12 },
      )
      expect(outcomes.map((o) => o.applied)).toEqual([false, true])
      expect(await store().getDelivery(other!.id)).toMatchObject({ status: 'succeeded' })
    })

    it('deletes at most limit events, oldest first', async () => {
      const events = [0, 1, 2].map((i) => eventInput('p', 'x', { createdAt: T0 + i }))
      await store().insertEvents(events)
      expect(await store().deleteFinishedEvents({ before: T0 + 10, limit: 2, now: T0 + 200 })).toMatchObject({
        events: 2,
      })
      expect((await store().listEvents({ limit: 10 })).map((e) => e.id)).toEqual([events[2]!.id])
    })
  })

  describe('countFinishedEvents', () => {
    it('counts what deleteFinishedEvents then deletes, and deletes nothing itself', async () => {
      const events = await seedOldAndUnfinished(store())
      const expected = { events: 3, deliveries: 2, attempts: 3 }
      const window = { before: T0 + 50, now: T0 + 200 }
      expect((await countAll(store(), window)).total).toEqual(expected)
      expect((await countAll(store(), window)).total).toEqual(expected)
      for (const event of Object.values(events)) expect(await store().getEvent(event.id)).not.toBeNull()

      expect(await store().deleteFinishedEvents({ ...window, limit: 100 })).toEqual(expected)
      expect((await countAll(store(), window)).total).toEqual({ events: 0, deliveries: 0, attempts: 0 })
    })

    it('counts every batch a cleanup would take, with no limit', async () => {
      const h = await store().insertHandler(webhookInput('p', 'h', '*'), T0)
      await store().insertEvents([0, 1, 2, 3, 4].map((i) => eventInput('p', 'x', { createdAt: T0 + i })))
      await attemptAll(store(), h.id, { kind: 'succeeded' }, T0 + 10)
      const window = { before: T0 + 50, now: T0 + 200 }
      expect((await countAll(store(), window)).total).toEqual({ events: 5, deliveries: 5, attempts: 5 })

      const removed = { events: 0, deliveries: 0, attempts: 0 }
      for (;;) {
        const batch = await store().deleteFinishedEvents({ ...window, limit: 2 })
        removed.events += batch.events
        removed.deliveries += batch.deliveries
        removed.attempts += batch.attempts
        if (batch.events < 2) break
      }
      expect(removed).toEqual({ events: 5, deliveries: 5, attempts: 5 })
    })

    it('counts in chunks of about limit events that add up to the whole, a crowded millisecond in one chunk', async () => {
      const h = await store().insertHandler(webhookInput('p', 'h', '*'), T0)
      // 7 events at T0 (more than a chunk), then one each at T0+1 … T0+5, one at the cutoff.
      const times = [...Array<number>(7).fill(T0), T0 + 1, T0 + 2, T0 + 3, T0 + 4, T0 + 5, T0 + 50]
      await store().insertEvents(times.map((createdAt) => eventInput('p', 'x', { createdAt })))
      await attemptAll(store(), h.id, { kind: 'succeeded' }, T0 + 60)
      const window = { before: T0 + 50, now: T0 + 200 }
      const expected = { events: 12, deliveries: 12, attempts: 12 }
      expect((await countAll(store(), window)).total).toEqual(expected)
      const chunked = await countAll(store(), window, 2)
      expect(chunked.total).toEqual(expected)
      // The 7 at T0 are one chunk; then two events a chunk; the last chunk ends at the cutoff.
      expect(chunked.froms).toEqual([Number.MIN_SAFE_INTEGER, T0 + 1, T0 + 3, T0 + 5])
      const first = await store().countFinishedEvents({ ...window, from: Number.MIN_SAFE_INTEGER, limit: 2 })
      expect(first).toEqual({ events: 7, deliveries: 7, attempts: 7, next: T0 + 1 })
      expect(await store().countFinishedEvents({ ...window, from: T0 + 5, limit: 2 })).toEqual({
        events: 1,
        deliveries: 1,
        attempts: 1,
        next: null,
      })
      expect(await store().countFinishedEvents({ ...window, from: T0 + 50, limit: 2 })).toEqual({
        events: 0,
        deliveries: 0,
        attempts: 0,
        next: null,
      })
    })

    it('leaves out an event whose cancelled delivery may still be attempted, until its lease ends', async () => {
      const removed = await store().insertHandler(webhookInput('p', 'removed', 'a'), T0)
      await store().insertEvents([eventInput('p', 'a', { createdAt: T0 })])
      await claim(store(), removed.id, { now: T0 + 2, leaseUntil: T0 + 1000 })
      await store().deleteHandler(removed.id, T0 + 3)
      expect((await countAll(store(), { before: T0 + 50, now: T0 + 4 })).total).toEqual({
        events: 0,
        deliveries: 0,
        attempts: 0,
      })
      expect((await countAll(store(), { before: T0 + 50, now: T0 + 1001 })).total).toEqual({
        events: 1,
        deliveries: 1,
        attempts: 0,
      })
    })
  })
}
