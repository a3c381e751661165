import { describe, expect, it } from 'vitest'
import { admin, call, eventCount, postJson, raw, startApi, withSender } from './api-server.js'

describe('request validation', () => {
  it('answers every refused emit with the error shape and a field path, writing nothing', async () => {
    const { rio, url } = await startApi({ api: { maxBatchSize: 2 } })
    const { authorization } = await withSender(rio)
    const target = `${url}/api/v1/projects/shop/events`
    const cases: Array<[string, unknown, number, string, string | undefined]> = [
      ['no name', { payload: {} }, 400, 'invalid_request', 'name'],
      ['bad name', { name: 'has space', payload: {} }, 400, 'invalid_request', 'name'],
      ['name not a string', { name: 42 }, 400, 'invalid_request', 'name'],
      ['empty idempotency key', { name: 'x', idempotencyKey: '' }, 400, 'invalid_request', 'idempotencyKey'],
      ['array body', [1, 2], 400, 'invalid_request', ''],
      ['string body', 'hello', 400, 'invalid_request', ''],
      ['empty batch', { events: [] }, 400, 'invalid_request', 'events'],
      [
        'batch too big',
        { events: [{ name: 'a' }, { name: 'b' }, { name: 'c' }] },
        400,
        'invalid_request',
        'events',
      ],
      [
        'bad batch item',
        { events: [{ name: 'a' }, { name: '../etc' }] },
        400,
        'invalid_request',
        'events.1.name',
      ],
    ]
    for (const [what, body, status, code, path] of cases) {
      const res = await postJson(target, body, { authorization })
      expect(res.status, what).toBe(status)
      expect(res.body.error.code, what).toBe(code)
      expect(typeof res.body.error.message, what).toBe('string')
      expect(
        res.body.error.issues.map((i: { path: string }) => i.path),
        what,
      ).toContain(path)
    }
    expect(await eventCount(rio)).toBe(0)
  })

  it('answers 400 for malformed JSON, invalid UTF-8 and nesting deeper than 64', async () => {
    const { rio, url } = await startApi()
    const { authorization } = await withSender(rio)
    const target = `${url}/api/v1/projects/shop/events`
    const bodies: Array<[string, RequestInit['body']]> = [
      ['truncated', '{"name": "x", '],
      ['invalid utf-8', Buffer.from([0x7b, 0x22, 0x6e, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d])],
      ['deep', `{"name":"x","payload":${'['.repeat(100)}${']'.repeat(100)}}`],
      ['very deep', '['.repeat(200_000)],
    ]
    for (const [what, body] of bodies) {
      const res = await call(target, {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/json' },
        body,
      })
      expect(res.status, what).toBe(400)
      expect(res.body.error.code, what).toBe('malformed_json')
    }
    const ok = await postJson(
      target,
      { name: 'x', payload: { nested: JSON.parse(`${'['.repeat(60)}${']'.repeat(60)}`), text: 'héllo ✓' } },
      { authorization },
    )
    expect(ok.status).toBe(202)
    expect(await eventCount(rio)).toBe(1)
    // The one strict decoder all requests share still decodes after refusing invalid UTF-8.
    const [event] = await rio.listEvents()
    expect((event!.payload as { text: string }).text).toBe('héllo ✓')
  })

  it('answers 413 for a body over maxBodyBytes and for a payload over maxPayloadBytes', async () => {
    const { rio, url } = await startApi({ rio: { maxPayloadBytes: 1000 }, api: { maxBodyBytes: 10_000 } })
    const { authorization } = await withSender(rio)
    const target = `${url}/api/v1/projects/shop/events`
    const body = await postJson(target, { name: 'x', payload: 'y'.repeat(20_000) }, { authorization })
    expect(body.status).toBe(413)
    expect(body.body.error.code).toBe('body_too_large')
    // The same, streamed without a Content-Length.
    const chunked = await call(target, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/json' },
      body: new Blob([JSON.stringify({ name: 'x', payload: 'y'.repeat(50_000) })]).stream(),
      duplex: 'half',
    } as RequestInit)
    expect(chunked.status).toBe(413)
    const payload = await postJson(target, { name: 'x', payload: 'y'.repeat(2000) }, { authorization })
    expect(payload.status).toBe(413)
    expect(payload.body.error.code).toBe('payload_too_large')
    expect(await eventCount(rio)).toBe(0)
    // The server is still fine afterwards.
    expect((await postJson(target, { name: 'x' }, { authorization })).status).toBe(202)
  })

  it('answers 415 for a body that is not JSON', async () => {
    const { rio, url } = await startApi()
    const { authorization } = await withSender(rio)
    for (const type of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'application/json; charset=latin1',
    ]) {
      const res = await call(`${url}/api/v1/projects/shop/events`, {
        method: 'POST',
        headers: { authorization, 'content-type': type },
        body: '{"name":"x"}',
      })
      expect(res.status, type).toBe(415)
      expect(res.body.error.code).toBe('unsupported_media_type')
    }
    expect(await eventCount(rio)).toBe(0)
  })

  it('answers 404 for unknown routes and 405 with Allow for a wrong method', async () => {
    const { url } = await startApi()
    const missing = await call(`${url}/api/v2/nothing`)
    expect(missing.status).toBe(404)
    expect(missing.body.error.code).toBe('route_not_found')
    const wrong = await call(`${url}/api/v1/projects/shop/events`, { method: 'PUT', body: '{}' })
    expect(wrong.status).toBe(405)
    expect(wrong.body.error.code).toBe('method_not_allowed')
    expect(wrong.headers.get('allow')).toBe('POST')
    const handler = await call(`${url}/api/v1/handlers/0190f6a4-0000-7000-8000-000000000000`, {
      method: 'PUT',
    })
    expect(handler.headers.get('allow')).toBe('DELETE, GET, HEAD, PATCH')
  })

  it('never lets an encoded path segment escape its parameter', async () => {
    const { rio, url } = await startApi()
    const { authorization } = await withSender(rio)
    const body = '{"name":"x"}'
    // Raw requests: fetch would normalise %2e%2e away before sending.
    for (const project of [
      '%2e%2e',
      '..%2Fshop',
      'shop%2F..',
      '%2E%2E%2F%2E%2E',
      'sh%00op',
      '%E0%A4%A',
      '..',
    ]) {
      const res = await raw(
        url,
        `POST /api/v1/projects/${project}/events HTTP/1.1\r\nHost: x\r\nAuthorization: ${authorization}\r\n` +
          `Content-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
      )
      expect([400, 404], project).toContain(res.status)
      expect(JSON.parse(res.body).error.code, project).toMatch(
        /^(not_found|route_not_found|invalid_request)$/,
      )
    }
    const handler = await raw(
      url,
      `GET /api/v1/handlers/%2e%2e%2fprojects HTTP/1.1\r\nHost: x\r\nAuthorization: ${admin.authorization}\r\nConnection: close\r\n\r\n`,
    )
    expect(handler.status).toBe(404)
    const dots = await raw(
      url,
      'GET /api/v1/projects/../../health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    )
    expect(dots.status).toBe(404)
    expect(await eventCount(rio)).toBe(0)
  })

  it('keeps __proto__ a plain key and never pollutes Object.prototype', async () => {
    const { rio, url } = await startApi()
    const { authorization } = await withSender(rio)
    const res = await call(`${url}/api/v1/projects/shop/events`, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/json' },
      body: '{"name":"x","payload":{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}}',
    })
    expect(res.status).toBe(202)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    const event = await rio.getEvent(res.body.id)
    expect(Object.keys(event.payload as object)).toEqual(['__proto__', 'constructor'])
    // Beside the event's fields it is an unknown field like any other: refused, nothing polluted.
    const top = await call(`${url}/api/v1/projects/shop/events`, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/json' },
      body: '{"name":"x","payload":1,"__proto__":{"polluted":true}}',
    })
    expect(top.status).toBe(400)
    expect(top.body.error.issues[0].message).toContain('__proto__')
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  it('answers 400 with a clear message for absurd pagination and filters', async () => {
    const { url } = await startApi()
    for (const query of [
      'limit=-1',
      'limit=0',
      'limit=1e9',
      'limit=1000000000',
      'limit=abc',
      'limit=1.5',
      'before=abc',
      'status=lost',
      'since=yesterday',
      'since=2024-02-30T00:00:00Z',
      'handlerId=x',
    ]) {
      const res = await call(`${url}/api/v1/deliveries?${query}`, { headers: admin })
      expect(res.status, query).toBe(400)
      expect(res.body.error.code).toBe('invalid_request')
      expect(res.body.error.issues.length, query).toBeGreaterThan(0)
    }
    const events = await call(`${url}/api/v1/events?limit=5000`, { headers: admin })
    expect(events.status).toBe(400)
    expect(events.body.error.message).toContain('limit is at most 1000')
  })

  it('refuses header injection in names and never reflects request headers', async () => {
    const { rio, url } = await startApi()
    const { authorization } = await withSender(rio)
    const res = await postJson(
      `${url}/api/v1/projects/shop/events`,
      { name: 'x\r\nSet-Cookie: a=b' },
      { authorization },
    )
    expect(res.status).toBe(400)
    expect(res.headers.get('set-cookie')).toBeNull()
    const handler = await postJson(
      `${url}/api/v1/projects/shop/handlers`,
      { pattern: 'x', url: 'http://127.0.0.1:9/', headers: { 'x-a': 'b\r\nx-evil: 1' } },
      admin,
    )
    expect(handler.status).toBe(400)
    expect(handler.body.error.issues.length).toBeGreaterThan(0)
  })
})
