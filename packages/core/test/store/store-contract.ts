import { describe, expect, it } from 'vitest'
import { RioConflictError, RioNotFoundError } from '../../src/errors.js'
import { eventId } from '../../src/events/event-id.js'
import type { EventInput, HandlerInput, Store } from '../../src/store/store.js'
import { onCleanup } from '../helpers.js'

const T0 = Date.parse('2026-01-01T00:00:00Z')

function webhook(
  project: string,
  name: string,
  pattern: string,
  extra: Partial<HandlerInput> = {},
): HandlerInput {
  return {
    id: eventId(),
    project,
    name,
    kind: 'webhook',
    pattern,
    enabled: true,
    concurrency: 8,
    rateLimit: null,
    retrySchedule: null,
    url: 'http://127.0.0.1:1/',
    method: 'POST',
    contentType: 'json',
    secrets: ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'],
    headers: {},
    timeoutMs: 1000,
    ...extra,
  }
}

function event(project: string, name: string, extra: Partial<EventInput> = {}): EventInput {
  // Ids are time-ordered (UUIDv7) from the creation time, as Rio makes them.
  const createdAt = extra.createdAt ?? T0
  return {
    id: eventId(createdAt),
    project,
    name,
    payloadJson: '{"n":1}',
    createdAt,
    idempotencyKey: null,
    ...extra,
  }
}

/**
 * The behaviour every {@link Store} must have, run against each implementation (SQLite today; a
 * PostgreSQL store will run the same suite). Only the `Store` interface is used.
 */
export function storeContract(name: string, makeStore: () => Promise<Store>): void {
  describe(`${name} (Store contract)`, () => {
    async function store(): Promise<Store> {
      const s = await makeStore()
      onCleanup(() => s.close())
      return s
    }

    it('creates a delivery for each matching enabled handler, none for disabled or removed ones', async () => {
      const s = await store()
      const exact = await s.insertHandler(webhook('p', 'exact', 'comment.published'), T0)
      const prefix = await s.insertHandler(webhook('p', 'prefix', 'comment.*'), T0)
      await s.insertHandler(webhook('p', 'all', '*'), T0)
      const disabled = await s.insertHandler(webhook('p', 'off', '*'), T0)
      await s.setHandlerEnabled(disabled.id, false, 'manual', T0)
      const removed = await s.insertHandler(webhook('p', 'gone', '*'), T0)
      await s.deleteHandler(removed.id, T0)
      await s.insertHandler(webhook('other', 'elsewhere', '*'), T0)
      const [a, b] = await s.insertEvents([event('p', 'comment.published'), event('p', 'user.created')])
      expect(a).toMatchObject({ duplicate: false, deliveries: 3 })
      expect(b).toMatchObject({ duplicate: false, deliveries: 1 })
      const handlers = (await s.listDeliveries({ eventId: a!.id, limit: 10 })).map((d) => d.handlerId).sort()
      expect(handlers).toHaveLength(3)
      expect(handlers).toContain(exact.id)
      expect(handlers).toContain(prefix.id)
    })

    it('writes nothing for a repeated idempotency key in a project, also inside one batch', async () => {
      const s = await store()
      await s.insertHandler(webhook('p', 'h', '*'), T0)
      const [first, again] = await s.insertEvents([
        event('p', 'x', { idempotencyKey: 'k' }),
        event('p', 'x', { idempotencyKey: 'k' }),
      ])
      expect(again).toEqual({ id: first!.id, duplicate: true, deliveries: 0 })
      const [later] = await s.insertEvents([event('p', 'x', { idempotencyKey: 'k' })])
      expect(later!.id).toBe(first!.id)
      const [other] = await s.insertEvents([event('q', 'x', { idempotencyKey: 'k' })])
      expect(other!.id).not.toBe(first!.id)
      expect(await s.listEvents({ project: 'p', limit: 10 })).toHaveLength(1)
    })

    it('claims due deliveries oldest first, per handler, under a lease no one else can take', async () => {
      const s = await store()
      const h = await s.insertHandler(webhook('p', 'h', '*'), T0)
      const events = [
        event('p', 'a', { createdAt: T0 }),
        event('p', 'b', { createdAt: T0 + 1 }),
        event('p', 'c', { createdAt: T0 + 2 }),
      ]
      await s.insertEvents(events)
      const first = await s.claimDueDeliveries({
        slots: [{ handlerId: h.id, limit: 2 }],
        now: T0 + 10,
        leaseUntil: T0 + 1000,
        owner: 'a',
      })
      expect(first.map((c) => c.event.name)).toEqual(['a', 'b'])
      expect(first[0]!.payloadJson).toBe('{"n":1}')
      expect(first[0]).toMatchObject({ attempts: 0, retryFrom: 0 })
      const second = await s.claimDueDeliveries({
        slots: [{ handlerId: h.id, limit: 5 }],
        now: T0 + 10,
        leaseUntil: T0 + 1000,
        owner: 'b',
      })
      expect(second.map((c) => c.event.name)).toEqual(['c'])
      // after the lease runs out, another owner gets the stuck ones back
      const third = await s.claimDueDeliveries({
        slots: [{ handlerId: h.id, limit: 5 }],
        now: T0 + 1000,
        leaseUntil: T0 + 2000,
        owner: 'c',
      })
      expect(third.map((c) => c.event.name).sort()).toEqual(['a', 'b', 'c'])
    })

    it('honours the total across slots and never claims what is not yet due', async () => {
      const s = await store()
      const h1 = await s.insertHandler(webhook('p', 'h1', '*'), T0)
      const h2 = await s.insertHandler(webhook('p', 'h2', '*'), T0)
      await s.insertEvents([event('p', 'a', { createdAt: T0 + 500 })])
      expect(
        await s.claimDueDeliveries({
          slots: [{ handlerId: h1.id, limit: 5 }],
          now: T0,
          leaseUntil: T0 + 10,
          owner: 'a',
        }),
      ).toEqual([])
      const claimed = await s.claimDueDeliveries({
        slots: [
          { handlerId: h1.id, limit: 5 },
          { handlerId: h2.id, limit: 5 },
        ],
        total: 1,
        now: T0 + 500,
        leaseUntil: T0 + 600,
        owner: 'a',
      })
      expect(claimed.map((c) => c.handlerId)).toEqual([h1.id])
    })

    it('records attempts and moves deliveries on; a lost lease leaves the state alone', async () => {
      const s = await store()
      const h = await s.insertHandler(webhook('p', 'h', '*'), T0)
      await s.insertEvents([event('p', 'a')])
      const [c] = await s.claimDueDeliveries({
        slots: [{ handlerId: h.id, limit: 1 }],
        now: T0,
        leaseUntil: T0 + 100,
        owner: 'a',
      })
      const base = {
        deliveryId: c!.id,
        handlerId: h.id,
        startedAt: T0,
        durationMs: 5,
        responseBody: 'no',
        error: 'HTTP 500',
        status: 500,
      }
      const [retry] = await s.completeDeliveries(
        [{ ...base, outcome: { kind: 'retry', nextAttemptAt: T0 + 50 } }],
        { now: T0 + 5, owner: 'a', disableAfterMs: 1e9 },
      )
      expect(retry).toMatchObject({ applied: true, attempt: 1, handlerDisabled: null })
      expect(await s.getDelivery(c!.id)).toMatchObject({ status: 'pending', attempts: 1, lastStatus: 500 })
      expect((await s.getHandler(h.id))!.failingSince!.getTime()).toBe(T0 + 5)
      const [again] = await s.claimDueDeliveries({
        slots: [{ handlerId: h.id, limit: 1 }],
        now: T0 + 50,
        leaseUntil: T0 + 60,
        owner: 'a',
      })
      // owner b never held the lease: its result is recorded as an attempt, the state stays
      const [stale] = await s.completeDeliveries(
        [{ ...base, deliveryId: again!.id, outcome: { kind: 'succeeded' } }],
        { now: T0 + 55, owner: 'b', disableAfterMs: 1e9 },
      )
      expect(stale!.applied).toBe(false)
      expect((await s.getDelivery(c!.id))!.status).toBe('in_flight')
      await s.completeDeliveries([{ ...base, status: 200, error: null, outcome: { kind: 'succeeded' } }], {
        now: T0 + 56,
        owner: 'a',
        disableAfterMs: 1e9,
      })
      expect(await s.getDelivery(c!.id)).toMatchObject({ status: 'succeeded', attempts: 2 })
      expect((await s.getHandler(h.id))!.failingSince).toBeNull()
      expect((await s.listAttempts(c!.id)).map((a) => a.status)).toEqual([500, 500, 200])
    })

    it('disables a handler failing for longer than disableAfterMs, and on request', async () => {
      const s = await store()
      const h = await s.insertHandler(webhook('p', 'h', '*'), T0)
      await s.insertEvents([event('p', 'a'), event('p', 'b')])
      const claimed = await s.claimDueDeliveries({
        slots: [{ handlerId: h.id, limit: 2 }],
        now: T0,
        leaseUntil: T0 + 1e6,
        owner: 'a',
      })
      const fail = (id: string, now: number) =>
        s.completeDeliveries(
          [
            {
              deliveryId: id,
              handlerId: h.id,
              startedAt: now,
              durationMs: 1,
              status: 500,
              responseBody: null,
              error: 'HTTP 500',
              outcome: { kind: 'dead' },
            },
          ],
          { now, owner: 'a', disableAfterMs: 1000 },
        )
      expect((await fail(claimed[0]!.id, T0))[0]!.handlerDisabled).toBeNull()
      expect((await fail(claimed[1]!.id, T0 + 1000))[0]!.handlerDisabled).toBe('failing')
      expect(await s.getHandler(h.id)).toMatchObject({ enabled: false, disabledReason: 'failing' })
      expect((await s.setHandlerEnabled(h.id, true, null, T0 + 2000))!.failingSince).toBeNull()
    })

    it('cancels unfinished deliveries of a removed handler and frees its name', async () => {
      const s = await store()
      const h = await s.insertHandler(webhook('p', 'h', '*'), T0)
      await s.insertEvents([event('p', 'a'), event('p', 'b')])
      await s.claimDueDeliveries({
        slots: [{ handlerId: h.id, limit: 1 }],
        now: T0,
        leaseUntil: T0 + 100,
        owner: 'a',
      })
      expect(await s.deleteHandler(h.id, T0)).toEqual({ cancelled: 2 })
      expect(await s.getHandler(h.id)).toBeNull()
      expect((await s.listDeliveries({ status: 'cancelled', limit: 10 })).length).toBe(2)
      await expect(s.insertHandler(webhook('p', 'h', '*'), T0)).resolves.toMatchObject({ name: 'h' })
      await expect(s.insertHandler(webhook('p', 'h', '*'), T0)).rejects.toBeInstanceOf(RioConflictError)
    })

    it('redelivers and recovers with history kept, and refuses what cannot be redelivered', async () => {
      const s = await store()
      const h = await s.insertHandler(webhook('p', 'h', '*'), T0)
      await s.insertEvents([event('p', 'a')])
      const [c] = await s.claimDueDeliveries({
        slots: [{ handlerId: h.id, limit: 1 }],
        now: T0,
        leaseUntil: T0 + 100,
        owner: 'a',
      })
      await expect(s.redeliver(c!.id, T0)).rejects.toBeInstanceOf(RioConflictError)
      await s.completeDeliveries(
        [
          {
            deliveryId: c!.id,
            handlerId: h.id,
            startedAt: T0,
            durationMs: 1,
            status: 500,
            responseBody: null,
            error: 'x',
            outcome: { kind: 'dead' },
          },
        ],
        { now: T0, owner: 'a', disableAfterMs: 1e9 },
      )
      expect(await s.recoverDeliveries({ handlerId: h.id, since: T0 - 1, now: T0 + 1 })).toBe(1)
      const [again] = await s.claimDueDeliveries({
        slots: [{ handlerId: h.id, limit: 1 }],
        now: T0 + 1,
        leaseUntil: T0 + 100,
        owner: 'a',
      })
      expect(again).toMatchObject({ attempts: 1, retryFrom: 1 })
      await expect(s.redeliver('987654', T0)).rejects.toBeInstanceOf(RioNotFoundError)
    })

    it('releases its own claims on stop and reports the earliest due time', async () => {
      const s = await store()
      const h = await s.insertHandler(webhook('p', 'h', '*'), T0)
      await s.insertEvents([event('p', 'a', { createdAt: T0 + 30 })])
      expect(await s.nextDueAt([h.id])).toBe(T0 + 30)
      const [c] = await s.claimDueDeliveries({
        slots: [{ handlerId: h.id, limit: 1 }],
        now: T0 + 30,
        leaseUntil: T0 + 90,
        owner: 'a',
      })
      expect(await s.nextDueAt([h.id])).toBe(T0 + 90) // the lease expiry
      expect(await s.releaseDeliveries([c!.id], 'b', T0 + 40)).toBe(0)
      expect(await s.releaseDeliveries([c!.id], 'a', T0 + 40)).toBe(1)
      expect(await s.getDelivery(c!.id)).toMatchObject({ status: 'pending', attempts: 0 })
    })

    it('pages events and deliveries newest first with a cursor, and filters them', async () => {
      const s = await store()
      const h = await s.insertHandler(webhook('p', 'h', '*'), T0)
      await s.insertEvents(
        Array.from({ length: 5 }, (_, i) => event('p', i % 2 ? 'odd' : 'even', { createdAt: T0 + i })),
      )
      const page1 = await s.listEvents({ limit: 2 })
      const page2 = await s.listEvents({ limit: 2, before: page1.at(-1)!.id })
      expect([...page1, ...page2].map((e) => e.createdAt.getTime())).toEqual([T0 + 4, T0 + 3, T0 + 2, T0 + 1])
      expect((await s.listEvents({ name: 'odd', limit: 10 })).length).toBe(2)
      expect((await s.listEvents({ since: T0 + 3, limit: 10 })).length).toBe(2)
      const d1 = await s.listDeliveries({ handlerId: h.id, limit: 3 })
      const d2 = await s.listDeliveries({ handlerId: h.id, limit: 3, before: d1.at(-1)!.id })
      expect(d1.length + d2.length).toBe(5)
      expect(new Set([...d1, ...d2].map((d) => d.id)).size).toBe(5)
    })

    it('keeps senders per project and projects unique', async () => {
      const s = await store()
      await s.createProject('p', T0)
      await expect(s.createProject('p', T0)).rejects.toBeInstanceOf(RioConflictError)
      expect((await s.ensureProject('p', T0)).name).toBe('p')
      await s.createSender({ project: 'p', name: 'web', secretHash: 'scrypt$x$y', now: T0 })
      await expect(
        s.createSender({ project: 'p', name: 'web', secretHash: 'z', now: T0 }),
      ).rejects.toBeInstanceOf(RioConflictError)
      expect(await s.getSender('q', 'web')).toBeNull()
      expect(await s.deleteSender('p', 'web')).toBe(true)
      expect(await s.listSenders('p')).toEqual([])
    })
  })
}
