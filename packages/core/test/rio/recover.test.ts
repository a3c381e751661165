import { describe, expect, it } from 'vitest'
import { startReceiver } from '../../../../test/support/receiver.js'
import { ManualClock, RioValidationError, UnrecoverableError } from '../../src/index.js'
import { makeRio, onCleanup, waitUntil } from '../helpers.js'

describe('recover', () => {
  it('refuses an invalid since date instead of re-queuing nothing', async () => {
    const r = await startReceiver()
    onCleanup(() => r.close())
    r.respond(() => ({ status: 500 }))
    const rio = makeRio({ retrySchedule: [0] })
    const handler = await rio.webhook('x', { url: r.url })
    await rio.start()
    const { id } = await rio.emit('x', {})
    await waitUntil(
      async () => (await rio.listDeliveries({ eventId: id, status: 'dead' })).length === 1,
      'dead',
    )

    const error = await rio.recover({ handler: handler.id, since: new Date('nope') }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RioValidationError)
    expect((error as RioValidationError).code).toBe('invalid_argument')
    expect((error as Error).message).toContain('since')
    await expect(
      rio.recover({ handler: handler.id, since: '2020-01-01' as unknown as Date }),
    ).rejects.toMatchObject({ code: 'invalid_argument' })
    expect(await rio.listDeliveries({ eventId: id, status: 'dead' })).toHaveLength(1)

    r.respond(() => ({ status: 200 }))
    expect(await rio.recover({ handler: handler.id, since: new Date(0) })).toEqual({ requeued: 1 })
    await waitUntil(
      async () => (await rio.listDeliveries({ eventId: id, status: 'succeeded' })).length === 1,
      'recovered delivery to succeed',
    )
  })

  it('refuses a since more than 60 s ahead of the clock, naming it, and re-queues nothing', async () => {
    const T0 = Date.parse('2026-01-01T00:00:00Z')
    const clock = new ManualClock(T0)
    const rio = makeRio({ clock, pollIntervalMs: 10 })
    let fixed = false
    rio.on('x', 'flaky', async () => {
      if (!fixed) throw new UnrecoverableError('not yet')
    })
    await rio.start()
    const { id } = await rio.emit('x', {})
    const [dead] = await waitUntil(async () => {
      const found = await rio.listDeliveries({ eventId: id, status: 'dead' })
      return found.length === 1 ? found : undefined
    }, 'dead')
    const handler = { id: dead!.handlerId }
    const now = clock.now()

    // A year typed wrong, and a time just past the allowed skew.
    for (const since of [new Date('2062-01-01T00:00:00Z'), new Date(now + 60_001)]) {
      const error = await rio.recover({ handler: handler.id, since }).catch((e: unknown) => e)
      expect(error, since.toISOString()).toBeInstanceOf(RioValidationError)
      expect(error).toMatchObject({ code: 'invalid_argument' })
      const { message, issues } = error as RioValidationError
      expect(message).toContain(since.toISOString())
      expect(message).toContain(new Date(now).toISOString())
      expect(message).toMatch(/give a time in the past/)
      expect(issues?.map((issue) => issue.path)).toEqual([['since']])
    }
    expect(await rio.listDeliveries({ eventId: id, status: 'dead' })).toHaveLength(1)

    // Within the skew it is accepted: it just matches nothing older.
    expect(await rio.recover({ handler: handler.id, since: new Date(now + 60_000) })).toEqual({ requeued: 0 })
    fixed = true
    expect(await rio.recover({ handler: handler.id, since: new Date(T0) })).toEqual({ requeued: 1 })
    await waitUntil(
      async () => (await rio.listDeliveries({ eventId: id, status: 'succeeded' })).length === 1,
      'recovered delivery to succeed',
    )
  })
})
