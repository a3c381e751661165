import { describe, expect, it } from 'vitest'
import type { DeliveryResult, Store } from '../../../src/store/store.js'
import { attemptAll, type CurrentStore, claim, eventInput, result, T0, webhookInput } from './fixtures.js'

/** Completes `results` as owner-a, never disabling for failures unless `disableAfterMs` says so. */
function complete(store: Store, results: DeliveryResult[], now: number, disableAfterMs = 1e12) {
  return store.completeDeliveries(results, { now, owner: 'owner-a', disableAfterMs })
}

/** Recording attempts, moving deliveries on, and tracking each handler's failure streak. */
export function completionsContract(store: CurrentStore): void {
  describe('completeDeliveries', () => {
    async function oneClaimed(now = T0) {
      const h = await store().insertHandler(webhookInput('p', 'h', '*'), T0)
      await store().insertEvents([eventInput('p', 'x')])
      const [claimed] = await claim(store(), h.id, { now })
      return { h, claimed: claimed! }
    }

    it('finishes the delivery and records attempt 1 when it succeeded', async () => {
      const { claimed } = await oneClaimed()
      const outcomes = await complete(
        store(),
        [
          result(
            claimed,
            { kind: 'succeeded' },
            { startedAt: T0 + 1, durationMs: 12, responseBody: 'thanks' },
          ),
        ],
        T0 + 13,
      )
      expect(outcomes).toEqual([{ deliveryId: claimed.id, applied: true, attempt: 1, handlerDisabled: null }])
      expect(await store().getDelivery(claimed.id)).toMatchObject({
        status: 'succeeded',
        attempts: 1,
        nextAttemptAt: null,
        leaseUntil: null,
        lastStatus: 200,
        lastError: null,
        updatedAt: new Date(T0 + 13),
        finishedAt: new Date(T0 + 13),
      })
      expect(await store().listAttempts(claimed.id)).toEqual([
        {
          id: expect.anything(),
          deliveryId: claimed.id,
          number: 1,
          startedAt: new Date(T0 + 1),
          durationMs: 12,
          status: 200,
          responseBody: 'thanks',
          error: null,
        },
      ])
    })

    it('puts the delivery back pending at nextAttemptAt when the outcome is retry', async () => {
      const { claimed } = await oneClaimed()
      await complete(
        store(),
        [
          result(
            claimed,
            { kind: 'retry', nextAttemptAt: T0 + 500 },
            { status: null, error: 'ECONNREFUSED' },
          ),
        ],
        T0 + 2,
      )
      expect(await store().getDelivery(claimed.id)).toMatchObject({
        status: 'pending',
        attempts: 1,
        nextAttemptAt: new Date(T0 + 500),
        leaseUntil: null,
        lastStatus: null,
        lastError: 'ECONNREFUSED',
        finishedAt: null,
      })
    })

    it('finishes the delivery as dead when the outcome is dead', async () => {
      const { claimed } = await oneClaimed()
      await complete(store(), [result(claimed, { kind: 'dead' })], T0 + 2)
      expect(await store().getDelivery(claimed.id)).toMatchObject({
        status: 'dead',
        attempts: 1,
        nextAttemptAt: null,
        lastStatus: 500,
        lastError: 'HTTP 500',
        finishedAt: new Date(T0 + 2),
      })
    })

    it('numbers attempts 1, 2, 3 when a delivery is retried twice then dies', async () => {
      const { h, claimed } = await oneClaimed()
      const claimAgain = async (now: number) => (await claim(store(), h.id, { now }))[0]!
      const [first] = await complete(
        store(),
        [result(claimed, { kind: 'retry', nextAttemptAt: T0 + 10 })],
        T0,
      )
      const retry1 = await claimAgain(T0 + 10)
      const [second] = await complete(
        store(),
        [result(retry1, { kind: 'retry', nextAttemptAt: T0 + 20 })],
        T0 + 10,
      )
      const retry2 = await claimAgain(T0 + 20)
      const [third] = await complete(store(), [result(retry2, { kind: 'dead' })], T0 + 20)
      expect([retry1.attempts, retry2.attempts]).toEqual([1, 2])
      expect([first!.attempt, second!.attempt, third!.attempt]).toEqual([1, 2, 3])
      expect((await store().listAttempts(claimed.id)).map((a) => a.number)).toEqual([1, 2, 3])
      expect(await store().getDelivery(claimed.id)).toMatchObject({ status: 'dead', attempts: 3 })
    })

    it('records the attempt but leaves the delivery alone when the owner lost its lease', async () => {
      const h = await store().insertHandler(webhookInput('p', 'h', '*'), T0)
      await store().insertEvents([eventInput('p', 'x')])
      const [byA] = await claim(store(), h.id, { now: T0, leaseUntil: T0 + 100, owner: 'owner-a' })
      const [byB] = await claim(store(), h.id, { now: T0 + 100, leaseUntil: T0 + 300, owner: 'owner-b' })
      expect(byB!.id).toBe(byA!.id)
      const before = await store().getDelivery(byA!.id)

      const [late] = await complete(store(), [result(byA!, { kind: 'succeeded' })], T0 + 150)
      expect(late).toMatchObject({ deliveryId: byA!.id, applied: false, handlerDisabled: null })
      expect(await store().getDelivery(byA!.id)).toEqual(before)
      // 1: the attempt counted as lost when B reclaimed it; 2: A's late result, recorded all the same
      const numbered = async () => (await store().listAttempts(byA!.id)).map((a) => [a.number, a.status])
      expect(await numbered()).toEqual([
        [1, null],
        [2, 200],
      ])

      const [current] = await store().completeDeliveries([result(byB!, { kind: 'dead' })], {
        now: T0 + 160,
        owner: 'owner-b',
        disableAfterMs: 1e12,
      })
      expect(current!.applied).toBe(true)
      // every recorded attempt keeps its own number, the late one included
      expect(await numbered()).toEqual([
        [1, null],
        [2, 200],
        [3, 500],
      ])
      expect(current!.attempt).toBe(3)
      expect(await store().getDelivery(byA!.id)).toMatchObject({ status: 'dead', attempts: 2 })
    })

    it('does not apply a result when the owner never held the delivery', async () => {
      const { claimed } = await oneClaimed()
      const [outcome] = await store().completeDeliveries([result(claimed, { kind: 'succeeded' })], {
        now: T0 + 1,
        owner: 'someone-else',
        disableAfterMs: 1e12,
      })
      expect(outcome!.applied).toBe(false)
      expect((await store().getDelivery(claimed.id))!.status).toBe('in_flight')
    })

    it('sets failingSince at the first failure, keeps it through more, and clears it on success', async () => {
      const h = await store().insertHandler(webhookInput('p', 'h', '*'), T0)
      const failingSince = async () => (await store().getHandler(h.id))!.failingSince
      await store().insertEvents([eventInput('p', 'x')])
      await attemptAll(store(), h.id, { kind: 'retry', nextAttemptAt: T0 + 10 }, T0 + 5)
      expect(await failingSince()).toEqual(new Date(T0 + 5))
      await attemptAll(store(), h.id, { kind: 'retry', nextAttemptAt: T0 + 20 }, T0 + 10)
      expect(await failingSince()).toEqual(new Date(T0 + 5))
      await attemptAll(store(), h.id, { kind: 'succeeded' }, T0 + 20)
      expect(await failingSince()).toBeNull()
    })

    it('takes the last result of a handler in a batch as its state', async () => {
      const h = await store().insertHandler(webhookInput('p', 'h', '*'), T0)
      const failingSince = async () => (await store().getHandler(h.id))!.failingSince
      await store().insertEvents([0, 1, 2, 3, 4].map((i) => eventInput('p', 'x', { createdAt: T0 + i })))
      const [a, b, c, d, e] = await claim(store(), h.id, { now: T0 + 10 })
      await complete(store(), [result(a!, { kind: 'dead' })], T0 + 11)
      expect(await failingSince()).toEqual(new Date(T0 + 11))
      // a success then a failure: the old streak ended, a new one starts now
      await complete(store(), [result(b!, { kind: 'succeeded' }), result(c!, { kind: 'dead' })], T0 + 12)
      expect(await failingSince()).toEqual(new Date(T0 + 12))
      await complete(store(), [result(d!, { kind: 'dead' }), result(e!, { kind: 'succeeded' })], T0 + 13)
      expect(await failingSince()).toBeNull()
    })

    it('disables the handler as failing when only failures were seen for disableAfterMs', async () => {
      const h = await store().insertHandler(webhookInput('p', 'h', '*'), T0)
      const other = await store().insertHandler(webhookInput('p', 'other', 'none'), T0)
      await store().insertEvents([eventInput('p', 'a'), eventInput('p', 'b'), eventInput('p', 'c')])
      const [a, b, c] = await claim(store(), h.id, { now: T0 })
      const fail = async (delivery: typeof a, now: number) =>
        (await complete(store(), [result(delivery!, { kind: 'dead' })], now, 1000))[0]!
      expect((await fail(a, T0)).handlerDisabled).toBeNull()
      expect((await fail(b, T0 + 999)).handlerDisabled).toBeNull()
      expect((await store().getHandler(h.id))!.enabled).toBe(true)
      expect((await fail(c, T0 + 1000)).handlerDisabled).toBe('failing')
      expect(await store().getHandler(h.id)).toMatchObject({
        enabled: false,
        disabledReason: 'failing',
        failingSince: new Date(T0),
      })
      expect((await store().getHandler(other.id))!.enabled).toBe(true)
    })

    it('starts a new failure streak when the handler moves to another URL', async () => {
      const h = await store().insertHandler(webhookInput('p', 'h', '*'), T0)
      await store().insertEvents([0, 1, 2].map((i) => eventInput('p', 'x', { createdAt: T0 + i })))
      const [a, b, c] = await claim(store(), h.id, { now: T0 + 10 })
      await complete(store(), [result(a!, { kind: 'dead' })], T0 + 10, 1000)
      // The same URL again (a host declaring its webhooks on boot) keeps the streak...
      const same = await store().updateHandler(
        h.id,
        { url: webhookInput('p', 'h', '*').url!, concurrency: 3 },
        T0 + 20,
      )
      expect(same.failingSince).toEqual(new Date(T0 + 10))
      // ...a new URL ends it: its first failure, long after the old streak began, starts a new one.
      const moved = await store().updateHandler(h.id, { url: 'http://127.0.0.1:2/new' }, T0 + 30)
      expect(moved.failingSince).toBeNull()
      const version = { handlerVersion: moved.updatedAt.getTime() }
      const [first] = await complete(store(), [result(b!, { kind: 'dead' }, version)], T0 + 2000, 1000)
      expect(first!.handlerDisabled).toBeNull()
      expect(await store().getHandler(h.id)).toMatchObject({
        enabled: true,
        failingSince: new Date(T0 + 2000),
      })
      const [later] = await complete(store(), [result(c!, { kind: 'dead' }, version)], T0 + 3000, 1000)
      expect(later!.handlerDisabled).toBe('failing')
    })

    it('keeps the handler enabled when a success broke the failure streak', async () => {
      const h = await store().insertHandler(webhookInput('p', 'h', '*'), T0)
      await store().insertEvents([0, 1, 2, 3].map((i) => eventInput('p', 'x', { createdAt: T0 + i })))
      const [a, b, c, d] = await claim(store(), h.id, { now: T0 + 10 })
      await complete(store(), [result(a!, { kind: 'dead' })], T0 + 10, 1000)
      await complete(store(), [result(b!, { kind: 'succeeded' })], T0 + 500, 1000)
      await complete(store(), [result(c!, { kind: 'dead' })], T0 + 600, 1000)
      const [last] = await complete(store(), [result(d!, { kind: 'dead' })], T0 + 1100, 1000)
      expect(last!.handlerDisabled).toBeNull()
      expect(await store().getHandler(h.id)).toMatchObject({
        enabled: true,
        failingSince: new Date(T0 + 600),
      })
    })

    it('disables the handler with the given reason when a result asks for it', async () => {
      const { h, claimed } = await oneClaimed()
      await store().insertEvents([eventInput('p', 'y', { createdAt: T0 + 1 })])
      const [outcome] = await complete(
        store(),
        [result(claimed, { kind: 'dead' }, { status: 410, disableHandler: 'gone' })],
        T0 + 2,
      )
      expect(outcome).toMatchObject({ applied: true, handlerDisabled: 'gone' })
      expect(await store().getHandler(h.id)).toMatchObject({ enabled: false, disabledReason: 'gone' })
      expect(await claim(store(), h.id, { now: T0 + 3 })).toEqual([])
    })

    it('reads a version as whole milliseconds, as Date does, from a clock giving fractions', async () => {
      const h = await store().insertHandler(webhookInput('p', 'h', '*'), T0 + 0.25)
      await store().insertEvents([eventInput('p', 'x')])
      const [claimed] = await claim(store(), h.id, { now: T0 + 1.5 })
      const handlerVersion = h.updatedAt.getTime()
      const [outcome] = await complete(
        store(),
        [result(claimed!, { kind: 'dead' }, { status: 410, disableHandler: 'gone', handlerVersion })],
        T0 + 2.75,
      )
      expect(outcome).toMatchObject({ applied: true, handlerDisabled: 'gone' })
    })

    it('leaves the handler enabled when a result asks to disable it but the handler changed since', async () => {
      const { h, claimed } = await oneClaimed()
      // The attempt went to the old URL; the handler moved to a new one while it was out.
      const moved = await store().updateHandler(h.id, { url: 'http://127.0.0.1:2/new' }, T0 + 1)
      const [outcome] = await complete(
        store(),
        [result(claimed, { kind: 'dead' }, { status: 410, disableHandler: 'gone', handlerVersion: T0 })],
        T0 + 2,
      )
      expect(outcome).toMatchObject({ applied: true, attempt: 1, handlerDisabled: null })
      expect(await store().getDelivery(claimed.id)).toMatchObject({ status: 'dead', lastStatus: 410 })
      expect(await store().getHandler(h.id)).toEqual(moved)
    })

    it('disables the handler when the result was made with its current settings', async () => {
      const { h, claimed } = await oneClaimed()
      const moved = await store().updateHandler(h.id, { url: 'http://127.0.0.1:2/new' }, T0 + 1)
      const version = moved.updatedAt.getTime()
      const [outcome] = await complete(
        store(),
        [result(claimed, { kind: 'dead' }, { status: 410, disableHandler: 'gone', handlerVersion: version })],
        T0 + 2,
      )
      expect(outcome!.handlerDisabled).toBe('gone')
      expect(await store().getHandler(h.id)).toMatchObject({ enabled: false, disabledReason: 'gone' })
    })

    it('reports a disable once when two results of one batch ask for it', async () => {
      const h = await store().insertHandler(webhookInput('p', 'h', '*'), T0)
      await store().insertEvents([eventInput('p', 'a'), eventInput('p', 'b', { createdAt: T0 + 1 })])
      const [a, b] = await claim(store(), h.id, { now: T0 + 2 })
      const gone = { status: 410, disableHandler: 'gone' }
      const outcomes = await complete(
        store(),
        [result(a!, { kind: 'dead' }, gone), result(b!, { kind: 'dead' }, gone)],
        T0 + 3,
      )
      expect(outcomes.map((o) => [o.applied, o.handlerDisabled])).toEqual([
        [true, 'gone'],
        [true, null],
      ])
    })

    it('keeps the reason of a disable made while the attempt was out', async () => {
      const { h, claimed } = await oneClaimed()
      await store().setHandlerEnabled(h.id, false, 'manual', T0 + 1)
      const [outcome] = await complete(
        store(),
        [result(claimed, { kind: 'dead' }, { status: 410, disableHandler: 'gone' })],
        T0 + 2,
      )
      expect(outcome!.handlerDisabled).toBeNull()
      expect(await store().getHandler(h.id)).toMatchObject({ enabled: false, disabledReason: 'manual' })
    })

    it('leaves the failure streak alone for results made before the handler changed', async () => {
      const h = await store().insertHandler(webhookInput('p', 'h', '*'), T0)
      await store().insertEvents([0, 1, 2, 3, 4].map((i) => eventInput('p', 'x', { createdAt: T0 + i })))
      const [a, b, c, d, e] = await claim(store(), h.id, { now: T0 + 10 })
      const moved = await store().updateHandler(h.id, { url: 'http://127.0.0.1:2/new' }, T0 + 20)
      const current = { handlerVersion: moved.updatedAt.getTime() }
      const handler = async () => (await store().getHandler(h.id))!
      // A late failure from the old URL neither starts a streak nor, however old, disables the handler.
      const [late] = await complete(store(), [result(a!, { kind: 'dead' })], T0 + 30, 0)
      expect(late!.handlerDisabled).toBeNull()
      expect(await handler()).toMatchObject({ enabled: true, failingSince: null })
      // A streak of the new URL is not ended by a late success from the old one...
      await complete(store(), [result(b!, { kind: 'dead' }, current)], T0 + 40)
      await complete(store(), [result(c!, { kind: 'succeeded' })], T0 + 50)
      expect((await handler()).failingSince).toEqual(new Date(T0 + 40))
      // ...even the last one of a batch, which would otherwise keep it from disabling the handler.
      const batch = await complete(
        store(),
        [result(d!, { kind: 'dead' }, current), result(e!, { kind: 'succeeded' })],
        T0 + 1040,
        1000,
      )
      expect(batch.map((o) => o.handlerDisabled)).toEqual(['failing', null])
      expect(await handler()).toMatchObject({ enabled: false, disabledReason: 'failing' })
    })
  })
}
