import { createServer, type Server } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import type { WebhookRequest } from '../../src/dispatch/webhook-request.js'
import { WebhookSender, type WebhookSenderOptions } from '../../src/dispatch/webhook-sender.js'

const cleanups: Array<() => Promise<unknown> | unknown> = []
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!()
})

/** Receivers on 127.0.0.1 (one origin each) that ask for a 10-minute keep-alive and count open connections. */
async function receivers(count: number, delayMs = 0): Promise<{ urls: string[]; open: () => number }> {
  let open = 0
  const urls: string[] = []
  for (let i = 0; i < count; i++) {
    const server: Server = createServer((req, res) => {
      req.resume()
      req.on('end', () => setTimeout(() => res.end('ok'), delayMs))
    })
    // Node answers `Keep-Alive: timeout=600`, which undici honours unless told otherwise.
    server.keepAliveTimeout = 600_000
    server.on('connection', (socket) => {
      open++
      socket.on('close', () => open--)
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    cleanups.push(() => {
      server.closeAllConnections()
      return new Promise((resolve) => server.close(resolve))
    })
    const address = server.address()
    urls.push(`http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/hook`)
  }
  return { urls, open: () => open }
}

function sender(options?: WebhookSenderOptions): WebhookSender {
  const s = new WebhookSender(options)
  cleanups.push(() => s.close())
  return s
}

const post = (url: string): WebhookRequest => ({
  method: 'POST',
  url,
  headers: { 'content-type': 'application/json' },
  body: '{}',
})

async function waitFor(condition: () => boolean, what: string, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

describe('WebhookSender connection pools', () => {
  it('keeps pools and idle sockets for at most maxOrigins origins when receivers ask for long keep-alives', async () => {
    const r = await receivers(8)
    const s = sender({ maxOrigins: 3 })
    for (const url of r.urls) {
      expect((await s.send(post(url), { timeoutMs: 5000 })).ok).toBe(true)
    }
    // Without the bound all 8 sockets stay open for the 10 minutes the receivers asked for.
    await waitFor(() => r.open() <= 3, `at most 3 open connections (${r.open()} open)`)
    expect(s.origins).toBeLessThanOrEqual(3)
  })

  it('closes an idle connection after keepAliveMaxTimeoutMs whatever keep-alive the receiver asks for', async () => {
    const r = await receivers(1)
    const s = sender({ keepAliveMaxTimeoutMs: 100 })
    expect((await s.send(post(r.urls[0]!), { timeoutMs: 5000 })).ok).toBe(true)
    await waitFor(() => r.open() === 0, `the idle connection to close (${r.open()} open)`)
    // The origin's pool goes with its last connection.
    await waitFor(() => s.origins === 0, `the pool to be dropped (${s.origins} left)`)
  })

  it('lets a request finish when its pool is evicted while it is in flight, and reopens the origin after', async () => {
    const slow = await receivers(1, 200)
    const fast = await receivers(1)
    const s = sender({ maxOrigins: 1 })
    const inFlight = s.send(post(slow.urls[0]!), { timeoutMs: 5000 })
    await waitFor(() => slow.open() === 1, 'the slow request to connect')
    // Another origin evicts the slow one's pool while its request runs.
    expect((await s.send(post(fast.urls[0]!), { timeoutMs: 5000 })).ok).toBe(true)
    expect(await inFlight).toMatchObject({ ok: true, status: 200, responseBody: 'ok' })
    expect((await s.send(post(slow.urls[0]!), { timeoutMs: 5000 })).ok).toBe(true)
    expect(s.origins).toBe(1)
  })

  it('refuses to send after close(), which may be called again', async () => {
    const r = await receivers(1)
    const s = sender()
    await s.close()
    await s.close()
    const result = await s.send(post(r.urls[0]!), { timeoutMs: 5000 })
    expect(result.ok).toBe(false)
    expect(r.open()).toBe(0)
  })
})
