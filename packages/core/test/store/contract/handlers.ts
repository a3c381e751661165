import { describe, expect, it } from 'vitest'
import { RioConflictError, RioNotFoundError } from '../../../src/errors.js'
import {
  attemptAll,
  type CurrentStore,
  claim,
  eventInput,
  functionInput,
  result,
  T0,
  webhookInput,
} from './fixtures.js'

/** Creating, changing, enabling, disabling and removing handlers. */
export function handlersContract(store: CurrentStore): void {
  describe('handlers', () => {
    it('stores every field of a webhook handler and reads it back by id and by name', async () => {
      const input = webhookInput('p', 'hook', 'order.*', {
        concurrency: 3,
        rateLimit: 2.5,
        retrySchedule: [0, 1000, 60_000],
        url: 'https://example.com/{{ payload.id }}',
        method: 'PUT',
        contentType: 'form',
        secrets: ['whsec_a', 'whsk_b'],
        headers: { 'x-team': 'billing' },
        timeoutMs: 2500,
      })
      const created = await store().insertHandler(input, T0)
      expect(created).toEqual({
        id: input.id,
        project: 'p',
        name: 'hook',
        kind: 'webhook',
        pattern: 'order.*',
        enabled: true,
        disabledReason: null,
        concurrency: 3,
        rateLimit: 2.5,
        retrySchedule: [0, 1000, 60_000],
        failingSince: null,
        createdAt: new Date(T0),
        updatedAt: new Date(T0),
        url: 'https://example.com/{{ payload.id }}',
        method: 'PUT',
        contentType: 'form',
        secrets: ['whsec_a', 'whsk_b'],
        headers: { 'x-team': 'billing' },
        timeoutMs: 2500,
      })
      expect(await store().getHandler(input.id)).toEqual(created)
      expect(await store().getHandlerByName('p', 'hook')).toEqual(created)
      expect(await store().getProject('p')).not.toBeNull()
    })

    it('stores a function handler with kind function', async () => {
      const created = await store().insertHandler(functionInput('p', 'fn', '*'), T0)
      expect(created).toMatchObject({ kind: 'function', name: 'fn', pattern: '*', enabled: true })
      expect(await store().getHandlerByName('p', 'fn')).toEqual(created)
    })

    it('returns null when the handler id or name is unknown or in another project', async () => {
      await store().insertHandler(webhookInput('p', 'h', '*'), T0)
      expect(await store().getHandler('01890000-0000-7000-8000-000000000000')).toBeNull()
      expect(await store().getHandlerByName('p', 'nope')).toBeNull()
      expect(await store().getHandlerByName('q', 'h')).toBeNull()
    })

    it('rejects a handler with RioConflictError when its name is taken in the project', async () => {
      const first = await store().insertHandler(webhookInput('p', 'h', '*'), T0)
      await expect(store().insertHandler(webhookInput('p', 'h', 'x'), T0)).rejects.toBeInstanceOf(
        RioConflictError,
      )
      expect(await store().getHandlerByName('p', 'h')).toEqual(first)
      await expect(store().insertHandler(webhookInput('q', 'h', '*'), T0)).resolves.toMatchObject({
        project: 'q',
      })
    })

    it('lets a new handler take the name when the old one was removed', async () => {
      const old = await store().insertHandler(webhookInput('p', 'h', '*'), T0)
      await store().deleteHandler(old.id, T0)
      const fresh = await store().insertHandler(webhookInput('p', 'h', 'x'), T0 + 1)
      expect(fresh.id).not.toBe(old.id)
      expect(await store().getHandlerByName('p', 'h')).toEqual(fresh)
      expect((await store().listHandlers()).map((h) => h.id)).toEqual([fresh.id])
    })

    it('changes only the patched fields and applies a new pattern to later events', async () => {
      const h = await store().insertHandler(
        webhookInput('p', 'h', 'a', { retrySchedule: [1, 2], headers: { a: '1' } }),
        T0,
      )
      const updated = await store().updateHandler(
        h.id,
        { pattern: 'b', concurrency: 2, retrySchedule: null, headers: { b: '2' }, secrets: ['whsec_new'] },
        T0 + 50,
      )
      expect(updated).toEqual({
        ...h,
        pattern: 'b',
        concurrency: 2,
        retrySchedule: null,
        headers: { b: '2' },
        secrets: ['whsec_new'],
        updatedAt: new Date(T0 + 50),
      })
      expect(await store().getHandler(h.id)).toEqual(updated)
      const [a, b] = await store().insertEvents([eventInput('p', 'a'), eventInput('p', 'b')])
      expect([a!.deliveries, b!.deliveries]).toEqual([0, 1])
    })

    it('rejects updateHandler with RioNotFoundError when the handler is unknown or removed', async () => {
      const h = await store().insertHandler(webhookInput('p', 'h', '*'), T0)
      await store().deleteHandler(h.id, T0)
      await expect(store().updateHandler(h.id, { pattern: 'x' }, T0)).rejects.toBeInstanceOf(RioNotFoundError)
      await expect(
        store().updateHandler('01890000-0000-7000-8000-000000000000', { pattern: 'x' }, T0),
      ).rejects.toBeInstanceOf(RioNotFoundError)
    })

    it('filters listHandlers by project, enabled and kind, leaving removed ones out', async () => {
      const a = await store().insertHandler(webhookInput('p', 'a', '*'), T0)
      const b = await store().insertHandler(functionInput('p', 'b', '*'), T0)
      const c = await store().insertHandler(webhookInput('q', 'c', '*'), T0)
      const d = await store().insertHandler(webhookInput('q', 'd', '*'), T0)
      const gone = await store().insertHandler(webhookInput('p', 'gone', '*'), T0)
      await store().setHandlerEnabled(c.id, false, 'manual', T0)
      await store().deleteHandler(gone.id, T0)
      const ids = async (filter?: Parameters<ReturnType<CurrentStore>['listHandlers']>[0]) =>
        (await store().listHandlers(filter)).map((h) => h.id).sort()
      expect(await ids()).toEqual([a.id, b.id, c.id, d.id].sort())
      expect(await ids({ project: 'p' })).toEqual([a.id, b.id].sort())
      expect(await ids({ enabled: false })).toEqual([c.id])
      expect(await ids({ enabled: true })).toEqual([a.id, b.id, d.id].sort())
      expect(await ids({ kind: 'function' })).toEqual([b.id])
      expect(await ids({ project: 'q', enabled: true, kind: 'webhook' })).toEqual([d.id])
    })

    it('gives a new handlersVersion after every change to a handler, a result disabling one included', async () => {
      const s = store()
      if (!s.handlersVersion) return expect(s.handlersVersion).toBeUndefined()
      const seen = new Set<string>()
      const changed = async () => {
        const version = await s.handlersVersion!()
        expect(seen.has(version)).toBe(false)
        seen.add(version)
      }
      await changed()
      const h = await s.insertHandler(webhookInput('p', 'h', 'x'), T0)
      await changed()
      await s.updateHandler(h.id, { pattern: 'y' }, T0 + 1)
      await changed()
      await s.setHandlerEnabled(h.id, false, 'manual', T0 + 2)
      await changed()
      const enabled = await s.setHandlerEnabled(h.id, true, null, T0 + 3)
      await changed()
      await s.insertEvents([eventInput('p', 'y', { createdAt: T0 + 4 })])
      const [c] = await claim(s, h.id, { now: T0 + 5 })
      await s.completeDeliveries(
        [
          result(
            c!,
            { kind: 'dead' },
            { disableHandler: 'gone', handlerVersion: enabled!.updatedAt.getTime() },
          ),
        ],
        { now: T0 + 6, owner: 'owner-a', disableAfterMs: 1e12 },
      )
      expect((await s.getHandler(h.id))?.enabled).toBe(false)
      await changed()
      await s.deleteHandler(h.id, T0 + 7)
      await changed()
    })

    it('keeps the reason when disabling and clears it when enabling', async () => {
      const h = await store().insertHandler(webhookInput('p', 'h', '*'), T0)
      const off = await store().setHandlerEnabled(h.id, false, 'manual', T0 + 10)
      expect(off).toMatchObject({ enabled: false, disabledReason: 'manual', updatedAt: new Date(T0 + 10) })
      expect(await store().getHandler(h.id)).toEqual(off)
      const on = await store().setHandlerEnabled(h.id, true, 'ignored', T0 + 20)
      expect(on).toMatchObject({ enabled: true, disabledReason: null, updatedAt: new Date(T0 + 20) })
    })

    it('moves updatedAt forward on every change, by 1 ms when the clock has not moved on', async () => {
      const h = await store().insertHandler(webhookInput('p', 'h', '*'), T0)
      const updatedAt = async () => (await store().getHandler(h.id))!.updatedAt.getTime()
      await store().updateHandler(h.id, { url: 'http://127.0.0.1:2/a' }, T0)
      expect(await updatedAt()).toBe(T0 + 1)
      await store().setHandlerEnabled(h.id, false, 'manual', T0)
      expect(await updatedAt()).toBe(T0 + 2)
      await store().setHandlerEnabled(h.id, true, null, T0 + 1)
      expect(await updatedAt()).toBe(T0 + 3)
      await store().updateHandler(h.id, { concurrency: 2 }, T0 + 10)
      expect(await updatedAt()).toBe(T0 + 10)
      // a clock set back
      await store().updateHandler(h.id, { concurrency: 3 }, T0 + 5)
      expect(await updatedAt()).toBe(T0 + 11)
    })

    it('changes nothing, its version included, for a patch of the values already stored', async () => {
      const input = webhookInput('p', 'h', '*', { headers: { 'x-team': 'a' }, retrySchedule: [1, 2] })
      const h = await store().insertHandler(input, T0)
      const { id: _, project: __, name: ___, kind: ____, enabled: _____, ...same } = input
      const again = await store().updateHandler(h.id, same, T0 + 10)
      expect(again).toEqual(h)
      // One field that differs is written, with a new version.
      const moved = await store().updateHandler(h.id, { ...same, concurrency: same.concurrency + 1 }, T0 + 20)
      expect(moved).toMatchObject({ concurrency: same.concurrency + 1, updatedAt: new Date(T0 + 20) })
    })

    it('clears failingSince when a failing handler is enabled again', async () => {
      const h = await store().insertHandler(webhookInput('p', 'h', '*'), T0)
      await store().insertEvents([eventInput('p', 'x')])
      await attemptAll(store(), h.id, { kind: 'retry', nextAttemptAt: T0 + 1000 }, T0 + 5)
      expect((await store().getHandler(h.id))!.failingSince).toEqual(new Date(T0 + 5))
      await store().setHandlerEnabled(h.id, false, 'manual', T0 + 6)
      expect((await store().getHandler(h.id))!.failingSince).toEqual(new Date(T0 + 5))
      expect((await store().setHandlerEnabled(h.id, true, null, T0 + 7))!.failingSince).toBeNull()
    })

    it('returns null from setHandlerEnabled when the handler is unknown or removed', async () => {
      const h = await store().insertHandler(webhookInput('p', 'h', '*'), T0)
      await store().deleteHandler(h.id, T0)
      expect(await store().setHandlerEnabled(h.id, true, null, T0)).toBeNull()
      expect(
        await store().setHandlerEnabled('01890000-0000-7000-8000-000000000000', false, 'manual', T0),
      ).toBeNull()
    })

    it('cancels pending and in-flight deliveries and counts them when the handler is removed', async () => {
      const h = await store().insertHandler(webhookInput('p', 'h', '*'), T0)
      const other = await store().insertHandler(webhookInput('p', 'other', '*'), T0)
      await store().insertEvents([eventInput('p', 'a', { createdAt: T0 })])
      const [done] = await attemptAll(store(), h.id, { kind: 'succeeded' }, T0)
      await store().insertEvents([
        eventInput('p', 'b', { createdAt: T0 + 1 }),
        eventInput('p', 'c', { createdAt: T0 + 2 }),
      ])
      const [inFlight] = await claim(store(), h.id, { now: T0 + 2, limit: 1, leaseUntil: T0 + 100 })

      expect(await store().deleteHandler(h.id, T0 + 3)).toEqual({ cancelled: 2 })
      const statuses = (await store().listDeliveries({ handlerId: h.id, limit: 10 })).map((d) => [
        d.id,
        d.status,
      ])
      expect(statuses).toHaveLength(3)
      expect(statuses).toContainEqual([done!.id, 'succeeded'])
      expect(statuses).toContainEqual([inFlight!.id, 'cancelled'])
      expect(statuses.filter(([, status]) => status === 'cancelled')).toHaveLength(2)
      expect(await store().getDelivery(inFlight!.id)).toMatchObject({
        leaseUntil: null,
        nextAttemptAt: null,
        finishedAt: new Date(T0 + 3),
      })
      // the other handler's deliveries are untouched
      expect(
        (await store().listDeliveries({ handlerId: other.id, limit: 10 })).map((d) => d.status).sort(),
      ).toEqual(['pending', 'pending', 'pending'])
      // the attempt that was in flight reports late: recorded, but the delivery stays cancelled
      const [late] = await store().completeDeliveries([result(inFlight!, { kind: 'succeeded' })], {
        now: T0 + 4,
        owner: 'owner-a',
        disableAfterMs: 1e12,
      })
      expect(late!.applied).toBe(false)
      expect((await store().getDelivery(inFlight!.id))!.status).toBe('cancelled')
    })

    it('hides the handler and claims nothing for it when it is removed', async () => {
      const h = await store().insertHandler(webhookInput('p', 'h', '*'), T0)
      await store().insertEvents([eventInput('p', 'x')])
      await store().deleteHandler(h.id, T0)
      expect(await store().getHandler(h.id)).toBeNull()
      expect(await store().getHandlerByName('p', 'h')).toBeNull()
      expect(await store().listHandlers({ project: 'p' })).toEqual([])
      expect(await claim(store(), h.id, { now: T0 + 1 })).toEqual([])
      expect(await store().nextDueAt([h.id])).toBeNull()
    })
  })
}
