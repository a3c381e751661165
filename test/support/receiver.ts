/**
 * The one recording webhook receiver every test in the repo shares: a real `node:http` server that
 * records each request and answers as the test programs it — fail, hang, reset, drip, stream a
 * huge body, answer 429 with `Retry-After`.
 * @module
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'

/** One request the receiver got. */
export interface ReceivedRequest {
  readonly method: string
  /** Path and query, as sent. */
  readonly path: string
  readonly url: string
  readonly headers: IncomingHttpHeaders
  readonly body: string
  /** `Date.now()` when the body had fully arrived. */
  readonly receivedAt: number
  /** The client's port, to tell connections apart (keep-alive reuse). */
  readonly remotePort: number
}

/**
 * How to answer one request:
 * - `{ status, headers?, body?, delayMs? }`: that response, after `delayMs` if given;
 * - `'hang'`: never answer (the client must time out);
 * - `'reset'`: send the status line and part of the body, then destroy the socket;
 * - `{ drip: { chunks, intervalMs } }`: 200, then one small chunk every `intervalMs`;
 * - `{ bigBody: bytes }`: 200 with a body of `bytes` bytes, streamed (never held in memory).
 */
export type Behaviour =
  | { status: number; headers?: Record<string, string>; body?: string; delayMs?: number }
  | 'hang'
  | 'reset'
  | { drip: { chunks: number; intervalMs: number } }
  | { bigBody: number }

/** Decides the answer to the `n`th request (counting from 1). */
export type Responder = (req: ReceivedRequest, n: number) => Behaviour | Promise<Behaviour>

/** Options of {@link startReceiver}. */
export interface ReceiverOptions {
  /** How to answer; see {@link Receiver.respond}. @default 200 `ok` */
  respond?: Responder
}

/** A webhook receiver for tests; see {@link startReceiver}. */
export interface Receiver {
  /** `http://127.0.0.1:<port>` */
  readonly url: string
  readonly port: number
  /** Every request so far, in arrival order. */
  readonly requests: ReceivedRequest[]
  /** TCP connections accepted so far (keep-alive reuse shows as fewer connections than requests). */
  readonly connections: number
  /** Sets how to answer from now on; `n` counts requests from 1. May be async. */
  respond(fn: Responder): void
  /** Answers the next `n` requests with `status`, then 200. */
  failTimes(n: number, status?: number): void
  /** Resolves once at least `count` requests have arrived; rejects after `timeoutMs`. */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedRequest[]>
  /** Stops listening and destroys open sockets, so no test hangs on a kept-alive connection. */
  close(): Promise<void>
}

/**
 * Starts the shared recording webhook receiver: a real `node:http` server on 127.0.0.1 and a free
 * port, answering 200 `ok` unless told otherwise. Close it after the test.
 * @example
 * ```ts
 * const receiver = await startReceiver()
 * receiver.failTimes(2, 503)
 * await rio.webhook('x', { url: receiver.url })
 * await receiver.waitFor(3)
 * ```
 */
export async function startReceiver(options: ReceiverOptions = {}): Promise<Receiver> {
  const requests: ReceivedRequest[] = []
  const sockets = new Set<Socket>()
  const waiters: Array<{ count: number; resolve: () => void }> = []
  let connections = 0
  let behaviour: Responder = options.respond ?? (() => ({ status: 200, body: 'ok' }))

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const address = req.socket.address()
      const port = 'port' in address ? address.port : 0
      const received: ReceivedRequest = {
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        url: `http://127.0.0.1:${port}${req.url ?? '/'}`,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        receivedAt: Date.now(),
        remotePort: req.socket.remotePort ?? 0,
      }
      requests.push(received)
      for (const waiter of [...waiters]) {
        if (requests.length >= waiter.count) {
          waiters.splice(waiters.indexOf(waiter), 1)
          waiter.resolve()
        }
      }
      Promise.resolve(behaviour(received, requests.length))
        .then((b) => answer(req, res, b))
        .catch(() => res.destroy())
    })
  })
  server.on('connection', (socket) => {
    connections++
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    get connections() {
      return connections
    },
    respond(fn) {
      behaviour = fn
    },
    failTimes(n, status = 500) {
      let failed = 0
      behaviour = () => (failed++ < n ? { status, body: `failure ${failed}` } : { status: 200, body: 'ok' })
    },
    waitFor(count, timeoutMs = 5000) {
      if (requests.length >= count) return Promise.resolve(requests)
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1)
          reject(
            new Error(`receiver got ${requests.length} of ${count} expected requests within ${timeoutMs} ms`),
          )
        }, timeoutMs)
        const waiter = {
          count,
          resolve: () => {
            clearTimeout(timer)
            resolve(requests)
          },
        }
        waiters.push(waiter)
      })
    },
    async close() {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

async function answer(req: IncomingMessage, res: ServerResponse, b: Behaviour): Promise<void> {
  if (b === 'hang') return
  if (b === 'reset') {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '1000' })
    // Destroyed once the partial body is on the wire, so the client sees a response cut short.
    res.write('partial', () => req.socket.destroy())
    return
  }
  if ('drip' in b) {
    res.writeHead(200, { 'content-type': 'text/plain' })
    res.flushHeaders()
    for (let i = 0; i < b.drip.chunks && !res.destroyed && !req.socket.destroyed; i++) {
      res.write(`chunk ${i}\n`)
      await new Promise((resolve) => setTimeout(resolve, b.drip.intervalMs))
    }
    res.end()
    return
  }
  if ('bigBody' in b) {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(b.bigBody) })
    const chunk = Buffer.alloc(64 * 1024, 'x')
    let sent = 0
    const pump = () => {
      // Stops as soon as the client goes away, so a client that reads only a prefix costs nothing more.
      while (sent < b.bigBody && !req.socket.destroyed) {
        const n = Math.min(chunk.length, b.bigBody - sent)
        sent += n
        if (!res.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return void res.once('drain', pump)
      }
      res.end()
    }
    pump()
    return
  }
  if (b.delayMs) await new Promise((resolve) => setTimeout(resolve, b.delayMs))
  res.writeHead(b.status, { 'content-type': 'text/plain', ...b.headers })
  res.end(b.body ?? '')
}
