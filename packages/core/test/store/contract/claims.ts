import { describe, expect, it } from 'vitest'
import type { Handler } from '../../../src/handlers/handler.js'
import { type CurrentStore, claim, eventInput, result, T0, webhookInput } from './fixtures.js'

/** Claiming due deliveries under a lease, giving them back, and when the next one is due. */
export function claimsContract(store: CurrentStore): void {
  describe('claimDueDeliveries', () => {
    it('claims only deliveries that are due at now', async () => {
      const h = await store().insertHandler(webhookInput('p', 'h', '*'), T0)
      await store().insertEvents([
        eventInput('p', 'now', { createdAt: T0 }),
        eventInput('p', 'later', { createdAt: T0 + 100 }),
      ])
      expect(await claim(store(), h.id, { now: T0 - 1 })).toEqual([])
      expect((await claim(store(), h.id, { now: T0 + 99 })).map((c) => c.event.name)).toEqual(['now'])
      expect((await claim(store(), h.id, { now: T0 + 100 })).map((c) => c.event.name)).toEqual(['later'])
    })

    it('claims the oldest due first when more are due than the limit', async () => {
      const h = await store().insertHandler(webhookInput('p', 'h', '*'), T0)
      await store().insertEvents([
        eventInput('p', 'third', { createdAt: T0 + 2 }),
        eventInput('p', 'first', { createdAt: T0 }),
        eventInput('p', 'second', { createdAt: T0 + 1 }),
      ])
      const claimed = await claim(store(), h.id, { now: T0 + 10, limit: 2 })
      expect(claimed.map((c) => c.event.name)).toEqual(['first', 'second'])
    })

    it('gives each slot at most its limit and stops at total across slots', async () => {
      const h1 = await store().insertHandler(webhookInput('p', 'h1', '*'), T0)
      const h2 = await store().insertHandler(webhookInput('p', 'h2', '*'), T0)
      const h3 = await store().insertHandler(webhookInput('p', 'h3', '*'), T0)
      await store().insertEvents([0, 1, 2, 3].map((i) => eventInput('p', 'x', { createdAt: T0 + i })))
      const claimed = await store().claimDueDeliveries({
        slots: [
          { handlerId: h1.id, limit: 1 },
          { handlerId: h2.id, limit: 3 },
          { handlerId: h3.id, limit: 3 },
        ],
        total: 5,
        now: T0 + 10,
        leaseUntil: T0 + 1000,
        owner: 'owner-a',
      })
      const count = (id: string) => claimed.filter((c) => c.handlerId === id).length
      expect([count(h1.id), count(h2.id), count(h3.id)]).toEqual([1, 3, 1])
      const withoutTotal = await store().claimDueDeliveries({
        slots: [
          { handlerId: h1.id, limit: 0 },
          { handlerId: h3.id, limit: 10 },
        ],
        now: T0 + 10,
        leaseUntil: T0 + 1000,
        owner: 'owner-a',
      })
      expect(withoutTotal.map((c) => c.handlerId)).toEqual([h3.id, h3.id, h3.id])
    })

    it('claims among 40 handlers as among few: the due ones, in slot order, none disabled, expired leases back', async () => {
      // More handlers than a store may query one by one (the SQLite store finds those with work first).
      const handlers: Handler[] = []
      for (let i = 0; i < 40; i++)
        handlers.push(await store().insertHandler(webhookInput('p', `h${i}`, `e${i}`), T0))
      await store().insertEvents([
        eventInput('p', 'e3', { createdAt: T0 }),
        eventInput('p', 'e3', { createdAt: T0 + 1 }),
        eventInput('p', 'e17', { createdAt: T0 + 2 }),
        eventInput('p', 'e25', { createdAt: T0 + 500 }),
        eventInput('p', 'e30', { createdAt: T0 + 3 }),
        eventInput('p', 'e39', { createdAt: T0 + 4 }),
      ])
      await store().setHandlerEnabled(handlers[30]!.id, false, 'manual', T0 + 5)
      // e39 is claimed by another owner whose lease runs out before the big claim.
      expect(
        await claim(store(), handlers[39]!.id, { now: T0 + 10, leaseUntil: T0 + 20, owner: 'owner-b' }),
      ).toHaveLength(1)
      const claimed = await store().claimDueDeliveries({
        slots: [...handlers].reverse().map((h) => ({ handlerId: h.id, limit: 5 })),
        now: T0 + 100,
        leaseUntil: T0 + 1000,
        owner: 'owner-a',
      })
      const ids = (...at: number[]) => at.map((i) => handlers[i]!.id)
      expect(claimed.map((c) => c.handlerId)).toEqual(ids(39, 17, 3, 3))
      expect(claimed[0]).toMatchObject({ attempts: 1, lastAttemptLost: true })
      const capped = await store().claimDueDeliveries({
        slots: handlers.map((h) => ({ handlerId: h.id, limit: 5 })),
        total: 1,
        now: T0 + 600,
        leaseUntil: T0 + 1000,
        owner: 'owner-a',
      })
      expect(capped.map((c) => c.handlerId)).toEqual(ids(25))
    })

    it('carries the event, its payload exactly as stored, attempts and retryFrom', async () => {
      const h = await store().insertHandler(webhookInput('p', 'h', '*'), T0)
      const payloadJson = '{ "z": 1,  "a": [1.50, "é\\u00e9"], "n": null }'
      const e = eventInput('p', 'order.paid', { payloadJson, idempotencyKey: 'k', createdAt: T0 + 1 })
      await store().insertEvents([e])
      const [claimed] = await claim(store(), h.id, { now: T0 + 1 })
      expect(claimed).toMatchObject({
        handlerId: h.id,
        attempts: 0,
        retryFrom: 0,
        lastAttemptLost: false,
        payloadJson,
      })
      expect(claimed!.event).toMatchObject({
        id: e.id,
        project: 'p',
        name: 'order.paid',
        payload: { z: 1, a: [1.5, 'éé'], n: null },
        createdAt: new Date(T0 + 1),
        idempotencyKey: 'k',
      })
      expect(await store().getDelivery(claimed!.id)).toMatchObject({
        eventId: e.id,
        status: 'in_flight',
        leaseUntil: new Date(T0 + 1 + 60_000),
        nextAttemptAt: null,
      })
    })

    it('gets nothing when claiming again before the lease runs out', async () => {
      const h = await store().insertHandler(webhookInput('p', 'h', '*'), T0)
      await store().insertEvents([eventInput('p', 'x')])
      const [held] = await claim(store(), h.id, { now: T0, leaseUntil: T0 + 100, owner: 'a' })
      expect(await claim(store(), h.id, { now: T0 + 99, owner: 'a' })).toEqual([])
      expect(await claim(store(), h.id, { now: T0 + 99, owner: 'b' })).toEqual([])
      expect(await store().getDelivery(held!.id)).toMatchObject({
        status: 'in_flight',
        leaseUntil: new Date(T0 + 100),
      })
    })

    it('reclaims a delivery for another owner, its lost attempt counted, when its lease has run out', async () => {
      const h = await store().insertHandler(webhookInput('p', 'h', '*'), T0)
      await store().insertEvents([eventInput('p', 'x')])
      const [first] = await claim(store(), h.id, { now: T0, leaseUntil: T0 + 100, owner: 'a' })
      const [again] = await claim(store(), h.id, { now: T0 + 101, leaseUntil: T0 + 200, owner: 'b' })
      expect(again).toMatchObject({ id: first!.id, attempts: 1, lastAttemptLost: true })
      expect(await store().getDelivery(first!.id)).toMatchObject({
        status: 'in_flight',
        leaseUntil: new Date(T0 + 200),
        attempts: 1,
      })
      expect(await store().listAttempts(first!.id)).toHaveLength(1)
    })

    it("holds each slot's claims until its own leaseUntil, the others until the claim's", async () => {
      const plain = await store().insertHandler(webhookInput('p', 'plain', '*'), T0)
      const slow = await store().insertHandler(webhookInput('p', 'slow', '*'), T0)
      await store().insertEvents([eventInput('p', 'x')])
      const claimed = await store().claimDueDeliveries({
        slots: [
          { handlerId: plain.id, limit: 10 },
          { handlerId: slow.id, limit: 10, leaseUntil: T0 + 5000 },
        ],
        now: T0,
        leaseUntil: T0 + 100,
        owner: 'a',
      })
      const byHandler = (id: string) => claimed.find((c) => c.handlerId === id)!
      expect(await store().getDelivery(byHandler(plain.id).id)).toMatchObject({
        leaseUntil: new Date(T0 + 100),
      })
      expect(await store().getDelivery(byHandler(slow.id).id)).toMatchObject({
        leaseUntil: new Date(T0 + 5000),
      })

      // Past the claim's lease, another owner gets only the delivery whose lease has run out.
      const taken = await store().claimDueDeliveries({
        slots: [
          { handlerId: plain.id, limit: 10 },
          { handlerId: slow.id, limit: 10 },
        ],
        now: T0 + 101,
        leaseUntil: T0 + 1000,
        owner: 'b',
      })
      expect(taken.map((c) => c.id)).toEqual([byHandler(plain.id).id])
      const later = await claim(store(), slow.id, { now: T0 + 5000, owner: 'b' })
      expect(later.map((c) => c.id)).toEqual([byHandler(slow.id).id])
    })

    it('never hands one delivery to two owners', async () => {
      const h = await store().insertHandler(webhookInput('p', 'h', '*'), T0)
      await store().insertEvents([0, 1, 2, 3, 4].map((i) => eventInput('p', 'x', { createdAt: T0 + i })))
      const a = await claim(store(), h.id, { now: T0 + 10, limit: 2, owner: 'a' })
      const b = await claim(store(), h.id, { now: T0 + 10, limit: 10, owner: 'b' })
      const c = await claim(store(), h.id, { now: T0 + 10, limit: 10, owner: 'c' })
      expect([a.length, b.length, c.length]).toEqual([2, 3, 0])
      expect(new Set([...a, ...b].map((d) => d.id)).size).toBe(5)
    })

    it('leaves a retry alone until its next attempt is due', async () => {
      const h = await store().insertHandler(webhookInput('p', 'h', '*'), T0)
      await store().insertEvents([eventInput('p', 'x')])
      const [first] = await claim(store(), h.id, { now: T0 })
      await store().completeDeliveries([result(first!, { kind: 'retry', nextAttemptAt: T0 + 1000 })], {
        now: T0 + 1,
        owner: 'owner-a',
        disableAfterMs: 1e12,
      })
      expect(await claim(store(), h.id, { now: T0 + 999 })).toEqual([])
      const [retry] = await claim(store(), h.id, { now: T0 + 1000 })
      expect(retry).toMatchObject({ id: first!.id, attempts: 1, retryFrom: 0 })
    })

    it('claims nothing for a handler when it was disabled after its deliveries were created', async () => {
      const h = await store().insertHandler(webhookInput('p', 'h', '*'), T0)
      await store().insertEvents([eventInput('p', 'x')])
      await store().setHandlerEnabled(h.id, false, 'manual', T0)
      expect(await claim(store(), h.id, { now: T0 + 1 })).toEqual([])
      await store().setHandlerEnabled(h.id, true, null, T0)
      expect(await claim(store(), h.id, { now: T0 + 1 })).toHaveLength(1)
    })
  })

  describe('releaseDeliveries', () => {
    it('puts its own claims back pending and due now without recording an attempt', async () => {
      const h = await store().insertHandler(webhookInput('p', 'h', '*'), T0)
      await store().insertEvents([eventInput('p', 'a'), eventInput('p', 'b')])
      const claimed = await claim(store(), h.id, { now: T0, leaseUntil: T0 + 1000, owner: 'a' })
      const ids = claimed.map((c) => c.id)
      expect(await store().releaseDeliveries(ids, 'a', T0 + 40)).toBe(2)
      for (const id of ids) {
        expect(await store().getDelivery(id)).toMatchObject({
          status: 'pending',
          nextAttemptAt: new Date(T0 + 40),
          leaseUntil: null,
          attempts: 0,
        })
        expect(await store().listAttempts(id)).toEqual([])
      }
      expect(await store().releaseDeliveries(ids, 'a', T0 + 41)).toBe(0)
      expect(await claim(store(), h.id, { now: T0 + 40, owner: 'b' })).toHaveLength(2)
    })

    it('leaves deliveries alone when another owner holds them', async () => {
      const h = await store().insertHandler(webhookInput('p', 'h', '*'), T0)
      await store().insertEvents([eventInput('p', 'x')])
      const [c] = await claim(store(), h.id, { now: T0, leaseUntil: T0 + 1000, owner: 'a' })
      expect(await store().releaseDeliveries([c!.id], 'b', T0 + 1)).toBe(0)
      expect(await store().getDelivery(c!.id)).toMatchObject({
        status: 'in_flight',
        leaseUntil: new Date(T0 + 1000),
      })
    })
  })

  describe('nextDueAt', () => {
    it('returns the earliest pending due time among the given handlers only', async () => {
      const a = await store().insertHandler(webhookInput('p', 'a', 'a'), T0)
      const b = await store().insertHandler(webhookInput('p', 'b', 'b'), T0)
      const idle = await store().insertHandler(webhookInput('p', 'idle', 'none'), T0)
      await store().insertEvents([
        eventInput('p', 'a', { createdAt: T0 + 30 }),
        eventInput('p', 'a', { createdAt: T0 + 20 }),
        eventInput('p', 'b', { createdAt: T0 + 10 }),
      ])
      expect(await store().nextDueAt([a.id])).toBe(T0 + 20)
      expect(await store().nextDueAt([a.id, b.id])).toBe(T0 + 10)
      expect(await store().nextDueAt([idle.id])).toBeNull()
      expect(await store().nextDueAt([])).toBeNull()
    })

    it('includes the expiry of a lease when deliveries are in flight', async () => {
      const h = await store().insertHandler(webhookInput('p', 'h', 'x'), T0)
      await store().insertEvents([eventInput('p', 'x', { createdAt: T0 })])
      const [c] = await claim(store(), h.id, { now: T0, leaseUntil: T0 + 90 })
      await store().insertEvents([eventInput('p', 'x', { createdAt: T0 + 500 })])
      expect(await store().nextDueAt([h.id])).toBe(T0 + 90)
      await store().completeDeliveries([result(c!, { kind: 'succeeded' })], {
        now: T0 + 1,
        owner: 'owner-a',
        disableAfterMs: 1e12,
      })
      expect(await store().nextDueAt([h.id])).toBe(T0 + 500)
    })

    it('leaves out a handler disabled since it was read, as the claim does', async () => {
      const h = await store().insertHandler(webhookInput('p', 'h', 'x'), T0)
      await store().insertEvents([eventInput('p', 'x', { createdAt: T0 })])
      await store().setHandlerEnabled(h.id, false, 'manual', T0 + 1)
      // The claim skips it; were it still due, a dispatcher holding the handler would claim again at once.
      expect(await claim(store(), h.id, { now: T0 + 10 })).toEqual([])
      expect(await store().nextDueAt([h.id])).toBeNull()
      await store().setHandlerEnabled(h.id, true, null, T0 + 2)
      expect(await store().nextDueAt([h.id])).toBe(T0)
    })

    it('answers the same for 40 handlers, disabled ones and leases included', async () => {
      const handlers: Handler[] = []
      for (let i = 0; i < 40; i++)
        handlers.push(await store().insertHandler(webhookInput('p', `h${i}`, `e${i}`), T0))
      await store().insertEvents([
        eventInput('p', 'e5', { createdAt: T0 + 50 }),
        eventInput('p', 'e5', { createdAt: T0 + 40 }),
        eventInput('p', 'e12', { createdAt: T0 + 30 }),
        eventInput('p', 'e20', { createdAt: T0 + 10 }),
      ])
      await store().setHandlerEnabled(handlers[20]!.id, false, 'manual', T0 + 1)
      const all = handlers.map((h) => h.id)
      expect(await store().nextDueAt(all)).toBe(T0 + 30)
      expect(await store().nextDueAt(all.filter((id) => id !== handlers[12]!.id))).toBe(T0 + 40)
      expect(await store().nextDueAt(all.slice(21))).toBeNull()
      await claim(store(), handlers[5]!.id, { now: T0 + 100, leaseUntil: T0 + 35, limit: 1 })
      expect(await store().nextDueAt(all.slice(21))).toBe(T0 + 35)
    })

    it('returns null when every delivery has finished', async () => {
      const h = await store().insertHandler(webhookInput('p', 'h', '*'), T0)
      await store().insertEvents([eventInput('p', 'x')])
      const [c] = await claim(store(), h.id, { now: T0 })
      await store().completeDeliveries([result(c!, { kind: 'dead' })], {
        now: T0 + 1,
        owner: 'owner-a',
        disableAfterMs: 1e12,
      })
      expect(await store().nextDueAt([h.id])).toBeNull()
    })
  })

  describe('dueTimes', () => {
    it('reads only the handlers asked for, few or many, with the earliest lease of any', async () => {
      const s = store()
      if (!s.dueTimes) return expect(s.dueTimes).toBeUndefined()
      const handlers: Handler[] = []
      for (let i = 0; i < 40; i++)
        handlers.push(await s.insertHandler(webhookInput('p', `h${i}`, `e${i}`), T0))
      await s.insertEvents([
        eventInput('p', 'e1', { createdAt: T0 + 10 }),
        eventInput('p', 'e2', { createdAt: T0 + 20 }),
        eventInput('p', 'e3', { createdAt: T0 + 30 }),
        eventInput('p', 'e39', { createdAt: T0 + 40 }),
      ])
      await s.setHandlerEnabled(handlers[3]!.id, false, 'manual', T0 + 1)
      await claim(s, handlers[39]!.id, { now: T0 + 50, leaseUntil: T0 + 90 })
      const ids = (...at: number[]) => at.map((i) => handlers[i]!.id)
      expect(await s.dueTimes(ids(1, 3, 5, 39))).toEqual({
        handlers: new Map([[ids(1)[0], T0 + 10]]),
        leaseUntil: T0 + 90,
      })
      expect(await s.dueTimes(handlers.slice(2).map((h) => h.id))).toEqual({
        handlers: new Map([[ids(2)[0], T0 + 20]]),
        leaseUntil: T0 + 90,
      })
      expect(await s.dueTimes([])).toEqual({ handlers: new Map(), leaseUntil: T0 + 90 })
    })

    it('gives each enabled handler with pending deliveries its earliest due time, and the earliest lease', async () => {
      const s = store()
      if (!s.dueTimes) return expect(s.dueTimes).toBeUndefined()
      const a = await s.insertHandler(webhookInput('p', 'a', 'a'), T0)
      const b = await s.insertHandler(webhookInput('p', 'b', 'b'), T0)
      const off = await s.insertHandler(webhookInput('p', 'off', 'off'), T0)
      await s.insertHandler(webhookInput('p', 'idle', 'idle'), T0)
      expect(await s.dueTimes()).toEqual({ handlers: new Map(), leaseUntil: null })
      await s.insertEvents([
        eventInput('p', 'a', { createdAt: T0 + 30 }),
        eventInput('p', 'a', { createdAt: T0 + 20 }),
        eventInput('p', 'b', { createdAt: T0 + 10 }),
        eventInput('p', 'b', { createdAt: T0 + 15 }),
        eventInput('p', 'off', { createdAt: T0 }),
      ])
      await s.setHandlerEnabled(off.id, false, 'manual', T0 + 1)
      expect(await s.dueTimes()).toEqual({
        handlers: new Map([
          [a.id, T0 + 20],
          [b.id, T0 + 10],
        ]),
        leaseUntil: null,
      })
      const [c] = await claim(s, b.id, { now: T0 + 12, leaseUntil: T0 + 90, limit: 1 })
      expect(await s.dueTimes()).toEqual({
        handlers: new Map([
          [a.id, T0 + 20],
          [b.id, T0 + 15],
        ]),
        leaseUntil: T0 + 90,
      })
      await s.completeDeliveries([result(c!, { kind: 'retry', nextAttemptAt: T0 + 5 })], {
        now: T0 + 13,
        owner: 'owner-a',
        disableAfterMs: 1e12,
      })
      expect(await s.dueTimes()).toEqual({
        handlers: new Map([
          [a.id, T0 + 20],
          [b.id, T0 + 5],
        ]),
        leaseUntil: null,
      })
    })
  })
}
