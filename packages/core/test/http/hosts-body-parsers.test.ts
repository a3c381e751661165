import type { IncomingMessage } from 'node:http'
import { connect } from 'node:net'
import { gzipSync } from 'node:zlib'
import express, { type RequestHandler } from 'express'
import Fastify, { type FastifyInstance } from 'fastify'
import { describe, expect, it } from 'vitest'
import type { ApiOptions, Rio } from '../../src/index.js'
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js'
import { makeRio, onCleanup, serve } from '../helpers.js'
import { ADMIN_TOKEN, admin, call, withSender } from './api-server.js'

// Rio mounted in a host app whose body parsers ran first (the commonest Express set-up): Rio
// takes the raw bytes when the parser kept them, and otherwise refuses at once with a 500
// `body_already_read` that says how to fix the set-up. It never waits for a body that will not
// come, and never stores a body rebuilt from what the parser made of it.

/** An Express app with `before` mounted globally, then Rio under `/rio`; closed after the test. */
async function expressHost(before: RequestHandler[], options: ApiOptions = {}) {
  const rio = makeRio()
  const sender = await withSender(rio)
  const errors: Error[] = []
  rio.events.on('error', (error) => errors.push(error))
  const app = express()
  for (const middleware of before) app.use(middleware)
  app.use('/rio', rio.handler({ adminToken: ADMIN_TOKEN, ...options }))
  app.use((_req, res) => {
    res.status(404).send('host 404')
  })
  const origin = await serve(app)
  return { rio, errors, authorization: sender.authorization, base: `${origin}/rio` }
}

/** The stored events, oldest first, as `[name, payload]`. */
async function stored(rio: Rio): Promise<Array<[string, unknown]>> {
  const events = await rio.listEvents({ limit: 100 })
  return events.reverse().map((event) => [event.name, event.payload])
}

/**
 * Sends `head` over TCP, then `tail` `afterMs` later, as one request saying `Connection: close`;
 * returns the status and body once the server closes the connection.
 */
function sendInTwoParts(url: string, head: string, tail: string, afterMs: number) {
  const { hostname, port } = new URL(url)
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write(head)
      setTimeout(() => socket.writable && socket.write(tail), afterMs)
    })
    const chunks: Buffer[] = []
    socket.on('data', (chunk) => chunks.push(chunk))
    socket.on('error', reject)
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8')
      resolve({
        status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1]),
        body: text.slice(text.indexOf('\r\n\r\n') + 4),
      })
    })
  })
}

/** The payload of event `id` as stored: numbers as sent are kept as text. */
function storedText(rio: Rio, id: string): string {
  const store = rio.store as SqliteStore
  expect(store).toBeInstanceOf(SqliteStore)
  return store.db.prepare('SELECT payload FROM events WHERE id = ?').pluck().get(id) as string
}

const JSON_TYPE = { 'content-type': 'application/json' }
const FORM_TYPE = { 'content-type': 'application/x-www-form-urlencoded' }
/** Numbers JSON.parse would change: a body rebuilt from req.body would store 1.5 and 12345678901234567000. */
const EXACT_PAYLOAD = '{"price":1.50,"big":12345678901234567890}'
const EXACT_BODY = `{"name":"order-paid","payload":${EXACT_PAYLOAD}}`

describe('Rio behind an Express body parser that kept no raw bytes', () => {
  it('refuses a JSON emit behind express.json() with a 500 body_already_read naming the fix, reported on rio.events', async () => {
    const host = await expressHost([express.json()])
    const started = Date.now()
    const emitted = await call(`${host.base}/api/v1/projects/shop/events`, {
      method: 'POST',
      headers: { ...JSON_TYPE, authorization: host.authorization },
      body: EXACT_BODY,
    })
    expect(Date.now() - started).toBeLessThan(2000)
    expect(emitted.status).toBe(500)
    expect(emitted.body.error.code).toBe('body_already_read')
    expect(emitted.body.error.message).toMatch(/only a parsed object on req\.body/)
    expect(emitted.body.error.message).toMatch(/mount Rio's handler before any body parser/)
    expect(emitted.body.error.message).toMatch(/req\.rawBody/)
    // The original route words it in its own shape.
    const legacy = await call(`${host.base}/event/shop/emit/order-paid`, {
      method: 'POST',
      headers: { ...JSON_TYPE, authorization: host.authorization },
      body: '{"id":1}',
    })
    expect(legacy.status).toBe(500)
    expect(legacy.body.message).toMatch(/^the request body was read before Rio's handler ran/)
    // The management API reads its bodies the same way.
    const project = await call(`${host.base}/api/v1/projects`, {
      method: 'POST',
      headers: { ...JSON_TYPE, ...admin },
      body: '{"name":"blog"}',
    })
    expect(project.body.error?.code).toBe('body_already_read')
    expect(await stored(host.rio)).toEqual([])
    expect(host.errors.map((error) => (error as { code?: string }).code)).toEqual([
      'body_already_read',
      'body_already_read',
      'body_already_read',
    ])
  })

  it('still reads a body the parser skipped (a form behind express.json()) itself', async () => {
    const host = await expressHost([express.json()])
    const legacy = await call(`${host.base}/event/shop/emit/signed-up`, {
      method: 'POST',
      headers: { ...FORM_TYPE, authorization: host.authorization },
      body: 'a=1&a=2&b=%C3%A9',
    })
    expect(legacy.status).toBe(200)
    expect(await stored(host.rio)).toEqual([['signed-up', { a: '1', b: 'é' }]])
  })

  it('refuses a form the original route would read behind express.urlencoded(), and a text body behind express.text()', async () => {
    const host = await expressHost([express.urlencoded(), express.text({ type: 'text/*' })])
    const form = await call(`${host.base}/event/shop/emit/signed-up`, {
      method: 'POST',
      headers: { ...FORM_TYPE, authorization: host.authorization },
      body: 'a=1',
    })
    expect(form.status).toBe(500)
    expect(form.body.message).toMatch(/only a parsed object on req\.body/)
    // Decoded text is not the bytes either (a charset, a BOM, invalid UTF-8 would be lost).
    const text = await call(`${host.base}/event/shop/emit/signed-up`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', authorization: host.authorization },
      body: 'hello',
    })
    expect(text.status).toBe(500)
    expect(text.body.message).toMatch(/only decoded text on req\.body, not the bytes/)
    // A JSON body neither parser wanted is Rio's to read.
    const json = await call(`${host.base}/event/shop/emit/signed-up`, {
      method: 'POST',
      headers: { ...JSON_TYPE, authorization: host.authorization },
      body: '{"a":2}',
    })
    expect(json.status).toBe(200)
    expect(await stored(host.rio)).toEqual([['signed-up', { a: 2 }]])
  })

  it('takes an empty body a parser read as empty, since Content-Length: 0 says what it was', async () => {
    const host = await expressHost([express.json(), express.urlencoded()])
    for (const type of [JSON_TYPE, FORM_TYPE]) {
      const answer = await call(`${host.base}/event/shop/emit/pinged`, {
        method: 'POST',
        headers: { ...type, authorization: host.authorization },
        body: '',
      })
      expect(answer.status, JSON.stringify(answer.body)).toBe(200)
    }
    expect(await stored(host.rio)).toEqual([
      ['pinged', {}],
      ['pinged', {}],
    ])
  })
})

describe('Rio behind an Express body parser that kept the raw bytes', () => {
  it('stores exactly what was sent from the Buffer express.raw() left on req.body', async () => {
    const host = await expressHost([express.raw({ type: '*/*' })])
    const emitted = await call(`${host.base}/api/v1/projects/shop/events`, {
      method: 'POST',
      headers: { ...JSON_TYPE, authorization: host.authorization },
      body: EXACT_BODY,
    })
    expect(emitted.status, JSON.stringify(emitted.body)).toBe(202)
    const legacy = await call(`${host.base}/event/shop/emit/signed-up`, {
      method: 'POST',
      headers: { ...FORM_TYPE, authorization: host.authorization },
      body: 'a=1&a=2',
    })
    expect(legacy.status).toBe(200)
    // As Rio mounted alone stores them: the numbers as sent, a repeated form key's first value.
    expect(storedText(host.rio, emitted.body.id)).toBe(EXACT_PAYLOAD)
    expect(await stored(host.rio)).toEqual([
      ['order-paid', expect.anything()],
      ['signed-up', { a: '1' }],
    ])
  })

  it('stores exactly what was sent from req.rawBody kept by express.json({ verify })', async () => {
    const keepRaw = express.json({
      verify: (req, _res, buffer) => {
        ;(req as IncomingMessage & { rawBody?: Buffer }).rawBody = buffer
      },
    })
    const host = await expressHost([keepRaw])
    const emitted = await call(`${host.base}/api/v1/projects/shop/events`, {
      method: 'POST',
      headers: { ...JSON_TYPE, authorization: host.authorization },
      body: EXACT_BODY,
    })
    expect(emitted.status, JSON.stringify(emitted.body)).toBe(202)
    expect(storedText(host.rio, emitted.body.id)).toBe(EXACT_PAYLOAD)
    const project = await call(`${host.base}/api/v1/projects`, {
      method: 'POST',
      headers: { ...JSON_TYPE, ...admin },
      body: '{"name":"blog"}',
    })
    expect(project.status).toBe(201)
  })

  it('refuses bytes on req.rawBody that are not as many as Content-Length announced (a re-serialised body)', async () => {
    const reserialise: RequestHandler = (req, _res, next) => {
      ;(req as IncomingMessage & { rawBody?: Buffer }).rawBody = Buffer.from(JSON.stringify(req.body))
      next()
    }
    const host = await expressHost([express.json(), reserialise])
    const emitted = await call(`${host.base}/api/v1/projects/shop/events`, {
      method: 'POST',
      headers: { ...JSON_TYPE, authorization: host.authorization },
      body: EXACT_BODY,
    })
    expect(emitted.status).toBe(500)
    expect(emitted.body.error.code).toBe('body_already_read')
    expect(emitted.body.error.message).toMatch(
      new RegExp(
        `bytes kept on req\\.rawBody \\(\\d+\\) are not the ${EXACT_BODY.length} bytes Content-Length announced`,
      ),
    )
    expect(await stored(host.rio)).toEqual([])
  })

  it('takes the inflated bytes of a gzip body, and refuses kept bytes over maxBodyBytes with 413', async () => {
    const host = await expressHost([express.raw({ type: '*/*' })], { maxBodyBytes: 200 })
    const emitted = await call(`${host.base}/api/v1/projects/shop/events`, {
      method: 'POST',
      headers: { ...JSON_TYPE, 'content-encoding': 'gzip', authorization: host.authorization },
      body: gzipSync(EXACT_BODY),
    })
    expect(emitted.status, JSON.stringify(emitted.body)).toBe(202)
    expect(storedText(host.rio, emitted.body.id)).toBe(EXACT_PAYLOAD)
    // 250 bytes inflated from far fewer: the limit holds for what Rio would store.
    const large = JSON.stringify({ name: 'order-paid', payload: { text: 'a'.repeat(200) } })
    const refused = await call(`${host.base}/api/v1/projects/shop/events`, {
      method: 'POST',
      headers: { ...JSON_TYPE, 'content-encoding': 'gzip', authorization: host.authorization },
      body: gzipSync(large),
    })
    expect(refused.status).toBe(413)
    expect(refused.body.error.code).toBe('body_too_large')
    expect(await host.rio.listEvents({ limit: 10 })).toHaveLength(1)
  })
})

describe('Rio after a middleware that touched the body stream', () => {
  it('refuses a body a middleware read part of, instead of storing the rest', async () => {
    // A "sniffer" that looks at the first chunk and lets go: the stream flows on without it.
    const sniff: RequestHandler = (req, _res, next) => {
      req.once('data', () => undefined)
      next()
    }
    const host = await expressHost([sniff])
    const answer = await sendInTwoParts(
      host.base,
      `POST /rio/event/shop/emit/signed-up HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: ${host.authorization}\r\n` +
        'Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 11\r\n\r\nx=1&',
      'y=2&z=3',
      300,
    )
    expect(answer.status).toBe(500)
    expect(answer.body).toMatch(/partly read before Rio's handler ran/)
    expect(await stored(host.rio)).toEqual([])
  })

  it('reads a body a middleware paused instead of waiting for the server timeout', async () => {
    const pause: RequestHandler = (req, _res, next) => {
      req.pause()
      next()
    }
    const host = await expressHost([pause])
    const answer = await call(`${host.base}/event/shop/emit/signed-up`, {
      method: 'POST',
      headers: { ...FORM_TYPE, authorization: host.authorization },
      body: 'x=1',
      signal: AbortSignal.timeout(3000),
    })
    expect(answer.status).toBe(200)
    expect(await stored(host.rio)).toEqual([['signed-up', { x: '1' }]])
  })
})

describe('Rio in Fastify', () => {
  /** Rio's handler on `/rio/*` of a Fastify app, set up by `scope`; closed after the test. */
  async function fastifyHost(setUp: (scope: FastifyInstance) => void) {
    const rio = makeRio()
    const sender = await withSender(rio)
    const api = rio.handler({ basePath: '/rio', adminToken: ADMIN_TOKEN })
    const app = Fastify()
    await app.register(async (scope) => {
      setUp(scope)
      scope.all('/rio/*', (request, reply) => {
        reply.hijack()
        api(request.raw, reply.raw)
      })
    })
    await app.listen({ port: 0, host: '127.0.0.1' })
    onCleanup(() => app.close())
    const { port } = app.server.address() as { port: number }
    return { rio, authorization: sender.authorization, base: `http://127.0.0.1:${port}/rio` }
  }

  it("refuses a body Fastify's default JSON and text parsers read with body_already_read naming Fastify", async () => {
    const host = await fastifyHost(() => undefined)
    const json = await call(`${host.base}/api/v1/projects/shop/events`, {
      method: 'POST',
      headers: { ...JSON_TYPE, authorization: host.authorization },
      body: '{"name":"order-paid","payload":{}}',
    })
    expect(json.status).toBe(500)
    expect(json.body.error.code).toBe('body_already_read')
    expect(json.body.error.message).toMatch(/Fastify: in a scope without content-type parsers/)
    const text = await call(`${host.base}/event/shop/emit/order-paid`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', authorization: host.authorization },
      body: 'hello',
    })
    expect(text.status).toBe(500)
    // A form never reaches Rio: Fastify has no parser for it and answers its own 415.
    const form = await call(`${host.base}/event/shop/emit/order-paid`, {
      method: 'POST',
      headers: { ...FORM_TYPE, authorization: host.authorization },
      body: 'a=1',
    })
    expect(form.status).toBe(415)
    expect(form.body.code).toBe('FST_ERR_CTP_INVALID_MEDIA_TYPE')
    expect(await stored(host.rio)).toEqual([])
  })

  it('stores exactly what was sent when a buffer parser hands its bytes to request.raw.rawBody', async () => {
    const host = await fastifyHost((scope) => {
      scope.removeAllContentTypeParsers()
      scope.addContentTypeParser('*', { parseAs: 'buffer' }, (request, body, done) => {
        ;(request.raw as IncomingMessage & { rawBody?: Buffer }).rawBody = body as Buffer
        done(null, body)
      })
    })
    const emitted = await call(`${host.base}/api/v1/projects/shop/events`, {
      method: 'POST',
      headers: { ...JSON_TYPE, authorization: host.authorization },
      body: EXACT_BODY,
    })
    expect(emitted.status, JSON.stringify(emitted.body)).toBe(202)
    const legacy = await call(`${host.base}/event/shop/emit/signed-up`, {
      method: 'POST',
      headers: { ...FORM_TYPE, authorization: host.authorization },
      body: 'a=1',
    })
    expect(legacy.status).toBe(200)
    expect(storedText(host.rio, emitted.body.id)).toBe(EXACT_PAYLOAD)
    expect(await stored(host.rio)).toEqual([
      ['order-paid', expect.anything()],
      ['signed-up', { a: '1' }],
    ])
  })
})
