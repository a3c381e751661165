import { describe, expect, it } from 'vitest'
import type { Store } from '../../../src/store/store.js'
import { type CurrentStore, eventInput, functionInput, T0, webhookInput } from './fixtures.js'

/** The handler ids that got a delivery for `eventId`, sorted. */
async function handlersOf(store: Store, eventId: string): Promise<string[]> {
  return (await store.listDeliveries({ eventId, limit: 100 })).map((d) => d.handlerId).sort()
}

/** Writing events (fan-out, idempotency) and reading them back. */
export function eventsContract(store: CurrentStore): void {
  describe('insertEvents', () => {
    it('creates one delivery per matching enabled handler when patterns are exact, prefix or *', async () => {
      const exact = await store().insertHandler(webhookInput('p', 'exact', 'comment.published'), T0)
      const prefix = await store().insertHandler(webhookInput('p', 'prefix', 'comment.*'), T0)
      const all = await store().insertHandler(functionInput('p', 'all', '*'), T0)
      await store().insertHandler(webhookInput('other', 'elsewhere', '*'), T0)
      const events = [
        eventInput('p', 'comment.published'),
        eventInput('p', 'comment.deleted'),
        eventInput('p', 'commentary'),
        eventInput('p', 'user.created'),
      ]
      const outcomes = await store().insertEvents(events)
      expect(outcomes).toEqual([
        { id: events[0]!.id, duplicate: false, deliveries: 3 },
        { id: events[1]!.id, duplicate: false, deliveries: 2 },
        { id: events[2]!.id, duplicate: false, deliveries: 1 },
        { id: events[3]!.id, duplicate: false, deliveries: 1 },
      ])
      expect(await handlersOf(store(), events[0]!.id)).toEqual([exact.id, prefix.id, all.id].sort())
      expect(await handlersOf(store(), events[1]!.id)).toEqual([prefix.id, all.id].sort())
      expect(await handlersOf(store(), events[2]!.id)).toEqual([all.id])
      expect(await handlersOf(store(), events[3]!.id)).toEqual([all.id])
    })

    it('creates each delivery pending, due at the event time, with no attempts', async () => {
      const h = await store().insertHandler(webhookInput('p', 'h', '*'), T0)
      const e = eventInput('p', 'x', { createdAt: T0 + 5 })
      await store().insertEvents([e])
      const [delivery] = await store().listDeliveries({ eventId: e.id, limit: 10 })
      expect(delivery).toMatchObject({
        eventId: e.id,
        handlerId: h.id,
        project: 'p',
        status: 'pending',
        attempts: 0,
        nextAttemptAt: new Date(T0 + 5),
        leaseUntil: null,
        lastStatus: null,
        lastError: null,
        createdAt: new Date(T0 + 5),
        finishedAt: null,
      })
    })

    it('creates no delivery for a handler when it is disabled, created disabled or removed', async () => {
      const disabled = await store().insertHandler(webhookInput('p', 'disabled', '*'), T0)
      await store().setHandlerEnabled(disabled.id, false, 'manual', T0)
      await store().insertHandler(webhookInput('p', 'born-off', '*', { enabled: false }), T0)
      const removed = await store().insertHandler(webhookInput('p', 'removed', '*'), T0)
      await store().deleteHandler(removed.id, T0)
      const live = await store().insertHandler(webhookInput('p', 'live', '*'), T0)
      const [outcome] = await store().insertEvents([eventInput('p', 'x')])
      expect(outcome!.deliveries).toBe(1)
      expect(await handlersOf(store(), outcome!.id)).toEqual([live.id])

      await store().setHandlerEnabled(disabled.id, true, null, T0)
      const [later] = await store().insertEvents([eventInput('p', 'x')])
      expect(await handlersOf(store(), later!.id)).toEqual([disabled.id, live.id].sort())
    })

    it('writes an event with no deliveries when no handler matches', async () => {
      await store().insertHandler(webhookInput('p', 'h', 'user.*'), T0)
      const e = eventInput('p', 'order.paid')
      expect(await store().insertEvents([e])).toEqual([{ id: e.id, duplicate: false, deliveries: 0 }])
      expect(await store().getEvent(e.id)).not.toBeNull()
    })

    it('returns the first id and writes nothing when an idempotency key repeats in the project', async () => {
      await store().insertHandler(webhookInput('p', 'h', '*'), T0)
      const first = eventInput('p', 'x', { idempotencyKey: 'k' })
      await store().insertEvents([first])
      const repeat = eventInput('p', 'x', { idempotencyKey: 'k', createdAt: T0 + 10 })
      expect(await store().insertEvents([repeat])).toEqual([{ id: first.id, duplicate: true, deliveries: 0 }])
      expect(await store().getEvent(repeat.id)).toBeNull()
      expect((await store().listEvents({ project: 'p', limit: 10 })).map((e) => e.id)).toEqual([first.id])
      expect(await store().listDeliveries({ project: 'p', limit: 10 })).toHaveLength(1)
    })

    it('refuses the whole call when a used idempotency key comes with another name or payload', async () => {
      await store().insertHandler(webhookInput('p', 'h', '*'), T0)
      const first = eventInput('p', 'x', { idempotencyKey: 'k' })
      await store().insertEvents([first])
      const fresh = eventInput('p', 'x', { idempotencyKey: 'fresh' })
      for (const changed of [
        eventInput('p', 'y', { idempotencyKey: 'k' }),
        eventInput('p', 'x', { idempotencyKey: 'k', payloadJson: '{"other":true}' }),
      ]) {
        await expect(store().insertEvents([fresh, changed])).rejects.toMatchObject({
          name: 'RioIdempotencyError',
          code: 'idempotency_key_reused',
          idempotencyKey: 'k',
          eventId: first.id,
        })
      }
      // Nothing of a refused call is written, the event beside the culprit included.
      expect(await store().getEvent(fresh.id)).toBeNull()
      expect(await store().listDeliveries({ project: 'p', limit: 10 })).toHaveLength(1)
    })

    it('writes a separate event when the same idempotency key is used in another project', async () => {
      await store().insertHandler(webhookInput('q', 'h', '*'), T0)
      const inP = eventInput('p', 'x', { idempotencyKey: 'k' })
      const inQ = eventInput('q', 'x', { idempotencyKey: 'k' })
      await store().insertEvents([inP])
      expect(await store().insertEvents([inQ])).toEqual([{ id: inQ.id, duplicate: false, deliveries: 1 }])
      expect((await store().getEvent(inQ.id))!.project).toBe('q')
    })

    it('keeps only the first of a batch when an idempotency key repeats inside it', async () => {
      await store().insertHandler(webhookInput('p', 'h', '*'), T0)
      const first = eventInput('p', 'x', { idempotencyKey: 'k' })
      const other = eventInput('p', 'x', { idempotencyKey: 'other' })
      const repeat = eventInput('p', 'x', { idempotencyKey: 'k' })
      expect(await store().insertEvents([first, other, repeat])).toEqual([
        { id: first.id, duplicate: false, deliveries: 1 },
        { id: other.id, duplicate: false, deliveries: 1 },
        { id: first.id, duplicate: true, deliveries: 0 },
      ])
      expect(await store().listEvents({ project: 'p', limit: 10 })).toHaveLength(2)
      expect(await store().listDeliveries({ project: 'p', limit: 10 })).toHaveLength(2)
    })

    it('never treats events as duplicates when they have no idempotency key', async () => {
      const a = eventInput('p', 'x')
      const b = eventInput('p', 'x')
      const outcomes = await store().insertEvents([a, b])
      expect(outcomes.map((o) => o.duplicate)).toEqual([false, false])
      expect(await store().listEvents({ project: 'p', limit: 10 })).toHaveLength(2)
    })

    it('fans each event out to its own project when one batch spans several projects', async () => {
      const hp = await store().insertHandler(webhookInput('p', 'h', '*'), T0)
      const hq1 = await store().insertHandler(webhookInput('q', 'h1', '*'), T0)
      const hq2 = await store().insertHandler(webhookInput('q', 'h2', 'x'), T0)
      const batch = [eventInput('p', 'x'), eventInput('q', 'x'), eventInput('new', 'x'), eventInput('q', 'y')]
      const outcomes = await store().insertEvents(batch)
      expect(outcomes.map((o) => [o.id, o.deliveries])).toEqual([
        [batch[0]!.id, 1],
        [batch[1]!.id, 2],
        [batch[2]!.id, 0],
        [batch[3]!.id, 1],
      ])
      expect(await handlersOf(store(), batch[0]!.id)).toEqual([hp.id])
      expect(await handlersOf(store(), batch[1]!.id)).toEqual([hq1.id, hq2.id].sort())
      expect(await handlersOf(store(), batch[3]!.id)).toEqual([hq1.id])
      expect(await store().getProject('new')).toMatchObject({ name: 'new' })
      expect((await store().getEvent(batch[2]!.id))!.project).toBe('new')
    })

    it('returns no outcomes when the batch is empty', async () => {
      expect(await store().insertEvents([])).toEqual([])
    })
  })

  describe('getEvent and listEvents', () => {
    it('returns the event as written when read by id', async () => {
      const e = eventInput('p', 'order.paid', {
        payloadJson: '{"b":[1,2],"a":{"é":null}}',
        idempotencyKey: 'key-1',
        createdAt: T0 + 3,
      })
      await store().insertEvents([e])
      expect(await store().getEvent(e.id)).toMatchObject({
        id: e.id,
        project: 'p',
        name: 'order.paid',
        payload: { b: [1, 2], a: { é: null } },
        createdAt: new Date(T0 + 3),
        idempotencyKey: 'key-1',
      })
      expect(await store().getEvent('01890000-0000-7000-8000-000000000000')).toBeNull()
    })

    it('lists events newest first and pages with the last id as the before cursor', async () => {
      const events = Array.from({ length: 5 }, (_, i) => eventInput('p', 'x', { createdAt: T0 + i }))
      await store().insertEvents(events)
      const page1 = await store().listEvents({ limit: 2 })
      const page2 = await store().listEvents({ limit: 2, before: page1.at(-1)!.id })
      const page3 = await store().listEvents({ limit: 2, before: page2.at(-1)!.id })
      expect([...page1, ...page2, ...page3].map((e) => e.id)).toEqual(events.map((e) => e.id).reverse())
      expect(page3).toHaveLength(1)
    })

    it('filters events by project, name, since and until when given', async () => {
      const events = [
        eventInput('p', 'a', { createdAt: T0 }),
        eventInput('p', 'b', { createdAt: T0 + 10 }),
        eventInput('q', 'a', { createdAt: T0 + 20 }),
        eventInput('p', 'a', { createdAt: T0 + 30 }),
      ]
      await store().insertEvents(events)
      const ids = async (filter: Parameters<Store['listEvents']>[0]) =>
        (await store().listEvents(filter)).map((e) => e.id)
      const [e0, e1, e2, e3] = events.map((e) => e.id)
      expect(await ids({ project: 'p', limit: 10 })).toEqual([e3, e1, e0])
      expect(await ids({ name: 'a', limit: 10 })).toEqual([e3, e2, e0])
      expect(await ids({ project: 'p', name: 'a', limit: 10 })).toEqual([e3, e0])
      expect(await ids({ since: T0 + 10, limit: 10 })).toEqual([e3, e2, e1])
      expect(await ids({ until: T0 + 20, limit: 10 })).toEqual([e1, e0])
      expect(await ids({ since: T0 + 10, until: T0 + 30, limit: 10 })).toEqual([e2, e1])
      expect(await ids({ limit: 1 })).toEqual([e3])
    })
  })
}
