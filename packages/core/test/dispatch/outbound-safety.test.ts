/**
 * What a sender who controls event payloads, or a hostile receiver, can make Rio's outbound webhook
 * requests do: SSRF around `blockPrivateAddresses`, payload values in URL templates, and receivers
 * that answer with protocol garbage, informational responses or huge headers.
 * @module
 */
import type { LookupAddress } from 'node:dns'
import { createServer as createHttpServer } from 'node:http'
import { createServer as createTcpServer, type LookupFunction, type Server, type Socket } from 'node:net'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { afterEach, describe, expect, it } from 'vitest'
import { compileUrlTemplate } from '../../src/dispatch/url-template.js'
import { buildWebhookRequest } from '../../src/dispatch/webhook-request.js'
import { isPrivateAddress } from '../../src/dispatch/webhook-sender.js'
import type { RioEvent } from '../../src/events/event.js'
import type { WebhookHandler } from '../../src/handlers/handler.js'
import { makeRio, receiver } from '../helpers.js'
import { post, sender } from './send-support.js'

const cleanups: Array<() => Promise<unknown> | unknown> = []
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!()
})

/** A lookup that answers every name with `addresses`, counting its calls. */
function pinned(...addresses: string[]): LookupFunction & { calls: number } {
  const answer: LookupAddress[] = addresses.map((address) => ({
    address,
    family: address.includes(':') ? 6 : 4,
  }))
  const fn = ((_hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    fn.calls++
    if (options.all) callback(null, answer)
    else callback(null, answer[0]!.address, answer[0]!.family)
  }) as LookupFunction & { calls: number }
  fn.calls = 0
  return fn
}

/** A raw TCP server that answers each connection's first bytes with `reply`. */
async function rawServer(reply: string | ((socket: Socket) => void)): Promise<number> {
  const sockets = new Set<Socket>()
  const server: Server = createTcpServer((socket) => {
    sockets.add(socket)
    socket.on('error', () => undefined)
    socket.on('close', () => sockets.delete(socket))
    if (typeof reply === 'function') reply(socket)
    else socket.once('data', () => socket.write(reply))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  cleanups.push(() => {
    for (const socket of sockets) socket.destroy()
    return new Promise((resolve) => server.close(resolve))
  })
  return (server.address() as { port: number }).port
}

describe('blockPrivateAddresses against SSRF', () => {
  it.each([
    ['[::ffff:0:7f00:1] (IPv4-translated)', '[::ffff:0:7f00:1]'],
    ['[::127.0.0.1] (IPv4-compatible)', '[::127.0.0.1]'],
    ['[2002:7f00:1::] (6to4 of 127.0.0.1)', '[2002:7f00:1::]'],
    ['[64:ff9b:1::7f00:1] (local-use NAT64)', '[64:ff9b:1::7f00:1]'],
    ['[fec0::1] (site-local)', '[fec0::1]'],
    ['192.0.2.1 (documentation)', '192.0.2.1'],
  ])('refuses a literal %s without connecting', async (_, host) => {
    const result = await sender({ blockPrivateAddresses: true }).send(post(`http://${host}:1/`), {
      timeoutMs: 1000,
    })
    expect(result).toMatchObject({ ok: false, status: null, errorCode: 'blocked_address' })
    expect(result.error).toMatch(/private address.*blockPrivateAddresses/)
  })

  it('refuses a name when any one of its addresses is private, and sends nothing', async () => {
    const r = await receiver()
    const lookup = pinned('93.184.215.14', '127.0.0.1')
    const result = await sender({ blockPrivateAddresses: true, lookup }).send(
      post(`http://hooks.example.test:${r.port}/`),
      { timeoutMs: 2000 },
    )
    expect(result).toMatchObject({ ok: false, errorCode: 'blocked_address' })
    expect(result.error).toBe(
      'refused: hooks.example.test resolves to 127.0.0.1, a private address; blockPrivateAddresses allows only public addresses',
    )
    expect(lookup.calls).toBe(1)
    expect(r.requests).toHaveLength(0)
  })

  it.each(['::ffff:7f00:1', '64:ff9b::7f00:1', '2002:a9fe:a9fe::'])(
    'refuses a name resolving to %s, an IPv6 form of a private IPv4 address',
    async (address) => {
      const result = await sender({ blockPrivateAddresses: true, lookup: pinned(address) }).send(
        post('http://hooks.example.test:8080/'),
        { timeoutMs: 2000 },
      )
      expect(result).toMatchObject({ ok: false, errorCode: 'blocked_address' })
    },
  )

  it('connects to the address the lookup answered at connect time, so the checked address is the one used', async () => {
    const r = await receiver()
    const lookup = pinned('127.0.0.1')
    // Off, the injected answer is what the socket connects to…
    const open = sender({ lookup })
    expect((await open.send(post(`http://hooks.example.test:${r.port}/`), { timeoutMs: 2000 })).ok).toBe(true)
    expect(r.requests).toHaveLength(1)
    // …so with the guard on, that same answer is checked before any byte is sent.
    const guarded = sender({ blockPrivateAddresses: true, lookup })
    const result = await guarded.send(post(`http://hooks.example.test:${r.port}/`), { timeoutMs: 2000 })
    expect(result.errorCode).toBe('blocked_address')
    expect(r.requests).toHaveLength(1)
  })

  it('never goes through a proxy named in the environment', async () => {
    const r = await receiver()
    let proxied = 0
    const proxy = createHttpServer((_, res) => {
      proxied++
      res.end('proxied')
    })
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
    cleanups.push(() => new Promise((resolve) => proxy.close(resolve)))
    const saved = { http: process.env.HTTP_PROXY, lower: process.env.http_proxy }
    cleanups.push(() => {
      for (const [name, value] of [
        ['HTTP_PROXY', saved.http],
        ['http_proxy', saved.lower],
      ] as const) {
        if (value === undefined) delete process.env[name]
        else process.env[name] = value
      }
    })
    const proxyUrl = `http://127.0.0.1:${(proxy.address() as { port: number }).port}`
    process.env.HTTP_PROXY = proxyUrl
    process.env.http_proxy = proxyUrl
    const result = await sender().send(post(`${r.url}/direct`), { timeoutMs: 2000 })
    expect(result.ok).toBe(true)
    expect(r.requests[0]!.path).toBe('/direct')
    expect(proxied).toBe(0)
  })
})

describe('isPrivateAddress, beyond the common ranges', () => {
  it.each([
    '::ffff:0:7f00:1',
    '::7f00:1',
    '0:0:0:0:0:ffff:127.0.0.1',
    '64:ff9b:0:0:0:0:7f00:1',
    '64:ff9b:1::a00:1',
    '2002:a00:1::1',
    '2002:7f00:1:0:0:0:0:1',
    '2001::1',
    '2001:db8::1',
    '100::1',
    'fec0::1',
    'fe80::1%eth0',
    '192.0.2.1',
    '198.51.100.7',
    '203.0.113.9',
  ])('blocks %s', (address) => {
    expect(isPrivateAddress(address)).toBe(true)
  })

  it.each(['2002:808:808::1', '64:ff9b::808:808', '2001:4860:4860::8888', '::ffff:1.1.1.1'])(
    'allows %s, a public address',
    (address) => {
      expect(isPrivateAddress(address)).toBe(false)
    },
  )
})

const event = (payload: unknown): RioEvent =>
  ({
    id: '01J0000000000000000000000A',
    project: 'default',
    name: 'comment-published',
    payload,
    createdAt: new Date(0),
  }) as RioEvent

const handler = (url: string, method: 'POST' | 'GET' = 'POST'): WebhookHandler => ({
  kind: 'webhook',
  id: 'h1',
  project: 'default',
  name: 'h',
  pattern: '*',
  enabled: true,
  disabledReason: null,
  concurrency: 1,
  rateLimit: null,
  retrySchedule: null,
  failingSince: null,
  createdAt: new Date(0),
  updatedAt: new Date(0),
  url,
  method,
  contentType: 'json',
  secrets: [],
  headers: {},
  timeoutMs: 2000,
})

describe('payload values in URL templates', () => {
  it('fills a lone surrogate as U+FFFD, as the URL parser would, instead of failing the delivery', () => {
    const render = compileUrlTemplate('https://example.com/c/{{ payload.id }}?q={{ payload.q }}')
    const ctx = { event: { id: 'e', name: 'n', project: 'p' } }
    expect(render({ ...ctx, payload: { id: 'a\uD800b', q: '\uDC00' } })).toBe(
      'https://example.com/c/a%EF%BF%BDb?q=%EF%BF%BD',
    )
    // A well-formed pair is still one character.
    expect(render({ ...ctx, payload: { id: '\uD83D\uDE00', q: '' } })).toBe(
      'https://example.com/c/%F0%9F%98%80?q=',
    )
  })

  it.each([
    '@evil.test',
    'evil.test/x',
    '%2e%2e',
    '..%2f..%2fadmin',
    '\\\\evil.test',
    'a#frag',
    'a?x=1',
    'a\r\nX-Injected: 1',
    'a。b',
    ':9999',
  ])('keeps %j inside its path segment, with no header of its own', async (value) => {
    const r = await receiver()
    const req = buildWebhookRequest(handler(`${r.url}/hooks/{{ payload.v }}/end`), event({ v: value }), {
      now: 0,
      userAgent: 'Rio/test',
    })
    const result = await sender().send(req, { timeoutMs: 2000 })
    expect(result.ok).toBe(true)
    const got = r.requests[0]!
    expect(got.path).toBe(`/hooks/${encodeURIComponent(value)}/end`)
    expect(got.headers['x-injected']).toBeUndefined()
    expect(got.headers.host).toBe(`127.0.0.1:${r.port}`)
  })
})

/** Turns on `gc()` for this process (vitest's forks pool does not pass --expose-gc). */
function gc(): () => void {
  setFlagsFromString('--expose-gc')
  return runInNewContext('gc') as () => void
}

describe('hostile receivers', () => {
  it('ignores an informational 1xx response: a deadline after it is a plain timeout, with no status', async () => {
    const port = await rawServer('HTTP/1.1 103 Early Hints\r\nLink: </style.css>\r\n\r\n')
    const result = await sender().send(post(`http://127.0.0.1:${port}/`), { timeoutMs: 300 })
    expect(result).toMatchObject({ ok: false, status: null, errorCode: 'timeout', timedOut: true })
    expect(result.error).toBe('timeout after 300 ms')
  })

  it('still takes the final response after an informational one', async () => {
    const port = await rawServer(
      'HTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok',
    )
    const result = await sender().send(post(`http://127.0.0.1:${port}/`), { timeoutMs: 2000 })
    expect(result).toMatchObject({ ok: true, status: 201, responseBody: 'ok' })
  })

  it.each([
    [
      'headers over the limit',
      `HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(100_000)}\r\n\r\n`,
      /^protocol error: the response headers from 127\.0\.0\.1:\d+ exceed 16 KiB \(UND_ERR_HEADERS_OVERFLOW\)$/,
    ],
    [
      'a status below 100',
      'HTTP/1.1 099 Odd\r\nContent-Length: 0\r\n\r\n',
      /^protocol error: 127\.0\.0\.1:\d+ sent an invalid HTTP response/,
    ],
    [
      'no HTTP at all',
      'SSH-2.0-OpenSSH_9.6\r\n\r\n',
      /^protocol error: 127\.0\.0\.1:\d+ sent an invalid HTTP response \(Expected HTTP\/, RTSP\/ or ICE\/\)$/,
    ],
    [
      'an unrequested 101 Switching Protocols',
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n',
      /^protocol error: 127\.0\.0\.1:\d+ answered with an unrequested 101 Switching Protocols \(upgrade\)$/,
    ],
    [
      'an unrequested 100 Continue',
      'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n',
      /^protocol error: 127\.0\.0\.1:\d+ sent an unexpected response \(an unrequested 100 Continue, or an answer before the request\)$/,
    ],
  ])('reports %s as a protocol error that says so', async (_, reply, message) => {
    const port = await rawServer(reply)
    const result = await sender().send(post(`http://127.0.0.1:${port}/`), { timeoutMs: 2000 })
    expect(result).toMatchObject({ ok: false, status: null, errorCode: 'protocol' })
    expect(result.error).toMatch(message)
  })

  it('keeps the recorded error short when a redirect names a huge Location', async () => {
    const port = await rawServer(
      `HTTP/1.1 302 Found\r\nLocation: https://evil.test/${'a'.repeat(12_000)}\r\nContent-Length: 0\r\n\r\n`,
    )
    const result = await sender().send(post(`http://127.0.0.1:${port}/`), { timeoutMs: 2000 })
    expect(result.errorCode).toBe('redirect')
    expect(result.error!.length).toBeLessThan(700)
    expect(result.error).toMatch(/^redirect 302 to https:\/\/evil\.test\/a+… not followed; point the webhook/)
  })

  it('holds the deadline against a receiver that never reads a large request body', async () => {
    const port = await rawServer((socket) => socket.pause())
    const started = Date.now()
    const result = await sender().send(post(`http://127.0.0.1:${port}/`, 'x'.repeat(8 * 1024 * 1024)), {
      timeoutMs: 400,
    })
    expect(result).toMatchObject({ ok: false, errorCode: 'timeout' })
    expect(Date.now() - started).toBeLessThan(2000)
  })

  it('does not keep the long URLs that payload values make (templates, GET queries) in memory', async () => {
    const collect = gc()
    const port = await rawServer((socket) => {
      socket.on('data', () => undefined)
      socket.write('HTTP/1.1 414 URI Too Long\r\nContent-Length: 0\r\nConnection: close\r\n\r\n')
      socket.end()
    })
    const s = sender()
    const url = `http://127.0.0.1:${port}/hooks`
    // Warm up first, so what is measured is what the sends keep.
    await s.send(post(`${url}?warm`), { timeoutMs: 2000 })
    collect()
    const before = process.memoryUsage().heapUsed
    for (let i = 0; i < 100; i++) {
      // 256 KiB of payload in the query, as a GET handler sends it: every URL is different.
      await s.send(
        { method: 'GET', url: `${url}?n=${i}&v=${'%C3%A9'.repeat(43_000)}`, headers: {}, body: undefined },
        {
          timeoutMs: 2000,
        },
      )
    }
    collect()
    const kept = process.memoryUsage().heapUsed - before
    expect(kept).toBeLessThan(10 * 1024 * 1024)
  })
})

describe('webhook URLs saved with blockPrivateAddresses', () => {
  it('refuses a host that can only be private when the handler is saved, not on every delivery', async () => {
    const rio = makeRio({ blockPrivateAddresses: true })
    for (const url of [
      'http://127.0.0.1:8080/hook',
      'http://[::ffff:10.0.0.1]/hook',
      'http://[64:ff9b::a9fe:a9fe]/latest/meta-data',
      'http://0x7f.1/hook',
      'http://localhost:3000/hook',
      'http://api.localhost./hook',
    ]) {
      await expect(rio.webhook('x', { url }), url).rejects.toMatchObject({
        code: 'invalid_handler',
        message: expect.stringMatching(/a private address, which blockPrivateAddresses refuses/),
      })
    }
    const handler = await rio.webhook('x', { url: 'https://hooks.example.com/{{ payload.id }}' })
    await expect(rio.updateHandler(handler.id, { url: 'http://192.168.1.5/' })).rejects.toMatchObject({
      code: 'invalid_handler',
    })
    // Without the option, receivers inside the network are Rio's usual case.
    await expect(makeRio().webhook('x', { url: 'http://127.0.0.1:8080/hook' })).resolves.toBeDefined()
  })
})
