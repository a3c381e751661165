import { describe, expect, it } from 'vitest'
import { RioConflictError, RioNotFoundError } from '../../../src/errors.js'
import type { DeliveryFilter } from '../../../src/store/store.js'
import { attemptAll, type CurrentStore, claim, eventInput, result, T0, webhookInput } from './fixtures.js'

/** Reading deliveries and attempts, putting finished ones back in the queue, and counting them. */
export function deliveriesContract(store: CurrentStore): void {
  describe('getDelivery, listDeliveries and listAttempts', () => {
    it('returns null and no attempts when the delivery is unknown', async () => {
      expect(await store().getDelivery('999999')).toBeNull()
      expect(await store().listAttempts('999999')).toEqual([])
    })

    it('filters deliveries by status, handler, event, project and since, newest first', async () => {
      const h1 = await store().insertHandler(webhookInput('p', 'h1', '*'), T0)
      const h2 = await store().insertHandler(webhookInput('p', 'h2', 'b'), T0)
      const hq = await store().insertHandler(webhookInput('q', 'hq', '*'), T0)
      const [a, b, q] = [
        eventInput('p', 'a', { createdAt: T0 }),
        eventInput('p', 'b', { createdAt: T0 + 10 }),
        eventInput('q', 'a', { createdAt: T0 + 20 }),
      ]
      await store().insertEvents([a!, b!, q!])
      // h1/a succeeds, h1/b is in flight; h2/b and hq/q stay pending
      await attemptAll(store(), h1.id, { kind: 'succeeded' }, T0)
      await claim(store(), h1.id, { now: T0 + 10 })
      const pairs = async (filter: Omit<DeliveryFilter, 'limit'>) =>
        (await store().listDeliveries({ ...filter, limit: 100 })).map((d) => [d.handlerId, d.eventId])

      // one event's deliveries to several handlers are created together, in no set order
      const all = await pairs({})
      expect(all.map(([, event]) => event)).toEqual([q!.id, b!.id, b!.id, a!.id])
      expect(all.slice(1, 3).sort()).toEqual(
        [
          [h1.id, b!.id],
          [h2.id, b!.id],
        ].sort(),
      )
      expect(await pairs({ status: 'pending' })).toEqual([
        [hq.id, q!.id],
        [h2.id, b!.id],
      ])
      expect(await pairs({ status: ['succeeded', 'in_flight'] })).toEqual([
        [h1.id, b!.id],
        [h1.id, a!.id],
      ])
      expect(await pairs({ handlerId: h1.id })).toEqual([
        [h1.id, b!.id],
        [h1.id, a!.id],
      ])
      expect((await pairs({ eventId: b!.id })).sort()).toEqual(
        [
          [h1.id, b!.id],
          [h2.id, b!.id],
        ].sort(),
      )
      expect(await pairs({ project: 'q' })).toEqual([[hq.id, q!.id]])
      expect(await pairs({ since: T0 + 10 })).toHaveLength(3)
      expect(await pairs({ project: 'p', status: 'pending' })).toEqual([[h2.id, b!.id]])
    })

    it('pages deliveries newest first with the last id as the before cursor', async () => {
      const h = await store().insertHandler(webhookInput('p', 'h', '*'), T0)
      const events = [0, 1, 2, 3, 4].map((i) => eventInput('p', 'x', { createdAt: T0 + i }))
      for (const e of events) await store().insertEvents([e])
      const page1 = await store().listDeliveries({ handlerId: h.id, limit: 2 })
      const page2 = await store().listDeliveries({ handlerId: h.id, limit: 2, before: page1.at(-1)!.id })
      const page3 = await store().listDeliveries({ handlerId: h.id, limit: 2, before: page2.at(-1)!.id })
      expect([...page1, ...page2, ...page3].map((d) => d.eventId)).toEqual(events.map((e) => e.id).reverse())
      expect(page3).toHaveLength(1)
    })
  })

  describe('redeliver', () => {
    async function deadDelivery() {
      const h = await store().insertHandler(webhookInput('p', 'h', '*'), T0)
      await store().insertEvents([eventInput('p', 'x')])
      await attemptAll(store(), h.id, { kind: 'retry', nextAttemptAt: T0 + 10 }, T0)
      const [dead] = await attemptAll(store(), h.id, { kind: 'dead' }, T0 + 10)
      return { h, id: dead!.id }
    }

    it('puts a dead delivery back pending, due now, with retryFrom at its attempts', async () => {
      const { h, id } = await deadDelivery()
      const redelivered = await store().redeliver(id, T0 + 100)
      expect(redelivered).toMatchObject({
        id,
        status: 'pending',
        attempts: 2,
        nextAttemptAt: new Date(T0 + 100),
        finishedAt: null,
      })
      expect(await store().getDelivery(id)).toEqual(redelivered)
      const [again] = await claim(store(), h.id, { now: T0 + 100 })
      expect(again).toMatchObject({ id, attempts: 2, retryFrom: 2 })
      const [done] = await store().completeDeliveries([result(again!, { kind: 'succeeded' })], {
        now: T0 + 101,
        owner: 'owner-a',
        disableAfterMs: 1e12,
      })
      expect(done!.attempt).toBe(3)
      expect((await store().listAttempts(id)).map((a) => [a.number, a.status])).toEqual([
        [1, 500],
        [2, 500],
        [3, 200],
      ])
    })

    it('puts a succeeded or waiting delivery back due now', async () => {
      const h = await store().insertHandler(webhookInput('p', 'h', '*'), T0)
      await store().insertEvents([eventInput('p', 'a'), eventInput('p', 'b')])
      const [a, b] = await claim(store(), h.id, { now: T0 })
      await store().completeDeliveries(
        [result(a!, { kind: 'succeeded' }), result(b!, { kind: 'retry', nextAttemptAt: T0 + 10_000 })],
        { now: T0 + 1, owner: 'owner-a', disableAfterMs: 1e12 },
      )
      await store().redeliver(a!.id, T0 + 5)
      await store().redeliver(b!.id, T0 + 5)
      const claimed = await claim(store(), h.id, { now: T0 + 5 })
      expect(claimed.map((c) => c.id).sort()).toEqual([a!.id, b!.id].sort())
      expect(claimed.map((c) => c.retryFrom)).toEqual([1, 1])
    })

    it('rejects with RioConflictError and changes nothing when the delivery is in flight', async () => {
      const h = await store().insertHandler(webhookInput('p', 'h', '*'), T0)
      await store().insertEvents([eventInput('p', 'x')])
      const [c] = await claim(store(), h.id, { now: T0, leaseUntil: T0 + 1000 })
      const before = await store().getDelivery(c!.id)
      await expect(store().redeliver(c!.id, T0 + 1)).rejects.toBeInstanceOf(RioConflictError)
      expect(await store().getDelivery(c!.id)).toEqual(before)
    })

    it('rejects with RioNotFoundError when the delivery is unknown', async () => {
      await expect(store().redeliver('999999', T0)).rejects.toBeInstanceOf(RioNotFoundError)
    })

    it('rejects with RioConflictError when the handler was removed', async () => {
      const { h, id } = await deadDelivery()
      await store().deleteHandler(h.id, T0 + 20)
      await expect(store().redeliver(id, T0 + 30)).rejects.toBeInstanceOf(RioConflictError)
      expect((await store().getDelivery(id))!.status).toBe('dead')
    })
  })

  describe('recoverDeliveries', () => {
    it('re-queues only the handler’s dead deliveries created since the given time', async () => {
      const h = await store().insertHandler(webhookInput('p', 'h', '*'), T0)
      const other = await store().insertHandler(webhookInput('p', 'other', '*'), T0)
      await store().insertEvents([eventInput('p', 'old', { createdAt: T0 })])
      await attemptAll(store(), h.id, { kind: 'dead' }, T0)
      await store().insertEvents([
        eventInput('p', 'dead-1', { createdAt: T0 + 100 }),
        eventInput('p', 'dead-2', { createdAt: T0 + 101 }),
      ])
      await attemptAll(store(), h.id, { kind: 'dead' }, T0 + 101)
      await attemptAll(store(), other.id, { kind: 'dead' }, T0 + 101)
      await store().insertEvents([eventInput('p', 'ok', { createdAt: T0 + 102 })])
      await attemptAll(store(), h.id, { kind: 'succeeded' }, T0 + 102)
      await store().insertEvents([eventInput('p', 'waiting', { createdAt: T0 + 103 })])

      expect(await store().recoverDeliveries({ handlerId: h.id, since: T0 + 50, now: T0 + 200 })).toBe(2)
      const byName = async (handlerId: string) => {
        const deliveries = await store().listDeliveries({ handlerId, limit: 100 })
        const names = await Promise.all(
          deliveries.map(async (d) => (await store().getEvent(d.eventId))!.name),
        )
        return Object.fromEntries(
          deliveries.map((d, i) => [names[i], [d.status, d.nextAttemptAt?.getTime()]]),
        )
      }
      expect(await byName(h.id)).toEqual({
        old: ['dead', undefined],
        'dead-1': ['pending', T0 + 200],
        'dead-2': ['pending', T0 + 200],
        ok: ['succeeded', undefined],
        waiting: ['pending', T0 + 103],
      })
      expect(await store().listDeliveries({ handlerId: other.id, status: 'dead', limit: 100 })).toHaveLength(
        3,
      )
      const recovered = await claim(store(), h.id, { now: T0 + 200 })
      expect(recovered.filter((c) => c.event.name.startsWith('dead')).map((c) => c.retryFrom)).toEqual([1, 1])
    })
  })

  describe('deliveryStats', () => {
    it('counts pending, in flight, due and dead since the given time', async () => {
      const h = await store().insertHandler(webhookInput('p', 'h', '*'), T0)
      await store().insertEvents([eventInput('p', 'old-dead', { createdAt: T0 })])
      await attemptAll(store(), h.id, { kind: 'dead' }, T0)
      await store().insertEvents([eventInput('p', 'new-dead', { createdAt: T0 + 100 })])
      await attemptAll(store(), h.id, { kind: 'dead' }, T0 + 100)
      await store().insertEvents([eventInput('p', 'in-flight', { createdAt: T0 + 200 })])
      await claim(store(), h.id, { now: T0 + 200 })
      await store().insertEvents([
        eventInput('p', 'due', { createdAt: T0 + 300 }),
        eventInput('p', 'later', { createdAt: T0 + 900 }),
      ])
      expect(await store().deliveryStats({ now: T0 + 300, deadSince: T0 + 50 })).toEqual({
        pending: 2,
        inFlight: 1,
        due: 1,
        deadSince: 1,
      })
      expect(await store().deliveryStats({ now: T0 + 900, deadSince: T0 })).toMatchObject({
        due: 2,
        deadSince: 2,
      })
    })
  })
}
