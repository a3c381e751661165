import { connect } from 'node:net'
import express, { type ErrorRequestHandler, type Express, type RequestHandler } from 'express'
import { describe, expect, it } from 'vitest'
import type { ApiHandler, Rio } from '../../src/index.js'
import { makeRio, serve } from '../helpers.js'
import { ADMIN_TOKEN, admin, call, postJson, withSender } from './api-server.js'

// Rio's API mounted in an Express app the way host apps do it: under a prefix (with or without
// basePath, in a sub-app), behind middleware that sets headers or answers, on the error path.

/** An app whose unknown paths get the host's own 404, so falling through is visible. */
function hostApp(mount: (app: Express) => void): Express {
  const app = express()
  mount(app)
  app.use((_req, res) => {
    res.status(404).type('text/plain').send('host 404')
  })
  return app
}

/** Creates a sender through the API at `apiBase`, then emits with its DSN on the original route. */
async function senderRoundTrip(rio: Rio, apiBase: string): Promise<{ dsn: string; emitted: number }> {
  await rio.createProject('shop').catch(() => undefined)
  const created = await postJson(
    `${apiBase}/api/v1/projects/shop/senders`,
    { name: `web-${Date.now()}` },
    admin,
  )
  expect(created.status, JSON.stringify(created.body)).toBe(201)
  const dsn = new URL(created.body.dsn as string)
  // What a sender does with its DSN: everything before the project is the API's base URL.
  const base = `${dsn.origin}${dsn.pathname.replace(/\/shop$/, '')}`
  const authorization = `Basic ${Buffer.from(`${decodeURIComponent(dsn.username)}:${decodeURIComponent(dsn.password)}`).toString('base64')}`
  const emitted = await call(`${base}/event/shop/emit/signed-up`, {
    method: 'POST',
    headers: { authorization },
  })
  return { dsn: created.body.dsn, emitted: emitted.status }
}

describe('Rio under a mount path', () => {
  it('builds DSNs and the OpenAPI server URL under the Express mount path when no basePath is given', async () => {
    const rio = makeRio()
    const origin = await serve(hostApp((app) => app.use('/rio', rio.handler({ adminToken: ADMIN_TOKEN }))))
    const { dsn, emitted } = await senderRoundTrip(rio, `${origin}/rio`)
    expect(new URL(dsn).pathname).toBe('/rio/shop')
    expect(emitted).toBe(200)
    const document = await call(`${origin}/rio/api/v1/openapi.json`)
    expect(document.body.servers).toEqual([{ url: '/rio', description: 'mounted under /rio' }])
    expect(await rio.listEvents({ limit: 10 })).toHaveLength(1)
  })

  it('serves a handler with basePath mounted in a sub-app (/v2 then /rio), with DSNs under the whole path', async () => {
    const rio = makeRio()
    const origin = await serve(
      hostApp((app) => {
        const v2 = express.Router()
        v2.use('/rio', rio.handler({ basePath: '/rio', adminToken: ADMIN_TOKEN }))
        app.use('/v2', v2)
      }),
    )
    const health = await call(`${origin}/v2/rio/_health/`)
    expect(health.body).toBe('ok')
    const { dsn, emitted } = await senderRoundTrip(rio, `${origin}/v2/rio`)
    expect(new URL(dsn).pathname).toBe('/v2/rio/shop')
    expect(emitted).toBe(200)
    // basePath matched without a framework's help (mounted at the app's root) still counts.
    const root = makeRio()
    const plain = await serve(
      hostApp((app) => app.use(root.handler({ basePath: '/rio', adminToken: ADMIN_TOKEN }))),
    )
    expect(new URL((await senderRoundTrip(root, `${plain}/rio`)).dsn).pathname).toBe('/rio/shop')
    expect((await call(`${plain}/elsewhere/_health/`)).body).toBe('host 404')
    // The OpenAPI document says where it was reached.
    expect((await call(`${origin}/v2/rio/api/v1/openapi.json`)).body.servers[0].url).toBe('/v2/rio')
    expect((await call(`${plain}/rio/api/v1/openapi.json`)).body.servers[0].url).toBe('/rio')
  })

  it('passes unknown paths, the bare mount path and other methods of unknown paths on to the host', async () => {
    const rio = makeRio()
    const origin = await serve(hostApp((app) => app.use('/rio', rio.handler({ adminToken: ADMIN_TOKEN }))))
    for (const [method, path] of [
      ['GET', '/rio'],
      ['GET', '/rio/'],
      ['POST', '/rio/nothing/here'],
      ['GET', '/riot/_health/'],
    ] as const) {
      const answer = await call(`${origin}${path}`, { method })
      expect([method, path, answer.status, answer.body]).toEqual([method, path, 404, 'host 404'])
    }
    // A trailing slash, or none, is the same route; HEAD is answered wherever GET is.
    expect((await call(`${origin}/rio/_health`)).body).toBe('ok')
    expect((await call(`${origin}/rio/api/v1/projects/`, { headers: admin })).status).toBe(200)
    const head = await fetch(`${origin}/rio/_health/`, { method: 'HEAD' })
    expect([head.status, head.headers.get('content-length'), await head.text()]).toEqual([200, '2', ''])
    // OPTIONS on a known path is Rio's 405 with the methods it takes (no CORS pre-flight support).
    const options = await call(`${origin}/rio/api/v1/projects`, { method: 'OPTIONS' })
    expect(options.status).toBe(405)
    expect(options.headers.get('allow')).toBe('GET, HEAD, POST')
  })
})

describe('Rio behind middleware', () => {
  it('keeps the headers a host set before it (helmet-style) and sets its own over theirs', async () => {
    const rio = makeRio()
    const securityHeaders: RequestHandler = (_req, res, next) => {
      res.setHeader('content-security-policy', "default-src 'self'")
      res.setHeader('strict-transport-security', 'max-age=15552000; includeSubDomains')
      res.setHeader('x-frame-options', 'SAMEORIGIN')
      // Conflicting ones: a cache policy and a type meant for the host's own pages.
      res.setHeader('cache-control', 'public, max-age=600')
      res.setHeader('content-type', 'text/html')
      next()
    }
    const origin = await serve(
      hostApp((app) => app.use(securityHeaders, rio.handler({ adminToken: ADMIN_TOKEN }))),
    )
    const answer = await call(`${origin}/api/v1/projects`, { headers: admin })
    expect(answer.status).toBe(200)
    expect(answer.body).toEqual({ data: [] })
    expect(Object.fromEntries(answer.headers)).toMatchObject({
      'content-security-policy': "default-src 'self'",
      'strict-transport-security': 'max-age=15552000; includeSubDomains',
      'x-frame-options': 'SAMEORIGIN',
      'cache-control': 'no-store',
      'content-type': 'application/json; charset=utf-8',
    })
  })

  it('leaves alone, storing nothing, a request an earlier middleware answered and still passed on', async () => {
    const rio = makeRio()
    const { authorization } = await withSender(rio)
    const errors: Error[] = []
    rio.events.on('error', (error) => errors.push(error))
    // A streaming answer under way (headers sent) when the middleware wrongly calls next().
    const answersThenPassesOn: RequestHandler = (_req, res, next) => {
      res.writeHead(202, { 'content-type': 'text/plain' })
      res.write('accepted by the host')
      next()
      // The answer ends a second later: time enough for the route to store the event, had it run.
      setTimeout(() => res.end(), 1000)
    }
    const origin = await serve(hostApp((app) => app.use(answersThenPassesOn, rio.handler())))
    const answer = await call(`${origin}/event/shop/emit/signed-up?id=1`, { headers: { authorization } })
    expect([answer.status, answer.body]).toEqual([202, 'accepted by the host'])
    expect(await rio.listEvents({ limit: 10 })).toEqual([])
    expect(errors.map((error) => error.message)).toEqual([
      expect.stringMatching(
        /^GET \/event\/shop\/emit\/signed-up reached Rio's handler already answered by an earlier middleware/,
      ),
    ])
  })

  it("is skipped on Express's error path: it takes (req, res, next), never an error", async () => {
    const rio = makeRio()
    const handler: ApiHandler = rio.handler()
    expect(handler.length).toBe(3)
    const fail: RequestHandler = (_req, _res, next) => next(new Error('the host failed'))
    const onError: ErrorRequestHandler = (error: Error, _req, res, _next) => {
      res.status(500).type('text/plain').send(`host error handler: ${error.message}`)
    }
    const origin = await serve(hostApp((app) => app.use(fail, handler, onError)))
    const answer = await call(`${origin}/_health/`)
    expect([answer.status, answer.body]).toEqual([500, 'host error handler: the host failed'])
  })

  it('answers Expect: 100-continue with 100 before the body, then stores it', async () => {
    const rio = makeRio()
    const { authorization } = await withSender(rio)
    const origin = await serve(hostApp((app) => app.use('/rio', rio.handler())))
    const { port } = new URL(origin)
    const body = '{"id":7}'
    const transcript = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => {
        socket.write(
          `POST /rio/event/shop/emit/signed-up HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: ${authorization}\r\n` +
            `Content-Type: application/json\r\nContent-Length: ${body.length}\r\nExpect: 100-continue\r\n\r\n`,
        )
      })
      let text = ''
      let sent = false
      socket.on('data', (chunk) => {
        text += chunk
        // The body goes only once the server asked for it.
        if (!sent && text.startsWith('HTTP/1.1 100 Continue\r\n\r\n')) {
          sent = true
          socket.write(body)
        }
      })
      socket.on('error', reject)
      socket.on('close', () => resolve(text))
    })
    expect(transcript).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 OK\r\n/)
    expect((await rio.listEvents({ limit: 10 })).map((event) => event.payload)).toEqual([{ id: 7 }])
  })
})
