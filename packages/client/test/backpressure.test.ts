// Many emits at once against a slow or shedding Rio: how many connections and requests the client
// opens, what a caller waiting its turn sees, and whether throttled clients come back together.
import { getEventListeners } from 'node:events'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { Client, type ClientOptions } from '../src/index.ts'
import { rejection } from './support/rejection.js'

/** A node:http Rio stand-in that answers each request `delayMs` later, counting what it sees. */
interface SlowRio {
  readonly port: number
  /** Connections open now, most open at once, and opened in all. */
  readonly connections: { open: number; peak: number; total: number }
  /** Requests being answered now, and most at once. */
  readonly requests: { active: number; peak: number; total: number }
  /** Arrival times (performance.now()) per idempotency key. */
  readonly arrivals: Map<string, number[]>
}

const servers: Server[] = []
const clients: Client[] = []
const unhandled: unknown[] = []
const onUnhandled = (reason: unknown) => unhandled.push(reason)

beforeEach(() => {
  unhandled.length = 0
  process.on('unhandledRejection', onUnhandled)
})

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()))
  for (const server of servers.splice(0)) {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  }
  // Let rejections from the calls just settled reach the handler before looking.
  await new Promise((resolve) => setTimeout(resolve, 20))
  process.off('unhandledRejection', onUnhandled)
  expect(unhandled).toEqual([])
})

async function slowRio(
  delayMs: number,
  answer: (req: IncomingMessage, res: ServerResponse, arrivals: number) => void = (_req, res) => {
    res.writeHead(202, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ id: `evt_${Math.random().toString(36).slice(2)}`, duplicate: false }))
  },
): Promise<SlowRio> {
  const connections = { open: 0, peak: 0, total: 0 }
  const requests = { active: 0, peak: 0, total: 0 }
  const arrivals = new Map<string, number[]>()
  const server = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      const key = String(req.headers['idempotency-key'])
      const times = arrivals.get(key) ?? []
      times.push(performance.now())
      arrivals.set(key, times)
      requests.total++
      requests.peak = Math.max(requests.peak, ++requests.active)
      setTimeout(() => {
        requests.active--
        answer(req, res, times.length)
      }, delayMs)
    })
  })
  server.keepAliveTimeout = 60_000
  server.on('connection', (socket: Socket) => {
    connections.total++
    connections.peak = Math.max(connections.peak, ++connections.open)
    socket.on('close', () => connections.open--)
  })
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { port: (server.address() as { port: number }).port, connections, requests, arrivals }
}

const transports: [string, Pick<ClientOptions, 'fetch'>][] = [
  ['undici', {}],
  ['fetch', { fetch: globalThis.fetch }],
]

describe.each(transports)('many emits at once over %s', (_name, transport) => {
  function client(port: number, options: ClientOptions = {}): Client {
    const made = new Client({ dsn: `http://sender:secret@127.0.0.1:${port}/shop`, ...transport, ...options })
    clients.push(made)
    return made
  }

  it('keeps at most 128 requests and connections open by default when 400 emits start together', async () => {
    const rio = await slowRio(50)
    const sender = client(rio.port)
    const results = await Promise.all(Array.from({ length: 400 }, (_, index) => sender.emit('a', index)))
    expect(results).toHaveLength(400)
    expect(rio.requests.total).toBe(400)
    expect(rio.requests.peak).toBeLessThanOrEqual(128)
    expect(rio.connections.peak).toBeLessThanOrEqual(128)
  })

  it('holds to maxConcurrentRequests, and starts timeoutMs only when a request is sent', async () => {
    const rio = await slowRio(100)
    // 20 requests of 100 ms, 4 at a time: ~500 ms in all, twice timeoutMs; none times out.
    const sender = client(rio.port, { maxConcurrentRequests: 4, timeoutMs: 250, retries: 0 })
    const results = await Promise.all(Array.from({ length: 20 }, (_, index) => sender.emit('a', index)))
    expect(results).toHaveLength(20)
    expect(rio.requests.peak).toBe(4)
    expect(rio.connections.total).toBeLessThanOrEqual(4)
  })

  it('ends a call waiting for its turn at its signal, sending nothing for it', async () => {
    const rio = await slowRio(200)
    const sender = client(rio.port, { maxConcurrentRequests: 1 })
    const first = sender.emit('a', 1)
    const controller = new AbortController()
    const second = rejection(sender.emit('a', 2, { signal: controller.signal }))
    const third = sender.emit('a', 3)
    setTimeout(() => controller.abort(), 50)
    expect(await second).toMatchObject({ code: 'aborted', attempts: 0 })
    await expect(first).resolves.toMatchObject({ duplicate: false })
    await expect(third).resolves.toMatchObject({ duplicate: false })
    expect(rio.requests.total).toBe(2)
  })

  it('ends 300 calls waiting on one shared signal together, through one listener, without a leak warning', async () => {
    const rio = await slowRio(2_000)
    const warnings: Error[] = []
    const onWarning = (warning: Error) => warnings.push(warning)
    process.on('warning', onWarning)
    try {
      const sender = client(rio.port, { maxConcurrentRequests: 2 })
      const shutdown = new AbortController()
      const calls = Array.from({ length: 300 }, (_, index) =>
        sender.emit('a', index, { signal: shutdown.signal }).then(
          () => 'stored',
          (error: { code: string; attempts: number }) => `${error.code} after ${error.attempts}`,
        ),
      )
      while (rio.requests.total < 2) await new Promise((resolve) => setTimeout(resolve, 5))
      expect(getEventListeners(shutdown.signal, 'abort')).toHaveLength(1)
      shutdown.abort()
      const outcomes = await Promise.all(calls)
      // The two on the wire are aborted there; the 298 waiting their turn end without a request.
      expect(outcomes.filter((outcome) => outcome === 'aborted after 0')).toHaveLength(298)
      expect(outcomes.filter((outcome) => outcome === 'aborted after 1')).toHaveLength(2)
      expect(rio.requests.total).toBe(2)
    } finally {
      process.off('warning', onWarning)
    }
    expect(warnings.map((warning) => warning.name)).not.toContain('MaxListenersExceededWarning')
  })

  it('sends the calls still waiting for their turn when close() is called, and resolves close() after them', async () => {
    const rio = await slowRio(50)
    const sender = client(rio.port, { maxConcurrentRequests: 2 })
    const pending = Array.from({ length: 10 }, (_, index) => sender.emit('a', index))
    await sender.close()
    // close() waited for every one of them: all were answered by then.
    expect(rio.requests.total).toBe(10)
    await expect(Promise.all(pending)).resolves.toHaveLength(10)
    expect(await rejection(sender.emit('a', 11))).toMatchObject({ code: 'client_closed' })
  })

  it('drops a retry whose turn comes after close(), as close() drops retries still waiting', async () => {
    const rio = await slowRio(0, (req, res) => {
      const answer = (status: number) => {
        res.writeHead(status, { 'content-type': 'application/json' })
        res.end(status === 202 ? '{"id":"evt_1","duplicate":false}' : '{"error":{"code":"x","message":"y"}}')
      }
      if (req.headers['x-call'] === 'a') answer(503)
      else setTimeout(() => answer(202), 300)
    })
    const sender = client(rio.port, { maxConcurrentRequests: 1, retryDelayMs: 10, retryMaxDelayMs: 10 })
    // a fails at once and queues its retry behind b, whose request takes 300 ms.
    const a = rejection(sender.emit('a', 1, { headers: { 'x-call': 'a' } }))
    const b = sender.emit('a', 2, { headers: { 'x-call': 'b' } })
    // b is on the wire; a's 10 ms pause is over, its retry waits for b's slot.
    while (rio.requests.total < 2) await new Promise((resolve) => setTimeout(resolve, 5))
    await new Promise((resolve) => setTimeout(resolve, 100))
    await sender.close()
    expect(await a).toMatchObject({ code: 'client_closed', attempts: 1 })
    await expect(b).resolves.toMatchObject({ duplicate: false })
    expect(rio.requests.total).toBe(2)
  })

  it('spreads the retries of calls that Rio sheds with one Retry-After, instead of bringing them back together', async () => {
    // Every first attempt gets 503 with Retry-After: 1; the retry is stored.
    const rio = await slowRio(0, (_req, res, arrivals) => {
      if (arrivals === 1) {
        res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' })
        res.end('{"error":{"code":"overloaded","message":"shedding load"}}')
        return
      }
      res.writeHead(202, { 'content-type': 'application/json' })
      res.end('{"id":"evt_1","duplicate":false}')
    })
    const sender = client(rio.port)
    await Promise.all(Array.from({ length: 100 }, (_, index) => sender.emit('a', index)))
    const waits = [...rio.arrivals.values()].map(([first, second]) => second! - first!).sort((a, b) => a - b)
    expect(waits).toHaveLength(100)
    // Never sooner than asked…
    expect(waits[0]).toBeGreaterThanOrEqual(990)
    // …but not all in the same instant: spread evenly over up to half as long again (1–1.5 s),
    // so the middle 80 % span ~400 ms where waiting exactly Retry-After spans a few ms.
    expect(waits[89]! - waits[10]!).toBeGreaterThan(200)
    expect(waits[50]).toBeLessThan(1_600)
  })
})
