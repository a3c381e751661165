import { request } from 'node:http'
import { describe, expect, it } from 'vitest'
import type { Rio } from '../../packages/core/src/index.js'
import { admin, startApi, withSender } from '../../packages/core/test/http/api-server.js'

/** Row counts of every table, to prove a rejected request wrote nothing. */
function counts(rio: Rio): Record<string, number> {
  const db = rio.db!
  return Object.fromEntries(
    ['projects', 'senders', 'events', 'handlers', 'deliveries', 'attempts'].map((t) => [
      t,
      (db.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n,
    ]),
  )
}

/** A raw request, so bodies and paths reach the server byte for byte (fetch would normalise them). */
function raw(
  url: string,
  options: { method?: string; path: string; headers?: Record<string, string>; body?: Buffer | string },
): Promise<{ status: number; body: string; contentType: string | undefined }> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve, reject) => {
    const req = request(
      { hostname, port, method: options.method ?? 'POST', path: options.path, headers: options.headers },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString(),
            contentType: res.headers['content-type'],
          }),
        )
      },
    )
    req.on('error', reject)
    req.end(options.body)
  })
}

describe('hostile input to the HTTP API', () => {
  it('answers every malformed request with a clear 4xx JSON error, stays up, and writes nothing', async () => {
    const { rio, url } = await startApi()
    const sender = await withSender(rio)
    const emit = `/api/v1/projects/${sender.project}/events`
    const json = { 'content-type': 'application/json', authorization: sender.authorization }
    let deep = '1'
    for (let i = 0; i < 10_000; i++) deep = `[${deep}]`
    const cases: Array<{
      what: string
      path: string
      method?: string
      headers?: Record<string, string>
      body?: Buffer | string
    }> = [
      { what: 'malformed JSON', path: emit, headers: json, body: '{"name": "x", payload' },
      { what: 'JSON that is not an object', path: emit, headers: json, body: '"just a string"' },
      {
        what: 'a name of the wrong type',
        path: emit,
        headers: json,
        body: JSON.stringify({ name: 42, payload: {} }),
      },
      {
        what: 'a name with a CR LF (header injection)',
        path: emit,
        headers: json,
        body: JSON.stringify({ name: 'x\r\nSet-Cookie: a=b', payload: {} }),
      },
      { what: 'nesting 10 000 deep', path: emit, headers: json, body: `{"name":"x","payload":${deep}}` },
      {
        what: 'a 3 MB body',
        path: emit,
        headers: json,
        body: JSON.stringify({ name: 'x', payload: 'x'.repeat(3 * 1024 * 1024) }),
      },
      {
        what: 'invalid UTF-8',
        path: emit,
        headers: json,
        body: Buffer.from([0x7b, 0x22, 0x6e, 0x22, 0x3a, 0xff, 0xfe, 0x7d]),
      },
      {
        what: 'a batch over the limit',
        path: emit,
        headers: json,
        body: JSON.stringify({ events: Array.from({ length: 1001 }, () => ({ name: 'x', payload: 1 })) }),
      },
      { what: 'an empty batch', path: emit, headers: json, body: JSON.stringify({ events: [] }) },
      {
        what: 'a non-JSON content type',
        path: emit,
        headers: { ...json, 'content-type': 'text/xml' },
        body: '<x/>',
      },
      {
        what: 'path traversal in the project',
        path: '/api/v1/projects/..%2F..%2Fetc/events',
        headers: json,
        body: '{"name":"x","payload":1}',
      },
      {
        what: 'path traversal in a handler id',
        method: 'GET',
        path: '/api/v1/handlers/..%2F..%2Fetc%2Fpasswd',
        headers: admin,
      },
      { what: 'a negative limit', method: 'GET', path: '/api/v1/deliveries?limit=-1', headers: admin },
      { what: 'a huge limit', method: 'GET', path: '/api/v1/deliveries?limit=1e9', headers: admin },
      { what: 'a non-numeric limit', method: 'GET', path: '/api/v1/events?limit=abc', headers: admin },
      {
        what: 'SQL in a cursor',
        method: 'GET',
        path: '/api/v1/deliveries?before=1%20OR%201%3D1--',
        headers: admin,
      },
      {
        what: 'a bad date filter',
        method: 'GET',
        path: '/api/v1/events?since=yesterday-ish',
        headers: admin,
      },
      {
        what: 'the legacy route with a bad event name',
        method: 'POST',
        path: '/event/shop/emit/bad%20name',
        headers: { authorization: sender.authorization },
      },
    ]
    const before = counts(rio)
    for (const c of cases) {
      const res = await raw(url, c)
      expect(res.status, `${c.what}: ${res.body.slice(0, 200)}`).toBeGreaterThanOrEqual(400)
      expect(res.status, c.what).toBeLessThan(500)
      expect(res.contentType, c.what).toMatch(/^application\/json/)
      const body = JSON.parse(res.body)
      const message = body.error?.message ?? body.message
      expect(typeof message, c.what).toBe('string')
      expect(message.length, c.what).toBeGreaterThan(3)
    }
    expect(counts(rio)).toEqual(before)
    const health = await raw(url, { method: 'GET', path: '/_health/' })
    expect(health.status).toBe(200)
  })

  it('never lets a __proto__ key pollute prototypes and stores it as plain data', async () => {
    const { rio, url } = await startApi()
    const sender = await withSender(rio)
    const res = await raw(url, {
      path: `/api/v1/projects/${sender.project}/events`,
      headers: { 'content-type': 'application/json', authorization: sender.authorization },
      body: '{"name":"x","payload":{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}}',
    })
    expect(res.status).toBe(202)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    const event = await rio.getEvent(JSON.parse(res.body).id)
    expect(JSON.stringify(event.payload)).toContain('__proto__')
  })
})
