import { describe, expect, it } from 'vitest'
import { startReceiver } from '../../../../test/support/receiver.js'
import { RioValidationError } from '../../src/index.js'
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
})
