import { describe, expect, it } from 'vitest'
import { LOST_ATTEMPT_ERROR } from '../../../src/store/delivery.js'
import type { ClaimedDelivery, Store } from '../../../src/store/store.js'
import { type CurrentStore, claim, eventInput, result, T0, webhookInput } from './fixtures.js'

/**
 * Claims whose lease ran out: another owner's attempt counts as lost (a failed attempt), the
 * claimant's own does not; and settling a claimed delivery without an attempt.
 */
export function lostAttemptsContract(store: CurrentStore): void {
  /** One delivery of a new handler `h`, claimed by `owner` at `now` until `leaseUntil`. */
  async function oneClaimed(options: { now: number; leaseUntil: number; owner: string }) {
    const h = await store().insertHandler(webhookInput('p', 'h', '*'), T0)
    await store().insertEvents([eventInput('p', 'x')])
    const [claimed] = await claim(store(), h.id, options)
    return { h, claimed: claimed! }
  }

  /** Runs the lease expiry without claiming anything: a claim for a handler with nothing due. */
  async function expireAt(now: number, owner: string) {
    const idle =
      (await store().getHandlerByName('p', 'idle')) ??
      (await store().insertHandler(webhookInput('p', 'idle', 'none'), T0))
    expect(await claim(store(), idle.id, { now, owner })).toEqual([])
  }

  describe('lost attempts', () => {
    it("records the lost attempt as failed, with its claim time and number, when another owner's lease ran out", async () => {
      const { h, claimed } = await oneClaimed({ now: T0 + 5, leaseUntil: T0 + 100, owner: 'a' })
      expect(await claim(store(), h.id, { now: T0 + 99, owner: 'b' })).toEqual([])
      expect(await store().listAttempts(claimed.id)).toEqual([])

      const [again] = await claim(store(), h.id, { now: T0 + 100, leaseUntil: T0 + 500, owner: 'b' })
      expect(again).toMatchObject({ id: claimed.id, attempts: 1, retryFrom: 0, lastAttemptLost: true })
      expect(await store().listAttempts(claimed.id)).toEqual([
        {
          id: expect.anything(),
          deliveryId: claimed.id,
          number: 1,
          startedAt: new Date(T0 + 5),
          // at most until its lease ran out: its end was never seen
          durationMs: 95,
          status: null,
          responseBody: null,
          error: LOST_ATTEMPT_ERROR,
        },
      ])
      expect(await store().getDelivery(claimed.id)).toMatchObject({
        status: 'in_flight',
        attempts: 1,
        leaseUntil: new Date(T0 + 500),
        lastStatus: null,
        lastError: LOST_ATTEMPT_ERROR,
      })
    })

    it('leaves a lost delivery pending, due since its lease ran out, until a claimant of its handler takes it', async () => {
      const { h, claimed } = await oneClaimed({ now: T0, leaseUntil: T0 + 100, owner: 'a' })
      await expireAt(T0 + 150, 'b')
      expect(await store().getDelivery(claimed.id)).toMatchObject({
        status: 'pending',
        attempts: 1,
        nextAttemptAt: new Date(T0 + 100),
        leaseUntil: null,
        lastError: LOST_ATTEMPT_ERROR,
        finishedAt: null,
      })
      expect(await store().nextDueAt([h.id])).toBe(T0 + 100)

      // counted once, however many claims pass by before it is taken
      await expireAt(T0 + 160, 'c')
      const [taken] = await claim(store(), h.id, { now: T0 + 170, owner: 'c' })
      expect(taken).toMatchObject({ id: claimed.id, attempts: 1, lastAttemptLost: true })
      expect(await store().listAttempts(claimed.id)).toHaveLength(1)
    })

    it('numbers a lost attempt after those recorded before it, and counts each lost lease', async () => {
      const { h, claimed } = await oneClaimed({ now: T0, leaseUntil: T0 + 100, owner: 'a' })
      await store().completeDeliveries([result(claimed, { kind: 'retry', nextAttemptAt: T0 + 10 })], {
        now: T0 + 5,
        owner: 'a',
        disableAfterMs: 1e12,
      })
      await claim(store(), h.id, { now: T0 + 10, leaseUntil: T0 + 50, owner: 'a' })
      const [second] = await claim(store(), h.id, { now: T0 + 60, leaseUntil: T0 + 200, owner: 'b' })
      expect(second).toMatchObject({ attempts: 2, lastAttemptLost: true })
      expect(await claim(store(), h.id, { now: T0 + 199, owner: 'c' })).toEqual([])
      const [third] = await claim(store(), h.id, { now: T0 + 200, owner: 'c' })
      expect(third).toMatchObject({ attempts: 3, lastAttemptLost: true })
      expect((await store().listAttempts(claimed.id)).map((a) => [a.number, a.error])).toEqual([
        [1, 'HTTP 500'],
        [2, LOST_ATTEMPT_ERROR],
        [3, LOST_ATTEMPT_ERROR],
      ])
      expect(await store().getDelivery(claimed.id)).toMatchObject({ attempts: 3 })
    })

    it('brings back uncounted the claims of the owner that is claiming, which may still be attempting them', async () => {
      const { h, claimed } = await oneClaimed({ now: T0, leaseUntil: T0 + 100, owner: 'a' })
      const [again] = await claim(store(), h.id, { now: T0 + 100, leaseUntil: T0 + 300, owner: 'a' })
      expect(again).toMatchObject({ id: claimed.id, attempts: 0, lastAttemptLost: false })
      expect(await store().listAttempts(claimed.id)).toEqual([])
      expect(await store().getDelivery(claimed.id)).toMatchObject({
        status: 'in_flight',
        attempts: 0,
        leaseUntil: new Date(T0 + 300),
        lastError: null,
      })
    })

    /** Ways a lost delivery claimed by `b` moves on, each leaving it due again at T0 + 400. */
    const movesOn: Array<[string, (s: Store, lost: ClaimedDelivery) => Promise<unknown>]> = [
      [
        'settled for a later retry',
        (s, lost) =>
          s.settleDeliveries([{ deliveryId: lost.id, outcome: { kind: 'retry', nextAttemptAt: T0 + 400 } }], {
            now: T0 + 300,
            owner: 'b',
          }),
      ],
      [
        'attempted and failed',
        (s, lost) =>
          s.completeDeliveries([result(lost, { kind: 'retry', nextAttemptAt: T0 + 400 })], {
            now: T0 + 300,
            owner: 'b',
            disableAfterMs: 1e12,
          }),
      ],
      ['released', (s, lost) => s.releaseDeliveries([lost.id], 'b', T0 + 400)],
    ]
    for (const [how, moveOn] of movesOn) {
      it(`claims it as an ordinary delivery again once it was ${how}`, async () => {
        const { h, claimed } = await oneClaimed({ now: T0, leaseUntil: T0 + 100, owner: 'a' })
        const [lost] = await claim(store(), h.id, { now: T0 + 200, owner: 'b' })
        expect(lost!.lastAttemptLost).toBe(true)
        await moveOn(store(), lost!)
        const [next] = await claim(store(), h.id, { now: T0 + 400, owner: 'b' })
        expect(next).toMatchObject({ id: claimed.id, lastAttemptLost: false })
      })
    }

    it('claims it as an ordinary delivery again once it was redelivered by hand, counting from there', async () => {
      const { h, claimed } = await oneClaimed({ now: T0, leaseUntil: T0 + 100, owner: 'a' })
      await expireAt(T0 + 200, 'b')
      await store().redeliver(claimed.id, T0 + 300)
      const [next] = await claim(store(), h.id, { now: T0 + 300, owner: 'b' })
      expect(next).toMatchObject({ attempts: 1, retryFrom: 1, lastAttemptLost: false })
    })
  })

  describe('settleDeliveries', () => {
    it('puts a claimed delivery back pending at nextAttemptAt without recording an attempt', async () => {
      const { h, claimed } = await oneClaimed({ now: T0, leaseUntil: T0 + 1000, owner: 'a' })
      const settled = await store().settleDeliveries(
        [{ deliveryId: claimed.id, outcome: { kind: 'retry', nextAttemptAt: T0 + 500 } }],
        { now: T0 + 10, owner: 'a' },
      )
      expect(settled).toEqual([true])
      expect(await store().getDelivery(claimed.id)).toMatchObject({
        status: 'pending',
        attempts: 0,
        nextAttemptAt: new Date(T0 + 500),
        leaseUntil: null,
        updatedAt: new Date(T0 + 10),
        finishedAt: null,
      })
      expect(await store().listAttempts(claimed.id)).toEqual([])
      expect(await claim(store(), h.id, { now: T0 + 499, owner: 'b' })).toEqual([])
      expect(await claim(store(), h.id, { now: T0 + 500, owner: 'b' })).toHaveLength(1)
    })

    it('finishes a claimed delivery as dead, keeping its last error, without recording an attempt', async () => {
      const { h, claimed } = await oneClaimed({ now: T0, leaseUntil: T0 + 100, owner: 'a' })
      const [lost] = await claim(store(), h.id, { now: T0 + 100, owner: 'b' })
      expect(
        await store().settleDeliveries([{ deliveryId: lost!.id, outcome: { kind: 'dead' } }], {
          now: T0 + 110,
          owner: 'b',
        }),
      ).toEqual([true])
      expect(await store().getDelivery(claimed.id)).toMatchObject({
        status: 'dead',
        attempts: 1,
        nextAttemptAt: null,
        leaseUntil: null,
        lastError: LOST_ATTEMPT_ERROR,
        finishedAt: new Date(T0 + 110),
      })
      expect(await store().listAttempts(claimed.id)).toHaveLength(1)
      expect(await store().nextDueAt([h.id])).toBeNull()
    })

    it('leaves a delivery alone when another owner holds it or it is no longer in flight', async () => {
      const { claimed } = await oneClaimed({ now: T0, leaseUntil: T0 + 1000, owner: 'a' })
      const dead = [{ deliveryId: claimed.id, outcome: { kind: 'dead' } as const }]
      expect(await store().settleDeliveries(dead, { now: T0 + 1, owner: 'b' })).toEqual([false])
      expect(await store().getDelivery(claimed.id)).toMatchObject({
        status: 'in_flight',
        leaseUntil: new Date(T0 + 1000),
      })
      await store().releaseDeliveries([claimed.id], 'a', T0 + 2)
      expect(await store().settleDeliveries(dead, { now: T0 + 3, owner: 'a' })).toEqual([false])
      expect((await store().getDelivery(claimed.id))!.status).toBe('pending')
    })
  })
}
