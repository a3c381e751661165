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

  it('refuses reads and writes after stop with RioClosedError, as rejected promises', async () => {
    const rio = new Rio({ database: join(tempDir(), 'rio.db') })
    const { secret } = await rio.createSender('shop', 'checkout')
    const { id } = await rio.emit('x', {}, { project: 'shop' })
    await rio.stop()
    const calls: Array<[string, () => Promise<unknown>]> = [
      ['authenticateSender', () => rio.authenticateSender('shop', 'checkout', secret)],
      ['getProject', () => rio.getProject('shop')],
      ['listProjects', () => rio.listProjects()],
      ['createProject', () => rio.createProject('other')],
      ['listSenders', () => rio.listSenders('shop')],
      ['removeSender', () => rio.removeSender('shop', 'checkout')],
      ['getEvent', () => rio.getEvent(id)],
      ['listEvents', () => rio.listEvents()],
      ['listDeliveries', () => rio.listDeliveries()],
      ['getDelivery', () => rio.getDelivery('1')],
      ['listAttempts', () => rio.listAttempts('1')],
      ['listHandlers', () => rio.listHandlers()],
      ['getHandler', () => rio.getHandler('0190a0a0-0000-7000-8000-000000000000')],
      ['enableHandler', () => rio.enableHandler('0190a0a0-0000-7000-8000-000000000000')],
      ['disableHandler', () => rio.disableHandler('0190a0a0-0000-7000-8000-000000000000')],
    ]
    for (const [name, call] of calls) {
      let promise: Promise<unknown> | undefined
      expect(() => {
        promise = call()
      }, name).not.toThrow()
      await expect(promise, name).rejects.toMatchObject({ name: 'RioClosedError', code: 'closed' })
    }
  })

  it('answers 503 closed with Retry-After on the HTTP API of a stopped Rio, on both emit routes and the management API', async () => {
    const rio = new Rio({ database: join(tempDir(), 'rio.db') })
    const { secret } = await rio.createSender('shop', 'checkout')
    const server = await rio.listen({ port: 0, adminToken: 'admin-token-for-tests' })
    onCleanup(() => server.close())
    await rio.stop()
    const basic = `Basic ${Buffer.from(`checkout:${secret}`).toString('base64')}`
    const requests: Array<[string, RequestInit]> = [
      [
        '/api/v1/projects/shop/events',
        {
          method: 'POST',
          headers: { authorization: basic, 'content-type': 'application/json' },
          body: JSON.stringify({ name: 'x', payload: {} }),
        },
      ],
      ['/api/v1/events', { headers: { authorization: 'Bearer admin-token-for-tests' } }],
      ['/api/v1/projects', { headers: { authorization: 'Bearer admin-token-for-tests' } }],
    ]
    for (const [path, init] of requests) {
      const res = await fetch(`${server.url}${path}`, init)
      expect(res.status, path).toBe(503)
      expect(res.headers.get('retry-after'), path).toBe('1')
      expect(await res.json(), path).toMatchObject({ error: { code: 'closed' } })
    }
    const legacy = await fetch(`${server.url}/event/shop/emit/x`, {
      method: 'POST',
      headers: { authorization: basic },
    })
    expect(legacy.status).toBe(503)
  })
})
