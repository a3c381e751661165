import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { startReceiver } from '../../../../test/support/receiver.js'
import { Rio } from '../../src/index.js'
import { onCleanup, tempDir, waitUntil } from '../helpers.js'

describe('graceful stop', () => {
  it('lets an attempt in flight finish and records it', async () => {
    const receiver = await startReceiver()
    onCleanup(() => receiver.close())
    receiver.respond(() => ({ status: 200, delayMs: 300 }))
    const file = join(tempDir(), 'rio.db')
    const rio = new Rio({ database: file, stopTimeoutMs: 5000 })
    await rio.webhook('x', { url: receiver.url })
    await rio.start()
    const { id } = await rio.emit('x', {})
    await receiver.waitFor(1, 5000)
    await rio.stop()
    const reopened = new Rio({ database: file })
    onCleanup(() => reopened.stop())
    const [delivery] = await reopened.listDeliveries({ eventId: id })
    expect(delivery!.status).toBe('succeeded')
  })

  it('gives an attempt that outlives stopTimeoutMs back to the queue, due now', async () => {
    const receiver = await startReceiver()
    onCleanup(() => receiver.close())
    receiver.respond(() => 'hang')
    const file = join(tempDir(), 'rio.db')
    const rio = new Rio({ database: file, stopTimeoutMs: 200 })
    await rio.webhook('x', { url: receiver.url })
    await rio.start()
    const { id } = await rio.emit('x', {})
    await receiver.waitFor(1, 5000)
    const started = Date.now()
    await rio.stop()
    expect(Date.now() - started).toBeLessThan(2000)
    const reopened = new Rio({ database: file, pollIntervalMs: 50 })
    onCleanup(() => reopened.stop())
    const [delivery] = await reopened.listDeliveries({ eventId: id })
    expect(delivery!.status).toBe('pending')
    expect(delivery!.attempts).toBe(0)
    receiver.respond(() => ({ status: 200 }))
    await reopened.start()
    await waitUntil(
      async () => (await reopened.getDelivery(delivery!.id)).status === 'succeeded',
      'the released delivery',
    )
  })

  it('commits emits still queued when stop is called', async () => {
    const file = join(tempDir(), 'rio.db')
    const rio = new Rio({ database: file })
    const pending = Promise.all(Array.from({ length: 50 }, (_, n) => rio.emit('x', { n })))
    await rio.stop()
    expect(await pending).toHaveLength(50)
    const reopened = new Rio({ database: file })
    onCleanup(() => reopened.stop())
    expect(await reopened.listEvents({ limit: 100 })).toHaveLength(50)
  })
})
