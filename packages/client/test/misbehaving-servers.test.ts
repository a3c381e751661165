// What the client does when a server, a proxy in front of Rio or the network misbehaves: answers it
// did not ask to be encoded, compression bombs, bodies that stall behind a fetch wrapper that
// drops init.signal, connections that never finish setting up.
import {
  createServer as createHttpServer,
  type Server as HttpServer,
  type OutgoingHttpHeaders,
} from 'node:http'
import { createServer, type Server, type Socket } from 'node:net'
import { setTimeout as delay } from 'node:timers/promises'
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib'
import { afterEach, describe, expect, it } from 'vitest'
import { Client, type ClientOptions } from '../src/index.ts'
import { rejection } from './support/rejection.js'

const servers: (Server | HttpServer)[] = []
const sockets = new Set<Socket>()
const clients: Client[] = []

afterEach(async () => {
  // Server side first: a client still connecting then fails at once, and its close() can end.
  for (const socket of sockets) socket.destroy()
  sockets.clear()
  await Promise.all(clients.splice(0).map((client) => client.close()))
  await Promise.all(
    servers.splice(0).map((server) => new Promise((resolve) => server.close(() => resolve(undefined)))),
  )
})

const transports: [string, Pick<ClientOptions, 'fetch'>][] = [
  ['undici', {}],
  ['fetch', { fetch: globalThis.fetch }],
]

function track(server: Server | HttpServer): void {
  servers.push(server)
  server.on('connection', (socket: Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
  })
}

async function listen(server: Server | HttpServer): Promise<number> {
  track(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return (server.address() as { port: number }).port
}

/** An HTTP server answering every request with this status, these headers and these bytes. */
async function answering(status: number, headers: OutgoingHttpHeaders, body: Uint8Array): Promise<number> {
  const server = createHttpServer((req, res) => {
    req.resume()
    req.on('end', () => {
      res.writeHead(status, headers)
      res.end(body)
    })
  })
  return listen(server)
}

/** A raw TCP server: `onRequest` gets the socket once a whole request (head and body) arrived. */
async function rawServer(onRequest: (socket: Socket) => void): Promise<number> {
  const server = createServer((socket) => {
    let buffered = Buffer.alloc(0)
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk])
      const end = buffered.indexOf('\r\n\r\n')
      if (end < 0) return
      const length = Number(/content-length: *(\d+)/i.exec(buffered.subarray(0, end).toString())?.[1] ?? 0)
      if (buffered.length < end + 4 + length) return
      buffered = buffered.subarray(end + 4 + length)
      onRequest(socket)
    })
  })
  return listen(server)
}

function client(options: ClientOptions): Client {
  const made = new Client({ retryDelayMs: 10, retryMaxDelayMs: 40, ...options })
  clients.push(made)
  return made
}

const STORED = '{"id":"evt_gz","duplicate":false}'

describe.each(transports)('content-encoded answers over %s', (_transport, transport) => {
  it('reads a 202 that the server content-encodes instead of calling the stored event an invalid_response', async () => {
    // RFC 9110 §12.5.3: a request without Accept-Encoding accepts any content coding, so a server
    // (or a proxy in front of Rio) may gzip the answer; fetch asks for gzip and decodes it.
    const requests: (string | undefined)[] = []
    const server = createHttpServer((req, res) => {
      req.resume()
      req.on('end', () => {
        const accepted = req.headers['accept-encoding']
        requests.push(accepted)
        if (accepted === undefined || /\bgzip\b/.test(accepted)) {
          res.writeHead(202, { 'content-type': 'application/json', 'content-encoding': 'gzip' })
          res.end(gzipSync(STORED))
        } else {
          res.writeHead(202, { 'content-type': 'application/json' })
          res.end(STORED)
        }
      })
    })
    const port = await listen(server)
    const sender = client({ dsn: `http://sender:secret@127.0.0.1:${port}/shop`, ...transport })
    await expect(sender.emit('order-paid', { id: 1 })).resolves.toEqual({ id: 'evt_gz', duplicate: false })
    expect(requests).toHaveLength(1)
  })

  it.each([
    ['x-gzip', gzipSync(STORED)],
    ['deflate', deflateSync(STORED)],
    ['deflate', deflateRawSync(STORED)], // raw deflate, as some servers send it
    ['br', brotliCompressSync(STORED)],
    ['gzip, br', brotliCompressSync(gzipSync(STORED))],
    ['GZIP', gzipSync(STORED)],
    ['gzip', gzipSync(STORED).subarray(0, -8)], // cut before its checksum: read as far as it goes
    ['identity', Buffer.from(STORED)],
  ])('reads a 202 encoded as "%s"', async (coding, body) => {
    const port = await answering(
      202,
      { 'content-type': 'application/json', 'content-encoding': coding },
      body,
    )
    const sender = client({ dsn: `http://sender:secret@127.0.0.1:${port}/shop`, ...transport })
    await expect(sender.emit('order-paid', { id: 1 })).resolves.toEqual({ id: 'evt_gz', duplicate: false })
  })

  it("reads Rio's error code from a gzip-encoded refusal", async () => {
    const refusal = '{"error":{"code":"unauthorized","message":"unknown sender or wrong secret"}}'
    const port = await answering(
      401,
      { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      gzipSync(refusal),
    )
    const sender = client({ dsn: `http://sender:secret@127.0.0.1:${port}/shop`, ...transport })
    const error = await rejection(sender.emit('order-paid', { id: 1 }))
    expect(error).toMatchObject({ code: 'http_error', status: 401, serverCode: 'unauthorized' })
  })

  it('ends a small gzip answer that inflates far past maxResponseBytes in response_too_large, holding about that much at most', async () => {
    // Gzip members of 1 MiB of zeros each, ~1 KiB apiece: under 1 MiB on the wire, ~960 MiB
    // inflated. Inflated in full, the process's peak memory would grow by as much.
    const member = gzipSync(Buffer.alloc(1024 * 1024), { level: 9 })
    const bomb = Buffer.concat(Array.from({ length: 960 }, () => member))
    expect(bomb.byteLength).toBeLessThan(1024 * 1024)
    const port = await answering(
      202,
      { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      bomb,
    )
    const sender = client({ dsn: `http://sender:secret@127.0.0.1:${port}/shop`, retries: 0, ...transport })
    const peakBefore = process.resourceUsage().maxRSS // KiB
    const error = await rejection(sender.emit('order-paid', { id: 1 }))
    expect(error).toMatchObject({ code: 'response_too_large', status: 202, attempts: 1 })
    expect(process.resourceUsage().maxRSS - peakBefore).toBeLessThan(256 * 1024)
  })

  it('ends a compressed answer that is over maxResponseBytes as it comes in response_too_large', async () => {
    // Random bytes do not compress: the gzip body is larger than the cap before it is inflated.
    const body = gzipSync(Buffer.from(crypto.getRandomValues(new Uint8Array(64 * 1024))))
    const port = await answering(
      202,
      { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body,
    )
    const sender = client({
      dsn: `http://sender:secret@127.0.0.1:${port}/shop`,
      maxResponseBytes: 16 * 1024,
      ...transport,
    })
    const error = await rejection(sender.emit('order-paid', { id: 1 }))
    expect(error).toMatchObject({ code: 'response_too_large', status: 202, attempts: 1 })
  })

  it('fails an attempt whose encoded answer does not decode, as a broken connection, and retries it', async () => {
    const port = await answering(
      202,
      { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      Buffer.from(STORED),
    )
    const sender = client({ dsn: `http://sender:secret@127.0.0.1:${port}/shop`, retries: 1, ...transport })
    const error = await rejection(sender.emit('order-paid', { id: 1 }))
    expect(error).toMatchObject({ code: 'connection_failed', attempts: 2 })
    expect(error.message).toMatch(/incorrect header check/)
  })

  it('fails an attempt whose answer names more than five codings, as fetch does, and retries it', async () => {
    let body: Uint8Array = Buffer.from(STORED)
    for (let index = 0; index < 6; index++) body = gzipSync(body)
    const port = await answering(
      202,
      { 'content-type': 'application/json', 'content-encoding': 'gzip, gzip, gzip, gzip, gzip, gzip' },
      Buffer.from(body),
    )
    const sender = client({ dsn: `http://sender:secret@127.0.0.1:${port}/shop`, retries: 1, ...transport })
    const error = await rejection(sender.emit('order-paid', { id: 1 }))
    expect(error).toMatchObject({ code: 'connection_failed', attempts: 2 })
    expect(error.message).toMatch(/too many content.?(codings|encodings)/)
  })
})

describe('over a fetch wrapper that drops init.signal', () => {
  const dropsSignal: NonNullable<ClientOptions['fetch']> = (url, { signal: _dropped, ...init }) =>
    globalThis.fetch(url, init)

  /** Resolves once no connection to the server is open, or after a second. */
  async function closed(open: () => number): Promise<number> {
    const deadline = Date.now() + 1_000
    while (open() > 0 && Date.now() < deadline) await delay(20)
    return open()
  }

  it.each([
    ['timeoutMs', { timeoutMs: 200 }, () => ({}), 'timeout'],
    ['the signal', {}, () => ({ signal: AbortSignal.timeout(200) }), 'aborted'],
  ] as const)(
    'stops reading a stalled body and frees its connection at %s',
    async (_when, options, callOptions, code) => {
      let open = 0
      const port = await rawServer((socket) => {
        open++
        socket.on('close', () => open--)
        // Headers and the start of the body, then nothing: the answer never completes.
        socket.write(
          'HTTP/1.1 202 Accepted\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"id"',
        )
      })
      const sender = client({
        dsn: `http://sender:secret@127.0.0.1:${port}/shop`,
        fetch: dropsSignal,
        retries: 0,
        ...options,
      })
      const error = await rejection(sender.emit('a', 1, callOptions()))
      expect(error).toMatchObject({ code, attempts: 1 })
      // "A request ends at timeoutMs or at the signal even if a wrapper drops init.signal": the
      // transport holds the body's reader and must cancel it, which closes the connection.
      expect(await closed(() => open)).toBe(0)
    },
  )

  it('frees the connection of an answer whose headers come only after the call ended', async () => {
    let open = 0
    const port = await rawServer((socket) => {
      open++
      socket.on('close', () => open--)
      setTimeout(() => {
        socket.write(
          'HTTP/1.1 202 Accepted\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"id"',
        )
      }, 400)
    })
    const sender = client({
      dsn: `http://sender:secret@127.0.0.1:${port}/shop`,
      fetch: dropsSignal,
      retries: 0,
      timeoutMs: 200,
    })
    expect(await rejection(sender.emit('a', 1))).toMatchObject({ code: 'timeout', attempts: 1 })
    expect(open).toBe(1)
    await delay(400)
    expect(await closed(() => open)).toBe(0)
  })
})

describe('over undici, a connection that is never set up', () => {
  /** Accepts TCP connections and never answers the TLS ClientHello: the connect phase hangs. */
  async function hangingTls(): Promise<number> {
    return listen(createServer(() => {}))
  }

  it.each([
    ['timed out', { timeoutMs: 200 }, () => ({}), 'timeout'],
    ['aborted', {}, () => ({ signal: AbortSignal.timeout(200) }), 'aborted'],
  ] as const)(
    'lets close() end promptly after a call %s while its connection was still being set up',
    async (_what, options, callOptions, code) => {
      const port = await hangingTls()
      const sender = client({ dsn: `https://sender:secret@127.0.0.1:${port}/shop`, retries: 0, ...options })
      const error = await rejection(sender.emit('a', 1, callOptions()))
      expect(error).toMatchObject({ code, attempts: 1 })
      // The call is over, nothing is in flight: close() must not wait for undici's own 10 s
      // connect timeout (the process stays alive as long).
      const started = Date.now()
      const outcome = await Promise.race([
        sender.close().then(() => 'closed'),
        delay(1_500).then(() => 'still closing'),
      ])
      expect(outcome).toBe('closed')
      expect(Date.now() - started).toBeLessThan(1_000)
    },
  )

  it("makes close() wait for a call still connecting until that call's timeoutMs, no longer", async () => {
    const port = await hangingTls()
    const sender = client({ dsn: `https://sender:secret@127.0.0.1:${port}/shop`, retries: 0, timeoutMs: 500 })
    const emitting = rejection(sender.emit('a', 1))
    await delay(100)
    const started = Date.now()
    await sender.close()
    const waited = Date.now() - started
    expect(waited).toBeGreaterThanOrEqual(300)
    expect(waited).toBeLessThan(1_500)
    expect(await emitting).toMatchObject({ code: 'timeout', attempts: 1 })
  })
})
