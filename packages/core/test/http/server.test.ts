import { createServer } from 'node:http'
import { connect } from 'node:net'
import express from 'express'
import Fastify from 'fastify'
import { Agent, request } from 'undici'
import { describe, expect, it, vi } from 'vitest'
import { createApiHandler } from '../../src/index.js'
import { makeRio, onCleanup } from '../helpers.js'
import { ADMIN_TOKEN, admin, basic, call, eventCount, postJson, startApi, withSender } from './api-server.js'

describe('rio.listen()', () => {
  it('closes kept-alive connections on close()', async () => {
    const { server } = await startApi()
    const socket = connect(server.port, '127.0.0.1')
    const closed = new Promise((resolve) => socket.on('close', resolve))
    const answered = new Promise((resolve) => socket.once('data', resolve))
    socket.write('GET /_health/ HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n')
    await answered
    const started = Date.now()
    await server.close()
    await closed
    expect(Date.now() - started).toBeLessThan(1000)
  })

  it('closes the connection instead of reading the rest of a body it answered without reading', async () => {
    const { rio, server } = await startApi()
    await withSender(rio)
    const socket = connect(server.port, '127.0.0.1')
    onCleanup(() => void socket.destroy())
    let answer = ''
    socket.on('data', (chunk) => {
      answer += chunk
    })
    const closed = new Promise((resolve) => socket.on('close', resolve))
    // A wrong secret and a body announced as 100 MB, of which only the first bytes are sent.
    socket.write(
      `POST /api/v1/projects/shop/events HTTP/1.1\r\nHost: x\r\nAuthorization: ${basic('checkout', 'wrong-secret')}\r\n` +
        'Content-Type: application/json\r\nContent-Length: 100000000\r\n\r\n{"name":"x","payload":"',
    )
    await closed
    expect(answer).toMatch(/^HTTP\/1\.1 401 /)
    expect(answer.toLowerCase()).toContain('connection: close')
    // A request answered after its whole body arrived keeps its connection.
    const kept = connect(server.port, '127.0.0.1')
    onCleanup(() => void kept.destroy())
    const body = '{"name":"x"}'
    const answered = new Promise<string>((resolve) => kept.once('data', (chunk) => resolve(String(chunk))))
    kept.write(
      `POST /api/v1/projects/shop/events HTTP/1.1\r\nHost: x\r\nAuthorization: ${basic('checkout', 'wrong-secret')}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    )
    const second = await answered
    expect(second).toMatch(/^HTTP\/1\.1 401 /)
    expect(second.toLowerCase()).toContain('connection: keep-alive')
  })

  it('answers a wrong secret sent with a large body whole, and keeps the connection', async () => {
    const { rio, server } = await startApi()
    await withSender(rio)
    // A batch of almost 1 MiB: the 401 is written before the body is read. Closing the connection
    // while the body still arrived reset it (of 300 such requests at once, 152 to 190 saw the
    // reset, not the 401); the body is now read and thrown away, and the connection kept.
    const body = JSON.stringify({ events: [{ name: 'x', payload: { text: 'a'.repeat(1_000_000) } }] })
    const agent = new Agent({ connections: 1 })
    onCleanup(() => agent.close())
    let closes = 0
    const statuses: Array<number | string> = []
    for (let i = 0; i < 8; i++) {
      const answer = await request(`${server.url}/api/v1/projects/shop/events`, {
        method: 'POST',
        dispatcher: agent,
        headers: { 'content-type': 'application/json', authorization: basic('checkout', 'wrong-secret') },
        body,
      }).then(
        async (res) => {
          await res.body.dump()
          if (res.headers.connection === 'close') closes++
          return res.statusCode
        },
        (error: Error) => error.message,
      )
      statuses.push(answer)
    }
    expect(statuses).toEqual(Array(8).fill(401))
    expect(closes).toBe(0)
    expect(await eventCount(rio)).toBe(0)
  })

  it('closes, not drains, a refused chunked body on a server whose parser also took a Content-Length', async () => {
    const rio = makeRio()
    await withSender(rio)
    // insecureHTTPParser lets a request carry both headers; the body's length is then unknown.
    const server = createServer({ insecureHTTPParser: true }, createApiHandler(rio, { maxBodyBytes: 1000 }))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    onCleanup(() => new Promise<void>((resolve) => server.close(() => resolve())))
    const { port } = server.address() as { port: number }
    const socket = connect(port, '127.0.0.1')
    onCleanup(() => void socket.destroy())
    socket.on('error', () => undefined)
    const closed = new Promise((resolve) => socket.on('close', () => resolve('closed')))
    socket.write(
      `POST /api/v1/projects/shop/events HTTP/1.1\r\nHost: x\r\nAuthorization: ${basic('checkout', 'wrong-secret')}\r\n` +
        'Content-Type: application/json\r\nContent-Length: 10\r\nTransfer-Encoding: chunked\r\n\r\n',
    )
    // Chunks keep coming: a server draining them would keep the connection as long as they do.
    const chunk = `${(4096).toString(16)}\r\n${'x'.repeat(4096)}\r\n`
    const drip = setInterval(() => socket.writable && socket.write(chunk), 5)
    onCleanup(() => clearInterval(drip))
    const draining = new Promise((resolve) => setTimeout(() => resolve('still open'), 3000).unref())
    expect(await Promise.race([closed, draining])).toBe('closed')
  })

  it('refuses bad options before listening', async () => {
    const rio = makeRio()
    await expect(rio.listen({ port: 70_000 })).rejects.toMatchObject({ code: 'invalid_options' })
    await expect(rio.listen({ port: 0, adminToken: 'short' })).rejects.toThrow(/at least 16 characters/)
    await expect(rio.listen({ port: 0, basePath: 'rio/' })).rejects.toMatchObject({ code: 'invalid_options' })
  })

  it('serves under basePath and builds sender DSNs with it', async () => {
    const { server } = await startApi({ api: { basePath: '/rio' } })
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/rio`)
    expect((await call(`${server.url}/_health/`)).body).toBe('ok')
    expect((await call(`http://127.0.0.1:${server.port}/_health/`)).status).toBe(404)
    await postJson(`${server.url}/api/v1/projects`, { name: 'shop' }, admin)
    const sender = await postJson(`${server.url}/api/v1/projects/shop/senders`, { name: 'web' }, admin)
    expect(sender.status).toBe(201)
    expect(sender.body.dsn).toBe(
      `http://web:${encodeURIComponent(sender.body.secret)}@127.0.0.1:${server.port}/rio/shop`,
    )
  })

  it('serves mounts ahead of the API under their path prefix, everything else to the API', async () => {
    const seen: string[] = []
    const { server } = await startApi({
      api: {
        mounts: [
          {
            path: '/metrics',
            handler: (req, res) => {
              seen.push(req.url ?? '')
              res.end('metrics')
            },
          },
          { path: '/ui/app', handler: (_req, res) => res.end('ui') },
        ],
      },
    })
    const base = `http://127.0.0.1:${server.port}`
    expect((await call(`${base}/metrics`)).body).toBe('metrics')
    expect((await call(`${base}/metrics/x?y=1`)).body).toBe('metrics')
    expect((await call(`${base}/metrics?format=text`)).body).toBe('metrics')
    expect((await call(`${base}/ui/app/page`)).body).toBe('ui')
    // A longer name or a parent path is not under the prefix: the API answers it.
    expect((await call(`${base}/metricsx`)).body.error.code).toBe('route_not_found')
    expect((await call(`${base}/ui`)).body.error.code).toBe('route_not_found')
    expect((await call(`${base}/_health/`)).body).toBe('ok')
    expect(seen).toEqual(['/metrics', '/metrics/x?y=1', '/metrics?format=text'])
  })

  it('refuses bad mounts before listening', async () => {
    const rio = makeRio()
    const handler = () => undefined
    for (const path of ['metrics', '/metrics/', '/', '/a b', '']) {
      await expect(rio.listen({ port: 0, mounts: [{ path, handler }] }), path).rejects.toThrow(
        /mounts\.0\.path: a mount path is like "\/metrics"/,
      )
    }
    await expect(
      rio.listen({ port: 0, mounts: [{ path: '/m', handler: 'nope' as unknown as () => void }] }),
    ).rejects.toThrow(/mounts\.0\.handler: a mount handler is a request listener/)
  })
})

describe('createApiHandler()', () => {
  it('mounts in Express under a prefix and passes unknown paths on', async () => {
    const rio = makeRio()
    const app = express()
    app.use('/rio', createApiHandler(rio, { basePath: '/rio', adminToken: ADMIN_TOKEN }))
    app.use((_req, res) => {
      res.status(404).send('express 404')
    })
    const server = createServer(app)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    onCleanup(() => new Promise<void>((resolve) => server.close(() => resolve())))
    server.closeIdleConnections()
    const { port } = server.address() as { port: number }
    const base = `http://127.0.0.1:${port}/rio`
    const created = await postJson(`${base}/api/v1/projects`, { name: 'shop' }, admin)
    expect(created.status).toBe(201)
    const sender = await postJson(`${base}/api/v1/projects/shop/senders`, { name: 'web' }, admin)
    expect(sender.body.dsn).toMatch(new RegExp(`@127\\.0\\.0\\.1:${port}/rio/shop$`))
    expect((await call(`${base}/nothing-here`)).body).toBe('express 404')
    onCleanup(() => server.closeAllConnections())
  })

  it('mounts in Fastify as docs/api.md shows: emits (JSON and form bodies) reach Rio unread by Fastify', async () => {
    const rio = makeRio()
    const { authorization } = await withSender(rio)
    const api = createApiHandler(rio, { basePath: '/rio', adminToken: ADMIN_TOKEN })
    const app = Fastify()
    await app.register(async (scope) => {
      // Rio reads the raw body itself: no Fastify parser may consume it first.
      scope.removeAllContentTypeParsers()
      scope.addContentTypeParser('*', (_request, _payload, done) => done(null))
      scope.all('/rio/*', (request, reply) => {
        reply.hijack()
        api(request.raw, reply.raw)
      })
    })
    await app.listen({ port: 0, host: '127.0.0.1' })
    onCleanup(() => app.close())
    const { port } = app.server.address() as { port: number }
    const base = `http://127.0.0.1:${port}/rio`
    const emitted = await postJson(
      `${base}/api/v1/projects/shop/events`,
      { name: 'order-paid', payload: { id: 1 } },
      { authorization },
    )
    expect(emitted.status, JSON.stringify(emitted.body)).toBe(202)
    const legacy = await call(`${base}/event/shop/emit/order-paid`, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'id=2',
    })
    expect(legacy.status, JSON.stringify(legacy.body)).toBe(200)
    // A content type Rio refuses is Rio's 415, not Fastify's.
    const text = await call(`${base}/api/v1/projects/shop/events`, {
      method: 'POST',
      headers: { authorization, 'content-type': 'text/plain' },
      body: 'hello',
    })
    expect(text.status).toBe(415)
    expect(text.body.error.code).toBe('unsupported_media_type')
    expect((await call(`${base}/_health/`)).body).toBe('ok')
    expect(await eventCount(rio)).toBe(2)
    const payloads = (await rio.listEvents({ limit: 10 })).map((event) => event.payload)
    expect(payloads).toEqual(expect.arrayContaining([{ id: 1 }, { id: '2' }]))
  })

  it('turns an unexpected exception into a 500 JSON error and reports it on rio.events', async () => {
    const { rio, url } = await startApi()
    const errors: Error[] = []
    rio.events.on('error', (error) => errors.push(error))
    vi.spyOn(rio, 'listProjects').mockRejectedValue(new TypeError('secret internals'))
    const res = await call(`${url}/api/v1/projects`, { headers: admin })
    expect(res.status).toBe(500)
    expect(res.body).toEqual({ error: { code: 'internal_error', message: expect.any(String) } })
    expect(res.body.error.message).not.toContain('secret internals')
    expect(errors.map((e) => e.message)).toEqual(['secret internals'])
  })
})
