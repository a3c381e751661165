import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { Dispatcher } from '../../src/dispatch/dispatcher.js'
import { makeRio, onCleanup, waitUntil } from '../helpers.js'

afterEach(() => {
  vi.restoreAllMocks()
})

/** The dispatcher is Rio's own; catch it as Rio hands it a function handler's timeout. */
function catchDispatcher(): { dispatcher(): Dispatcher } {
  let caught: Dispatcher | undefined
  const real = Dispatcher.prototype.setFunctionTimeout
  vi.spyOn(Dispatcher.prototype, 'setFunctionTimeout').mockImplementation(function (
    this: Dispatcher,
    ...args
  ) {
    caught = this
    return real.apply(this, args)
  })
  return {
    dispatcher() {
      expect(caught, 'Rio handed the dispatcher a timeout').toBeDefined()
      return caught!
    },
  }
}

describe('what a long-running Rio keeps per handler', () => {
  it('forgets a function handler’s own timeout when the handler is removed', async () => {
    const caught = catchDispatcher()
    const rio = makeRio()
    for (let round = 0; round < 50; round++) {
      rio.on('job', `job-${round}`, () => {}, { timeoutMs: 1000 + round })
      // An emit waits for the registration to be stored.
      await rio.emit('registered', {})
      const [handler] = await rio.listHandlers({ kind: 'function' })
      await rio.removeHandler(handler!.id)
    }
    // Handler ids are never reused: one entry per removed handler would stay for the process's life.
    expect(caught.dispatcher().functionTimeoutCount).toBe(0)
  })

  it('keeps the timeout of a function handler that is still registered', async () => {
    const caught = catchDispatcher()
    const rio = makeRio()
    rio.on('job', 'kept', () => {}, { timeoutMs: 1234 })
    rio.on('job', 'removed', () => {}, { timeoutMs: 5678 })
    await rio.emit('registered', {})
    const removed = (await rio.listHandlers({ kind: 'function' })).find((h) => h.name === 'removed')!
    await rio.removeHandler(removed.id)
    expect(caught.dispatcher().functionTimeoutCount).toBe(1)
  })
})

describe('webhook connections a long-running Rio keeps', () => {
  it('keeps connections to at most maxWebhookOrigins receivers, though each asks for 10 minutes', async () => {
    const servers = await Promise.all(
      [0, 1, 2].map(async () => {
        const server = createServer((req, res) => {
          req.resume()
          req.on('end', () => {
            res.setHeader('keep-alive', 'timeout=600')
            res.end('ok')
          })
        })
        server.keepAliveTimeout = 600_000
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
        onCleanup(() => {
          server.closeAllConnections()
          server.close()
        })
        return server
      }),
    )
    const open = () =>
      Promise.all(
        servers.map((s) => new Promise<number>((resolve) => s.getConnections((_e, n) => resolve(n)))),
      )
    const rio = makeRio({ maxWebhookOrigins: 1, pollIntervalMs: 50 })
    for (const [i, server] of servers.entries()) {
      const { port } = server.address() as AddressInfo
      await rio.webhook(`to-${i}`, { url: `http://127.0.0.1:${port}/hook` })
    }
    await rio.start()
    for (let i = 0; i < servers.length; i++) {
      await rio.emit(`to-${i}`, {})
      await waitUntil(
        async () => (await rio.listDeliveries({ status: 'succeeded' })).length === i + 1,
        `delivery ${i}`,
      )
    }
    // Each new origin closed the last one's pool: only the last receiver still has a connection.
    await waitUntil(async () => (await open()).join() === '0,0,1', 'the older pools to close', 3000)
    expect(() => makeRio({ maxWebhookOrigins: 0 })).toThrow(/maxWebhookOrigins/)
  })
})
