import { getEventListeners } from 'node:events'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  AbortError,
  Client,
  type ClientOptions,
  ConnectionError,
  RioHttpError,
  ServerError,
  TimeoutError,
  ValidationError,
  VERSION,
} from '../src/index.ts'
import { FakeRio } from './support/fake-rio.ts'
import { rejection } from './support/rejection.js'

// Generated keys are UUIDv7: time-ordered, so the server's idempotency index grows at its end.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
// Small delays keep the suite fast; the retry logic is the same at any scale.
const fast = { retryDelayMs: 10, retryMaxDelayMs: 40 } satisfies ClientOptions

const transports: [string, ClientOptions['fetch']][] = [
  ['undici', undefined],
  ['fetch', globalThis.fetch],
]

describe.each(transports)('Client over %s', (_transport, fetch) => {
  let rio: FakeRio
  const clients: Client[] = []
  const client = (options: ClientOptions = {}) => {
    const made = new Client({ dsn: rio.dsn(), ...fast, ...(fetch ? { fetch } : {}), ...options })
    clients.push(made)
    return made
  }
  beforeEach(async () => {
    rio = await FakeRio.start()
  })
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((made) => made.close()))
    await rio.close()
  })

  describe('emit', () => {
    it('posts the event with the contract headers and resolves with its id when Rio answers 202', async () => {
      const result = await client().emit('comment-published', { ip: '127.0.0.1', content: 'I am a spammer' })
      expect(result).toEqual({ id: 'evt_1', duplicate: false })
      expect(rio.requests).toHaveLength(1)
      const [request] = rio.requests
      expect(request!.method).toBe('POST')
      expect(request!.url).toBe('/api/v1/projects/shop/events')
      expect(request!.headers).toMatchObject({
        authorization: `Basic ${Buffer.from('sender:secret').toString('base64')}`,
        'content-type': 'application/json',
        'user-agent': `rio-client/${VERSION}`,
        'x-rio-protocol': '1',
      })
      expect(request!.headers['idempotency-key']).toMatch(UUID)
      expect(JSON.parse(request!.body)).toEqual({
        name: 'comment-published',
        payload: { ip: '127.0.0.1', content: 'I am a spammer' },
      })
      expect(rio.events).toEqual([
        {
          id: 'evt_1',
          name: 'comment-published',
          payload: { ip: '127.0.0.1', content: 'I am a spammer' },
          key: request!.headers['idempotency-key'],
        },
      ])
    })

    it('sends the version segment as X-Rio-Protocol and posts under the path prefix', async () => {
      await rio.close()
      rio = await FakeRio.start({ prefix: '/rio' })
      await client({ dsn: rio.dsn({ version: '2' }) }).emit('order-paid', { id: 1 })
      expect(rio.requests[0]!.url).toBe('/rio/api/v1/projects/shop/events')
      expect(rio.requests[0]!.headers['x-rio-protocol']).toBe('2')
    })

    it('URL-decodes credentials from the DSN into Basic auth', async () => {
      await rio.close()
      rio = await FakeRio.start({ sender: 'my app', secret: 'p@ss:w/rd%é' })
      expect(rio.dsn()).toContain('p%40ss%3Aw%2Frd%25%C3%A9')
      await expect(client({ dsn: rio.dsn() }).emit('x', 1)).resolves.toEqual({
        id: 'evt_1',
        duplicate: false,
      })
    })

    it('refuses a DSN whose sender holds a ":" once decoded, which Basic auth would split', async () => {
      expect(() => client({ dsn: `http://a%3Ab:secret@127.0.0.1:${rio.port}/shop` })).toThrow(
        expect.objectContaining({ name: 'DsnError', reason: 'bad_sender' }),
      )
      expect(rio.requests).toHaveLength(0)
    })

    it('sends a Latin-1 header value as its byte, without the spaces around it', async () => {
      await client({ headers: { 'x-name': ' café\t' } }).emit('a', 1)
      expect(Buffer.from(rio.requests[0]!.headers['x-name'] as string, 'latin1')).toEqual(
        Buffer.from([0x63, 0x61, 0x66, 0xe9]),
      )
    })

    it('generates a fresh idempotency key per emit, and uses a given one in header and body', async () => {
      const sender = client()
      await sender.emit('a', 1)
      await sender.emit('a', 1)
      const [first, second] = rio.requests.map((request) => request.headers['idempotency-key'])
      expect(first).not.toBe(second)
      expect(rio.events).toHaveLength(2)

      const given = await sender.emit('order-paid', { id: 7 }, { idempotencyKey: 'order-7:paid' })
      const again = await sender.emit('order-paid', { id: 7 }, { idempotencyKey: 'order-7:paid' })
      expect(again).toEqual({ id: given.id, duplicate: true })
      expect(rio.requests.at(-1)!.headers['idempotency-key']).toBe('order-7:paid')
      expect(JSON.parse(rio.requests.at(-1)!.body).idempotencyKey).toBe('order-7:paid')
      expect(rio.events).toHaveLength(3)
    })

    it('sends extra headers from the options and the call, and keeps its own authoritative', async () => {
      await client({ headers: { 'X-Trace': 'a', 'X-Team': 'shop' } }).emit('a', 1, {
        headers: { 'x-trace': 'b' },
      })
      expect(rio.requests[0]!.headers).toMatchObject({ 'x-trace': 'b', 'x-team': 'shop' })
      await expect(client().emit('a', 1, { headers: { Authorization: 'Bearer x' } })).rejects.toMatchObject({
        code: 'invalid_argument',
        message: expect.stringContaining('"Authorization" is set by rio-client itself'),
      })
    })
  })

  describe('retries', () => {
    it('stores exactly one event when Rio fails twice, then succeeds, reusing the idempotency key', async () => {
      rio.fail({ status: 503 }, { status: 500 })
      const result = await client().emit('comment-published', { id: 1 })
      expect(result).toEqual({ id: 'evt_1', duplicate: false })
      expect(rio.requests).toHaveLength(3)
      expect(new Set(rio.requests.map((request) => request.headers['idempotency-key'])).size).toBe(1)
      expect(rio.events).toHaveLength(1)
    })

    it('stores exactly one event when the answer is lost after Rio stored it', async () => {
      rio.fail('store-then-drop', 'drop')
      const result = await client().emit('comment-published', { id: 1 })
      expect(result).toEqual({ id: 'evt_1', duplicate: true })
      expect(rio.requests).toHaveLength(3)
      expect(rio.events).toHaveLength(1)
    })

    it('stores exactly one event when Rio restarts on the same port while the client retries', async () => {
      const port = rio.port
      rio.fail({ restart: 300 })
      const started = Date.now()
      const result = await client({ retries: 10, retryMaxDelayMs: 100 }).emit('comment-published', { id: 1 })
      expect(Date.now() - started).toBeGreaterThanOrEqual(280)
      expect(result).toEqual({ id: 'evt_1', duplicate: true })
      expect(rio.port).toBe(port)
      expect(rio.events).toHaveLength(1)
      expect(rio.requests.length).toBe(2)
    })

    it('retries a 408, which Node and proxies answer when a request arrived too slowly to be read', async () => {
      // Node's server answers 408 (and closes) when a request takes longer than its
      // requestTimeout or headersTimeout to arrive: a sender too busy to write it, nothing stored.
      rio.fail({ status: 408, headers: { connection: 'close' } })
      await expect(client().emit('comment-published', { id: 1 })).resolves.toEqual({
        id: 'evt_1',
        duplicate: false,
      })
      expect(rio.requests).toHaveLength(2)
      rio.fail({ status: 408 }, { status: 408 })
      const error = await rejection(client({ retries: 1 }).emit('comment-published', { id: 2 }))
      expect(error).toBeInstanceOf(ServerError)
      expect(error).toMatchObject({ code: 'server_error', status: 408, attempts: 2 })
      expect(error.message).toMatch(/gave up waiting for the request to arrive/)
    })

    it.each([400, 401, 403, 404, 409, 413, 422])('does not retry a %i answer', async (status) => {
      rio.fail({ status })
      const error = await rejection(client().emit('comment-published', { id: 1 }))
      expect(error).toBeInstanceOf(RioHttpError)
      expect(error).not.toBeInstanceOf(ServerError)
      expect(error).toMatchObject({ code: 'http_error', status, serverCode: 'fault', attempts: 1 })
      expect(error.message).toContain(
        `Rio answered ${status} fault to emit "comment-published" into project "shop"`,
      )
      expect(rio.requests).toHaveLength(1)
    })

    it('names the fix for a wrong secret, and keeps Rio’s field issues', async () => {
      const unauthorized = await rejection(client({ dsn: rio.dsn({ secret: 'wrong' }) }).emit('a', 1))
      expect(unauthorized.message).toMatch(
        /Rio answered 401 unauthorized to emit "a" into project "shop" at http:\/\/127\.0\.0\.1:\d+: unknown sender or wrong secret; check the sender and secret in the DSN/,
      )
      expect(unauthorized.message).not.toContain('wrong@')
      rio.fail({
        status: 422,
        body: JSON.stringify({
          error: {
            code: 'invalid_payload',
            message: 'the payload is refused',
            issues: [{ path: 'payload.total', message: 'must be positive' }],
          },
        }),
      })
      const invalid = (await rejection(client().emit('a', 1))) as RioHttpError
      expect(invalid.serverCode).toBe('invalid_payload')
      expect(invalid.issues).toEqual([{ path: 'payload.total', message: 'must be positive' }])
      expect(invalid.message).toContain('the payload is refused (payload.total: must be positive)')
    })

    it('honours Retry-After on a 429', async () => {
      rio.fail({ status: 429, headers: { 'retry-after': '1' } })
      const started = Date.now()
      await expect(client().emit('a', 1)).resolves.toEqual({ id: 'evt_1', duplicate: false })
      expect(Date.now() - started).toBeGreaterThanOrEqual(990)
      expect(rio.requests).toHaveLength(2)
    })

    it('honours Retry-After as an HTTP date on a 503', async () => {
      // HTTP dates have whole seconds: two seconds ahead means a wait of more than one.
      const at = new Date(Math.ceil(Date.now() / 1000) * 1000 + 2000).toUTCString()
      rio.fail({ status: 503, headers: { 'retry-after': at } })
      const started = Date.now()
      await client().emit('a', 1)
      expect(Date.now() - started).toBeGreaterThanOrEqual(1000)
    })

    it('stops at once when Retry-After reaches past the retry budget, with the delay on the error', async () => {
      rio.fail({ status: 429, headers: { 'retry-after': '3600' } })
      const started = Date.now()
      const error = await rejection(client().emit('a', 1))
      expect(Date.now() - started).toBeLessThan(500)
      expect(error).toBeInstanceOf(ServerError)
      expect(error).toMatchObject({ code: 'rate_limited', status: 429, retryAfterMs: 3_600_000, attempts: 1 })
      expect(error.message).toMatch(/Rio asks to wait 3600 s, past what is left of retryBudgetMs/)
    })

    it('honours the first Retry-After when Rio sends the header twice', async () => {
      // fetch joins them into "3600, 7200"; undici hands over each.
      rio.fail({ status: 429, headers: { 'retry-after': ['3600', '7200'] } })
      const error = await rejection(client().emit('a', 1))
      expect(error).toMatchObject({ code: 'rate_limited', retryAfterMs: 3_600_000, attempts: 1 })
      expect(rio.requests).toHaveLength(1)
    })

    it.each([
      ['0', '0'],
      ['a past date', 'Thu, 01 Jan 1970 00:00:00 GMT'],
    ])(
      'blames the spent budget, not a Retry-After of %s, when the budget ran out during the attempt',
      async (_what, retryAfter) => {
        rio.fail({ status: 429, headers: { 'retry-after': retryAfter }, delayMs: 100 })
        const error = await rejection(client({ retryBudgetMs: 50 }).emit('a', 1))
        expect(error).toMatchObject({ code: 'rate_limited', retryAfterMs: 0, attempts: 1 })
        expect(error.message).toMatch(/; retryBudgetMs \(50 ms\) is spent$/)
        expect(error.message).not.toContain('past what is left')
        expect(rio.requests).toHaveLength(1)
      },
    )

    it('gives up with a ServerError after the configured attempts', async () => {
      rio.fail(
        ...Array.from({ length: 10 }, () => ({
          status: 502,
          body: '<html><title>502 Bad Gateway</title></html>',
          headers: { 'content-type': 'text/html' },
        })),
      )
      const error = await rejection(client({ retries: 2 }).emit('a', 1))
      expect(error).toBeInstanceOf(ServerError)
      expect(error).toMatchObject({ code: 'server_error', status: 502, attempts: 3, serverCode: undefined })
      expect(error.message).toMatch(
        /Rio answered 502 to emit "a" into project "shop" at .* \(3 attempts over \d+\.\d s\): a text\/html body "502 Bad Gateway"; Rio \(or a proxy in front of it\) is failing/,
      )
      expect(rio.requests).toHaveLength(3)
    })

    it('makes five attempts by default', async () => {
      rio.fail(...Array.from({ length: 10 }, () => ({ status: 500, body: '' })))
      const error = await rejection(client().emit('a', 1))
      expect(error.attempts).toBe(5)
      expect(error.message).toContain('an empty body')
      expect(rio.requests).toHaveLength(5)
    })

    it('stops when the retry budget is spent', async () => {
      rio.fail(...Array.from({ length: 50 }, () => ({ status: 503 })))
      const started = Date.now()
      const error = await rejection(
        client({ retries: 50, retryDelayMs: 50, retryMaxDelayMs: 50, retryBudgetMs: 300 }).emit('a', 1),
      )
      expect(Date.now() - started).toBeLessThan(1000)
      expect(error.message).toContain('retryBudgetMs (300 ms) is spent')
      expect(error.attempts).toBeLessThan(50)
      expect(error.attempts).toBeGreaterThanOrEqual(4)
    })

    describe('when the wall clock steps during the call', () => {
      const realNow = Date.now.bind(Date)
      // The clock steps once Rio has seen the first attempt, as an NTP correction might.
      const stepClock = (ms: number) =>
        vi.spyOn(Date, 'now').mockImplementation(() => realNow() + (rio.requests.length > 0 ? ms : 0))
      afterEach(() => {
        vi.restoreAllMocks()
      })

      it('keeps retrying within retryBudgetMs when the clock jumps an hour ahead', async () => {
        rio.fail({ status: 503 }, { status: 503 })
        stepClock(3_600_000)
        await expect(client({ retryBudgetMs: 5_000 }).emit('a', 1)).resolves.toMatchObject({ id: 'evt_1' })
        expect(rio.requests).toHaveLength(3)
      })

      it('still stops when retryBudgetMs is spent when the clock jumps an hour back', async () => {
        rio.fail(...Array.from({ length: 30 }, () => ({ status: 503 })))
        stepClock(-3_600_000)
        const error = await rejection(
          client({ retries: 20, retryDelayMs: 50, retryMaxDelayMs: 50, retryBudgetMs: 200 }).emit('a', 1),
        )
        expect(error.message).toContain('retryBudgetMs (200 ms) is spent')
        expect(error.attempts).toBeLessThan(10)
      })
    })

    it('retries a refused connection, then fails with a ConnectionError', async () => {
      const { port } = rio
      await rio.close()
      const error = await rejection(
        client({ dsn: `http://sender:secret@127.0.0.1:${port}/shop`, retries: 2 }).emit('a', 1),
      )
      expect(error).toBeInstanceOf(ConnectionError)
      expect(error).toMatchObject({ code: 'connection_failed', attempts: 3, status: undefined })
      expect(error.message).toMatch(
        new RegExp(
          `could not reach Rio at project "shop" at http://127\\.0\\.0\\.1:${port} to emit "a" \\(3 attempts.*ECONNREFUSED`,
        ),
      )
      expect(error.message).not.toContain('secret')
    })
  })

  describe('timeouts and abort', () => {
    it('times out a hanging request and retries it', async () => {
      rio.fail('hang')
      const result = await client({ timeoutMs: 200 }).emit('a', 1)
      expect(result.duplicate).toBe(false)
      expect(rio.requests).toHaveLength(2)
    })

    it('times out an answer that stalls in the middle of its body', async () => {
      rio.fail({ status: 202, stall: true })
      const started = Date.now()
      const result = await client({ timeoutMs: 200 }).emit('a', 1)
      expect(Date.now() - started).toBeGreaterThanOrEqual(190)
      expect(result).toEqual({ id: 'evt_1', duplicate: false })
      expect(rio.requests).toHaveLength(2)
    })

    it('fails with a TimeoutError when every attempt hangs', async () => {
      rio.fail('hang', 'hang')
      const started = Date.now()
      const error = await rejection(client({ timeoutMs: 150, retries: 1 }).emit('a', 1))
      expect(Date.now() - started).toBeGreaterThanOrEqual(290)
      expect(error).toBeInstanceOf(TimeoutError)
      expect(error).toMatchObject({ code: 'timeout', timeoutMs: 150, attempts: 2 })
      expect(error.message).toContain('did not answer emit "a" within timeoutMs (150 ms)')
    })

    it('rejects with an AbortError as soon as the signal aborts a request in flight', async () => {
      rio.fail('hang')
      const controller = new AbortController()
      setTimeout(() => controller.abort(new Error('shutting down')), 100)
      const started = Date.now()
      const error = await rejection(client().emit('a', 1, { signal: controller.signal }))
      expect(Date.now() - started).toBeLessThan(1000)
      expect(error).toBeInstanceOf(AbortError)
      expect(error).toMatchObject({ name: 'AbortError', code: 'aborted', attempts: 1 })
      expect((error.cause as Error).message).toBe('shutting down')
      expect(rio.requests).toHaveLength(1)
    })

    it('stops waiting for a retry when the signal aborts', async () => {
      rio.fail({ status: 503, headers: { 'retry-after': '5' } })
      const signal = AbortSignal.timeout(200)
      const started = Date.now()
      const error = await rejection(client().emit('a', 1, { signal }))
      expect(Date.now() - started).toBeLessThan(1500)
      expect(error).toMatchObject({ code: 'aborted', attempts: 1 })
      expect(rio.requests).toHaveLength(1)
    })

    it('rejects with an AbortError when the signal aborts with a rio-client error as its reason', async () => {
      rio.fail('hang')
      const controller = new AbortController()
      // Fail fast: another call's error aborts the calls that share the signal.
      const sibling = new ServerError('server_error', 'another emit failed', { status: 503 })
      setTimeout(() => controller.abort(sibling), 100)
      const error = await rejection(client().emit('a', 1, { signal: controller.signal }))
      expect(error).toBeInstanceOf(AbortError)
      expect(error).toMatchObject({ code: 'aborted', attempts: 1 })
      expect(error.cause).toBe(sibling)
    })

    it('listens to a signal shared by concurrent calls once, without a listener-leak warning', async () => {
      const warnings: Error[] = []
      const onWarning = (warning: Error) => warnings.push(warning)
      process.on('warning', onWarning)
      try {
        // Each call has a request in flight, then waits to retry it, then sends it again.
        rio.fail(...Array.from({ length: 32 }, () => ({ status: 503, delayMs: 50 })))
        const controller = new AbortController()
        const sender = client()
        const pending = Array.from({ length: 32 }, (_, i) =>
          sender.emit('a', i, { signal: controller.signal }),
        )
        while (rio.requests.length < 32) await new Promise((resolve) => setTimeout(resolve, 5))
        expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1)
        const results = await Promise.all(pending)
        expect(results.map((result) => result.duplicate)).toEqual(Array(32).fill(false))
        expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0)
        await new Promise((resolve) => setImmediate(resolve))
        expect(warnings).toEqual([])

        // And aborting it still stops every call.
        rio.fail(...Array.from({ length: 32 }, () => 'hang' as const))
        const hanging = Array.from({ length: 32 }, (_, i) =>
          rejection(sender.emit('a', i, { signal: controller.signal })),
        )
        while (rio.requests.length < 96) await new Promise((resolve) => setTimeout(resolve, 5))
        controller.abort(new Error('shutting down'))
        for (const error of await Promise.all(hanging)) expect(error).toMatchObject({ code: 'aborted' })
        expect(warnings).toEqual([])
      } finally {
        process.off('warning', onWarning)
      }
    })

    it('sends nothing when the signal is already aborted', async () => {
      const error = await rejection(client().emit('a', 1, { signal: AbortSignal.abort() }))
      expect(error).toMatchObject({ code: 'aborted', attempts: 0 })
      expect(error.message).toContain('before sending it')
      expect(rio.requests).toHaveLength(0)
    })
  })

  describe('answers', () => {
    it('stops reading a 2xx body at maxResponseBytes and drops the connection', async () => {
      rio.fail({ status: 202, huge: true })
      const error = await rejection(client({ maxResponseBytes: 64 * 1024 }).emit('a', 1))
      expect(error).toBeInstanceOf(RioHttpError)
      expect(error).toMatchObject({ code: 'response_too_large', status: 202 })
      expect(error.message).toContain('over maxResponseBytes (64.0 KiB read)')
      // The server writes until the socket closes: well under what an unbounded read would take.
      expect(rio.hugeBytesWritten).toBeLessThan(64 * 1024 * 1024)
      expect(rio.requests).toHaveLength(1)
    })

    it('bounds an endless error page too, and still retries the 5xx', async () => {
      rio.fail({ status: 502, huge: true })
      await expect(client({ maxResponseBytes: 4096 }).emit('a', 1)).resolves.toMatchObject({ id: 'evt_1' })
      expect(rio.requests).toHaveLength(2)
    })

    it('does not read a body whose Content-Length is over maxResponseBytes', async () => {
      rio.fail({ status: 202, body: 'x'.repeat(5000) })
      const error = await rejection(client({ maxResponseBytes: 1000 }).emit('a', 1))
      expect(error.code).toBe('response_too_large')
    })

    it.each([302, 307, 308])(
      'does not follow a %i redirect, even to Rio itself, nor retry it',
      async (status) => {
        const location = `http://127.0.0.1:${rio.port}/api/v1/projects/shop/events`
        rio.fail({ status, headers: { location } })
        const error = await rejection(client().emit('a', 1))
        expect(error).toBeInstanceOf(RioHttpError)
        expect(error).not.toBeInstanceOf(ServerError)
        expect(error).toMatchObject({ code: 'http_error', status, attempts: 1 })
        expect(error.message).toContain(`rio-client does not follow redirects (this one to "${location}")`)
        expect(rio.requests).toHaveLength(1)
        expect(rio.events).toHaveLength(0)
      },
    )

    it('refuses a 2xx that is not Rio’s JSON, without retrying', async () => {
      rio.fail({
        status: 200,
        body: '<html><title>Welcome to nginx!</title></html>',
        headers: { 'content-type': 'text/html' },
      })
      const error = await rejection(client().emit('a', 1))
      expect(error).toMatchObject({ code: 'invalid_response', status: 200 })
      expect(error.message).toContain(
        'with a text/html body "Welcome to nginx!" instead of { "id": "…", "duplicate": false }',
      )
      expect(rio.requests).toHaveLength(1)
    })
  })

  describe('connections', () => {
    it('reuses keep-alive connections across sequential emits and error answers', async () => {
      const sender = client()
      rio.fail({ status: 503 })
      await sender.emit('a', 0)
      rio.fail({ status: 422 })
      expect(await rejection(sender.emit('a', 1))).toMatchObject({ status: 422 })
      for (let i = 2; i < 20; i++) await sender.emit('a', i)
      expect(rio.requests).toHaveLength(21)
      // undici frees a connection one event-loop turn after its answer (so a server that closes
      // it anyway is noticed first): back-to-back emits alternate between two, never more.
      expect(rio.connections).toBeLessThanOrEqual(2)
    })
  })

  describe('close', () => {
    it('rejects emits after close without sending, and closes twice without error', async () => {
      const sender = client()
      await sender.emit('a', 1)
      await sender.close()
      await sender.close()
      const error = await rejection(sender.emit('a', 2))
      expect(error).toMatchObject({ code: 'client_closed' })
      expect(error.message).toContain('the client is closed; create a new Client to emit')
      await expect(sender.emitMany([{ name: 'a', payload: 1 }])).rejects.toMatchObject({
        code: 'client_closed',
      })
      expect(rio.requests).toHaveLength(1)
    })

    it('stops many calls waiting to retry at once, without a listener-leak warning', async () => {
      const warnings: Error[] = []
      const onWarning = (warning: Error) => warnings.push(warning)
      process.on('warning', onWarning)
      try {
        rio.fail(...Array.from({ length: 30 }, () => ({ status: 503, headers: { 'retry-after': '5' } })))
        const sender = client()
        const pending = Array.from({ length: 30 }, (_, i) => rejection(sender.emit('a', i)))
        while (rio.requests.length < 30) await new Promise((resolve) => setTimeout(resolve, 10))
        await sender.close()
        for (const error of await Promise.all(pending)) expect(error.code).toBe('client_closed')
        await new Promise((resolve) => setImmediate(resolve))
        expect(warnings).toEqual([])
      } finally {
        process.off('warning', onWarning)
      }
    })

    it('lets a request in flight finish before close() resolves', async () => {
      rio.fail({ status: 202, body: '{"id":"evt_late","duplicate":false}', delayMs: 300 })
      const sender = client()
      const pending = sender.emit('a', 1)
      while (rio.requests.length < 1) await new Promise((resolve) => setTimeout(resolve, 5))
      const started = Date.now()
      await sender.close()
      expect(Date.now() - started).toBeGreaterThanOrEqual(250)
      await expect(pending).resolves.toEqual({ id: 'evt_late', duplicate: false })
    })

    it('waits for a hanging request until timeoutMs, then ends its call as closed without a retry', async () => {
      rio.fail('hang')
      const sender = client({ timeoutMs: 300 })
      const pending = rejection(sender.emit('a', 1))
      while (rio.requests.length < 1) await new Promise((resolve) => setTimeout(resolve, 5))
      const started = Date.now()
      await sender.close()
      expect(Date.now() - started).toBeGreaterThanOrEqual(250)
      expect(await pending).toMatchObject({ code: 'client_closed', attempts: 1 })
      expect(rio.requests).toHaveLength(1)
    })

    it('stops a call waiting to retry when the client closes', async () => {
      rio.fail({ status: 503, headers: { 'retry-after': '5' } })
      const sender = client()
      const pending = rejection(sender.emit('a', 1))
      await new Promise((resolve) => setTimeout(resolve, 100))
      await sender.close()
      expect(await pending).toMatchObject({ code: 'client_closed', attempts: 1 })
    })
  })
})

describe('Client over a fetch wrapper that breaks the request', () => {
  let rio: FakeRio
  let client: Client | undefined
  beforeEach(async () => {
    rio = await FakeRio.start()
  })
  afterEach(async () => {
    await client?.close()
    await rio.close()
  })

  const wrappers: [string, NonNullable<ClientOptions['fetch']>, RegExp][] = [
    [
      'adds a header undici will not send',
      (url, init) => globalThis.fetch(url, { ...init, headers: { ...init.headers, traceparent: 'a\x01b' } }),
      /fetch failed: invalid traceparent header \(UND_ERR_INVALID_ARG\)/,
    ],
    [
      'builds a Request that refuses its header',
      (url, init) =>
        globalThis.fetch(new Request(url, { ...init, headers: { ...init.headers, 'x-span': '☃' } })),
      /greater than 255/,
    ],
  ]

  it('still times out, and still stops at the signal, when the wrapper drops init.signal', async () => {
    const dropsSignal: NonNullable<ClientOptions['fetch']> = (url, { signal: _dropped, ...init }) =>
      globalThis.fetch(url, init)
    client = new Client({ dsn: rio.dsn(), fetch: dropsSignal, timeoutMs: 200, retries: 0 })
    rio.fail('hang', { status: 202, stall: true }, 'hang')
    let started = Date.now()
    expect(await rejection(client.emit('a', 1))).toMatchObject({ code: 'timeout', attempts: 1 })
    expect(Date.now() - started).toBeLessThan(1000)
    started = Date.now()
    expect(await rejection(client.emit('a', 2))).toMatchObject({ code: 'timeout', attempts: 1 })
    expect(Date.now() - started).toBeLessThan(1000)
    started = Date.now()
    const signal = AbortSignal.timeout(100)
    expect(await rejection(client.emit('a', 3, { signal }))).toMatchObject({ code: 'aborted', attempts: 1 })
    expect(Date.now() - started).toBeLessThan(1000)
  })

  it.each(wrappers)(
    'fails at once with invalid_request, sending nothing, when the wrapper %s',
    async (_what, fetch, cause) => {
      client = new Client({ dsn: rio.dsn(), fetch, retryDelayMs: 10, retryMaxDelayMs: 40 })
      const error = await rejection(client.emit('a', 1))
      expect(error).toBeInstanceOf(ValidationError)
      expect(error).toMatchObject({ code: 'invalid_request' })
      expect(error.message).toMatch(
        /^emit "a" into project "shop" at http:\/\/127\.0\.0\.1:\d+ was not sent: the HTTP layer refused to build the request \(/,
      )
      expect(error.message).toMatch(cause)
      expect(error.cause).toBeInstanceOf(TypeError)
      expect(rio.requests).toHaveLength(0)
    },
  )
})
