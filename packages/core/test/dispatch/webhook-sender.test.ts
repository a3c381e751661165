import { createServer as createHttpServer, type Server } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import { afterEach, describe, expect, it } from 'vitest'
import { hasOpenssl, selfSignedCertificate } from '../../../../test/support/self-signed.js'
import { isPrivateAddress, redactLocation } from '../../src/dispatch/webhook-sender.js'
import { receiver } from '../helpers.js'
import { post, sender } from './send-support.js'

const cleanups: Array<() => Promise<unknown> | unknown> = []
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!()
})

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  cleanups.push(() => {
    server.closeAllConnections()
    return new Promise((resolve) => server.close(resolve))
  })
  const address = server.address()
  return typeof address === 'object' && address ? address.port : 0
}

async function waitFor(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

describe('WebhookSender', () => {
  it('reports a 2xx as ok with the body', async () => {
    const r = await receiver()
    const result = await sender().send(post(`${r.url}/hook`), { timeoutMs: 5000 })
    expect(result).toMatchObject({
      ok: true,
      status: 200,
      responseBody: 'ok',
      error: null,
      errorCode: null,
      timedOut: false,
      retryAfterMs: null,
      directive: null,
    })
    expect(result.durationMs).toBeGreaterThan(0)
    expect(r.requests[0]).toMatchObject({ method: 'POST', path: '/hook', body: '{"id":1}' })
    expect(r.requests[0]!.headers['content-type']).toBe('application/json')
  })

  it('reports an empty body as null', async () => {
    const r = await receiver({ respond: () => ({ status: 204 }) })
    expect(await sender().send(post(r.url), { timeoutMs: 5000 })).toMatchObject({
      ok: true,
      status: 204,
      responseBody: null,
    })
  })

  it('reports a 500 as a failure with an excerpt of the body', async () => {
    const r = await receiver({
      respond: () => ({ status: 500, body: `database down ${'x'.repeat(10_000)}` }),
    })
    const result = await sender().send(post(r.url), { timeoutMs: 5000 })
    expect(result).toMatchObject({
      ok: false,
      status: 500,
      error: 'HTTP 500',
      errorCode: 'status',
      directive: null,
    })
    expect(result.responseBody).toMatch(/^database down x+$/)
    expect(Buffer.byteLength(result.responseBody!)).toBe(4096)
  })

  it('never cuts a multi-byte character in half when capping the body', async () => {
    const r = await receiver({ respond: () => ({ status: 200, body: '☕'.repeat(2000) }) })
    const result = await sender({ maxResponseBytes: 100 }).send(post(r.url), { timeoutMs: 5000 })
    expect(result.responseBody).toBe('☕'.repeat(33))
  })

  it('asks to disable the endpoint on 410 Gone', async () => {
    const r = await receiver({ respond: () => ({ status: 410, body: 'gone' }) })
    const result = await sender().send(post(r.url), { timeoutMs: 5000 })
    expect(result).toMatchObject({ ok: false, status: 410, directive: 'disable', errorCode: 'status' })
    expect(result.error).toContain('410 Gone')
  })

  it.each([
    [500, 'abort-message', false, 'abort'],
    [400, 'Disable', false, 'disable'],
    [200, 'disable', true, 'disable'],
    [500, 'something-else', false, null],
  ] as const)('reads "webhook-delivery" on %d: %s', async (status, value, ok, directive) => {
    const r = await receiver({ respond: () => ({ status, headers: { 'webhook-delivery': value } }) })
    const result = await sender().send(post(r.url), { timeoutMs: 5000 })
    expect(result).toMatchObject({ ok, status, directive })
    if (directive) expect(result.error ?? '').toContain(ok ? '' : `webhook-delivery: ${value.toLowerCase()}`)
  })

  it('does not follow redirects', async () => {
    const r = await receiver({
      respond: (req) =>
        req.path === '/old' ? { status: 302, headers: { location: '/new' } } : { status: 200 },
    })
    const result = await sender().send(post(`${r.url}/old`), { timeoutMs: 5000 })
    expect(result).toMatchObject({ ok: false, status: 302, errorCode: 'redirect' })
    expect(result.error).toMatch(/^redirect 302 to \/new not followed/)
    expect(r.requests.map((q) => q.path)).toEqual(['/old'])
  })

  it('keeps no credential of a redirect target in the error it records', async () => {
    const r = await receiver({
      respond: () => ({
        status: 302,
        headers: { location: 'https://TOKEN:pw@elsewhere.example/next?access_token=SECRET&page=2#top' },
      }),
    })
    const result = await sender().send(post(r.url), { timeoutMs: 5000 })
    expect(result.error).toBe(
      'redirect 302 to https://***@elsewhere.example/next?access_token=***&page=***#*** not followed; point the webhook at the final URL',
    )
    expect(result.error).not.toMatch(/TOKEN|pw@|SECRET/)
    expect(redactLocation('/new?sig=abc')).toBe('/new?sig=***')
    expect(redactLocation('/new')).toBe('/new')
    expect(redactLocation('https://x.example/cb#access_token=SECRET')).toBe('https://x.example/cb#***')
    expect(redactLocation('//evil.example/p?t=1')).toBe('//evil.example/p?t=***')
    expect(redactLocation('http://[::1')).toBe('(a Location that is not a URL)')
  })

  it('records a redirect to a Location that is not a URL as a redirect, not a connection error', async () => {
    const r = await receiver({ respond: () => ({ status: 302, headers: { location: 'http://[::1' } }) })
    const result = await sender().send(post(r.url), { timeoutMs: 5000 })
    expect(result).toMatchObject({ ok: false, status: 302, errorCode: 'redirect' })
    expect(result.error).toBe(
      'redirect 302 to (a Location that is not a URL) not followed; point the webhook at the final URL',
    )
  })

  it('parses Retry-After on 429 and 503 only', async () => {
    const date = new Date(Date.now() + 3_600_000).toUTCString()
    const r = await receiver({
      respond: (_, n) =>
        [
          { status: 429, headers: { 'retry-after': '120' } },
          { status: 503, headers: { 'retry-after': date } },
          { status: 500, headers: { 'retry-after': '120' } },
          { status: 429, headers: { 'retry-after': 'later' } },
        ][n - 1]!,
    })
    const s = sender()
    const results = []
    for (let i = 0; i < 4; i++) results.push(await s.send(post(r.url), { timeoutMs: 5000 }))
    expect(results[0]).toMatchObject({ status: 429, retryAfterMs: 120_000, errorCode: 'status' })
    expect(results[1]!.retryAfterMs).toBeGreaterThan(3_590_000)
    expect(results[1]!.retryAfterMs).toBeLessThanOrEqual(3_600_000)
    expect(results[2]).toMatchObject({ status: 500, retryAfterMs: null })
    expect(results[3]).toMatchObject({ status: 429, retryAfterMs: null })
  })

  it('times out on a server that never answers', async () => {
    const r = await receiver({ respond: () => 'hang' })
    const started = Date.now()
    const result = await sender().send(post(r.url), { timeoutMs: 200 })
    const elapsed = Date.now() - started
    expect(result).toMatchObject({ ok: false, status: null, errorCode: 'timeout', timedOut: true })
    expect(result.error).toBe('timeout after 200 ms')
    expect(elapsed).toBeGreaterThanOrEqual(190)
    expect(elapsed).toBeLessThan(2000)
  })

  it('times out on a body that drips in slower than the deadline', async () => {
    const r = await receiver({ respond: () => ({ drip: { chunks: 100, intervalMs: 50 } }) })
    const started = Date.now()
    const result = await sender().send(post(r.url), { timeoutMs: 300 })
    expect(Date.now() - started).toBeLessThan(2000)
    expect(result).toMatchObject({ ok: false, status: 200, errorCode: 'timeout', timedOut: true })
    expect(result.error).toContain('timeout after 300 ms')
  })

  it('reads only the first bytes of a huge body, quickly and without buffering it', async () => {
    const r = await receiver({ respond: () => ({ bigBody: 50 * 1024 * 1024 }) })
    const s = sender()
    await s.send(post(r.url), { timeoutMs: 5000 }) // warm up: connection, code paths
    globalThis.gc?.()
    const before = process.memoryUsage()
    const started = Date.now()
    const result = await s.send(post(r.url), { timeoutMs: 10_000 })
    const elapsed = Date.now() - started
    const after = process.memoryUsage()
    expect(result).toMatchObject({ ok: true, status: 200 })
    expect(result.responseBody).toBe('x'.repeat(4096))
    expect(elapsed).toBeLessThan(1000)
    const grown = after.heapUsed + after.arrayBuffers - (before.heapUsed + before.arrayBuffers)
    expect(grown).toBeLessThan(20 * 1024 * 1024)
  })

  it('reports a refused connection', async () => {
    const port = await listen(createHttpServer())
    cleanups.pop()!() // close it again: nothing listens on the port now
    await new Promise((resolve) => setTimeout(resolve, 10))
    const result = await sender().send(post(`http://127.0.0.1:${port}/`), { timeoutMs: 5000 })
    expect(result).toMatchObject({ ok: false, status: null, errorCode: 'connect', timedOut: false })
    expect(result.error).toBe(`connection refused (ECONNREFUSED) to 127.0.0.1:${port}`)
  })

  it('reports a connection reset in the middle of the response', async () => {
    const r = await receiver({ respond: () => 'reset' })
    const result = await sender().send(post(r.url), { timeoutMs: 5000 })
    expect(result).toMatchObject({ ok: false, errorCode: 'reset', timedOut: false })
    expect(result.error).toContain('connection reset by 127.0.0.1')
  })

  it('reports a host that DNS cannot find', async () => {
    const result = await sender().send(post('http://does-not-exist.invalid/'), { timeoutMs: 5000 })
    expect(result).toMatchObject({ ok: false, status: null, errorCode: 'dns' })
    expect(result.error).toMatch(/^DNS: does-not-exist\.invalid not found \((ENOTFOUND|EAI_AGAIN)\)$/)
  })

  it('reports TLS to a server that does not speak it', async () => {
    const r = await receiver()
    const result = await sender().send(post(`https://127.0.0.1:${r.port}/`), { timeoutMs: 5000 })
    expect(result).toMatchObject({ ok: false, status: null, errorCode: 'tls' })
    expect(result.error).toMatch(
      new RegExp(`^TLS: wrong version number \\(\\w+\\) connecting to 127\\.0\\.0\\.1:${r.port}$`),
    )
  })

  it.skipIf(!hasOpenssl())('reports a self-signed certificate', async () => {
    const server = createHttpsServer(selfSignedCertificate(), (_, res) => res.end('ok'))
    const port = await listen(server as unknown as Server)
    const result = await sender().send(post(`https://localhost:${port}/`), { timeoutMs: 5000 })
    expect(result).toMatchObject({ ok: false, status: null, errorCode: 'tls' })
    expect(result.error).toMatch(/^TLS: self[- ]signed certificate/)
  })

  it('stops when the caller aborts, and does not start when already aborted', async () => {
    const r = await receiver({ respond: () => 'hang' })
    const s = sender()
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 50)
    const result = await s.send(post(r.url), { timeoutMs: 5000, signal: controller.signal })
    expect(result).toMatchObject({ ok: false, errorCode: 'aborted', timedOut: false })
    const before = r.requests.length
    expect(await s.send(post(r.url), { timeoutMs: 5000, signal: controller.signal })).toMatchObject({
      errorCode: 'aborted',
    })
    expect(r.requests.length).toBe(before)
  })

  it('stops every send in flight on one signal, and keeps working for the next caller', async () => {
    const r = await receiver({ respond: () => 'hang' })
    const s = sender()
    const controller = new AbortController()
    const sends = Array.from({ length: 20 }, () =>
      s.send(post(r.url), { timeoutMs: 5000, signal: controller.signal }),
    )
    await waitFor(() => r.requests.length === 20)
    const started = performance.now()
    controller.abort()
    const results = await Promise.all(sends)
    expect(performance.now() - started).toBeLessThan(1000)
    for (const result of results) expect(result).toMatchObject({ ok: false, errorCode: 'aborted' })
    r.respond(() => ({ status: 200, body: 'ok' }))
    expect(await s.send(post(r.url), { timeoutMs: 5000 })).toMatchObject({ ok: true, responseBody: 'ok' })
  })

  it('times out a send still waiting for a connection, and never sends it afterwards', async () => {
    const r = await receiver({ respond: () => 'hang' })
    const s = sender({ connections: 1 })
    const first = s.send(post(r.url, '{"n":1}'), { timeoutMs: 300 })
    const queued = await s.send(post(r.url, '{"n":2}'), { timeoutMs: 100 })
    expect(queued).toMatchObject({ ok: false, errorCode: 'timeout', timedOut: true, status: null })
    expect(queued.durationMs).toBeLessThan(290)
    expect(await first).toMatchObject({ errorCode: 'timeout' })
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(r.requests.map((request) => request.body)).toEqual(['{"n":1}'])
  })

  it('reuses kept-alive connections for sequential sends', async () => {
    const r = await receiver()
    const s = sender()
    // Back to back, undici's pool may still count the first connection busy for a tick after the body
    // ends and open one more; never one per request.
    for (let i = 0; i < 10; i++) expect((await s.send(post(r.url), { timeoutMs: 5000 })).ok).toBe(true)
    expect(r.requests).toHaveLength(10)
    expect(r.connections).toBeLessThanOrEqual(2)
    expect(new Set(r.requests.map((q) => q.remotePort)).size).toBe(r.connections)
  })

  it('sends over one socket when the sends are a moment apart', async () => {
    const r = await receiver()
    const s = sender()
    for (let i = 0; i < 5; i++) {
      expect((await s.send(post(r.url), { timeoutMs: 5000 })).ok).toBe(true)
      await new Promise((resolve) => setImmediate(resolve))
    }
    expect(new Set(r.requests.map((q) => q.remotePort)).size).toBe(1)
    expect(r.connections).toBe(1)
  })

  it('keeps the connection after a failure status with a small body', async () => {
    const r = await receiver({ respond: (_, n) => (n === 1 ? { status: 500, body: 'no' } : { status: 200 }) })
    const s = sender()
    await s.send(post(r.url), { timeoutMs: 5000 })
    await new Promise((resolve) => setImmediate(resolve))
    await s.send(post(r.url), { timeoutMs: 5000 })
    expect(r.connections).toBe(1)
  })

  it('treats a timeout too large for a timer as the largest one, not as zero', async () => {
    const r = await receiver({ respond: () => ({ status: 200, body: 'late', delayMs: 50 }) })
    const result = await sender().send(post(r.url), { timeoutMs: 1e12 })
    expect(result).toMatchObject({ ok: true, responseBody: 'late' })
  })

  it('never throws, even for a URL undici cannot use', async () => {
    const result = await sender().send(post('http://127.0.0.1:99999/'), { timeoutMs: 1000 })
    expect(result.ok).toBe(false)
    expect(result.error).toBeTruthy()
  })

  it('turns a Retry-After date into a delay with the given clock, not the wall clock, when no Date header came', async () => {
    const now = Date.parse('2099-06-01T12:00:00Z')
    const date = new Date(now + 90_000).toUTCString()
    // A Date header would be the receiver's clock, which the delay is measured from when there is one.
    const server = createHttpServer((_req, res) => {
      res.sendDate = false
      res.writeHead(503, { 'retry-after': date }).end()
    })
    const port = await listen(server)
    const result = await sender().send(post(`http://127.0.0.1:${port}/`), { timeoutMs: 5000, now: () => now })
    expect(result.retryAfterMs).toBe(90_000)
  })

  it('opens as many connections to one origin as there are sends at once, past 64', async () => {
    const r = await receiver({ respond: () => ({ status: 200, body: 'ok', delayMs: 500 }) })
    const s = sender()
    // Queued behind 64 busy connections, the last 16 would wait a whole answer and time out.
    const results = await Promise.all(
      Array.from({ length: 80 }, () => s.send(post(`${r.url}/hook`), { timeoutMs: 900 })),
    )
    expect(results.filter((result) => !result.ok).map((result) => result.error)).toEqual([])
    expect(r.connections).toBeGreaterThan(64)
  })

  it('sends credentials in the URL as Basic auth, never in the request target', async () => {
    const r = await receiver()
    const url = `http://al%20ice:s3cr%40t%3A%C3%A9@127.0.0.1:${r.port}/hook?x=1`
    expect(await sender().send(post(url), { timeoutMs: 5000 })).toMatchObject({ ok: true })
    const [request] = r.requests
    expect(request!.path).toBe('/hook?x=1')
    expect(request!.headers.authorization).toBe(`Basic ${Buffer.from('al ice:s3cr@t:é').toString('base64')}`)
    expect(request!.headers.host).toBe(`127.0.0.1:${r.port}`)
  })

  it('sends a user without a password, and keeps a malformed escape as written', async () => {
    const r = await receiver()
    const s = sender()
    await s.send(post(`http://token@127.0.0.1:${r.port}/`), { timeoutMs: 5000 })
    await s.send(post(`http://a%zz:%41@127.0.0.1:${r.port}/`), { timeoutMs: 5000 })
    expect(r.requests.map((q) => q.headers.authorization)).toEqual([
      `Basic ${Buffer.from('token:').toString('base64')}`,
      `Basic ${Buffer.from('a%zz:A').toString('base64')}`,
    ])
  })

  it('leaves an authorization header the request already has in place of the URL credentials', async () => {
    const r = await receiver()
    const request = post(`http://alice:secret@127.0.0.1:${r.port}/hook`)
    await sender().send(
      { ...request, headers: { ...request.headers, authorization: 'Bearer abc' } },
      { timeoutMs: 5000 },
    )
    expect(r.requests[0]!.headers.authorization).toBe('Bearer abc')
  })

  it('sends no authorization header for a URL without credentials', async () => {
    const r = await receiver()
    await sender().send(post(`${r.url}/hook`), { timeoutMs: 5000 })
    expect(r.requests[0]!.headers.authorization).toBeUndefined()
  })
})

describe('WebhookSender with blockPrivateAddresses', () => {
  it.each([
    ['127.0.0.1', (port: number) => `http://127.0.0.1:${port}/`],
    ['127.1 (a short IPv4 form)', (port: number) => `http://127.1:${port}/`],
    ['localhost (through DNS)', (port: number) => `http://localhost:${port}/`],
    ['[::1]', (port: number) => `http://[::1]:${port}/`],
    ['[::ffff:127.0.0.1]', (port: number) => `http://[::ffff:127.0.0.1]:${port}/`],
  ])('refuses %s', async (_, url) => {
    const r = await receiver()
    const result = await sender({ blockPrivateAddresses: true }).send(post(url(r.port)), { timeoutMs: 5000 })
    expect(result).toMatchObject({ ok: false, status: null, errorCode: 'blocked_address' })
    expect(result.error).toMatch(/private address/)
    expect(r.requests).toHaveLength(0)
  })

  it('allows loopback when off (the default)', async () => {
    const r = await receiver()
    const s = sender()
    expect((await s.send(post(`http://localhost:${r.port}/`), { timeoutMs: 5000 })).ok).toBe(true)
    expect((await s.send(post(`http://127.0.0.1:${r.port}/`), { timeoutMs: 5000 })).ok).toBe(true)
  })

  it('still reports DNS failures as such', async () => {
    const result = await sender({ blockPrivateAddresses: true }).send(
      post('http://does-not-exist.invalid/'),
      {
        timeoutMs: 5000,
      },
    )
    expect(result.errorCode).toBe('dns')
  })
})

describe('isPrivateAddress', () => {
  it.each([
    '127.0.0.1',
    '127.255.255.254',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '100.127.255.255',
    '0.0.0.0',
    '224.0.0.1',
    '255.255.255.255',
    '::',
    '::1',
    'fc00::1',
    'fd12:3456::1',
    'fe80::1',
    'FE80::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:10.0.0.1',
    '64:ff9b::a9fe:a9fe',
  ])('blocks %s', (address) => {
    expect(isPrivateAddress(address)).toBe(true)
  })

  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '172.15.255.255',
    '172.32.0.1',
    '100.63.255.255',
    '100.128.0.1',
    '169.253.0.1',
    '2606:4700:4700::1111',
    '::ffff:8.8.8.8',
    'example.com',
    '',
  ])('allows %s', (address) => {
    expect(isPrivateAddress(address)).toBe(false)
  })
})
