import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { basic, call, eventCount, raw, startApi, startLegacyApi } from './api-server.js'

const run = promisify(execFile)
const CURL = ['/usr/bin/curl', '/usr/local/bin/curl', '/bin/curl'].find((path) => existsSync(path))

describe('GET|POST /event/:project/emit/:event (the original route)', () => {
  it('answers like the 2016 server, after the event is stored', async () => {
    const { rio, url, authorization } = await startLegacyApi()
    const res = await call(`${url}/event/shop/emit/comment-published`, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/json' },
      body: JSON.stringify({ content: 'Spam', content_id: 1 }),
    })
    expect(res.status).toBe(200)
    expect(res.body).toEqual({
      event: { uuid: expect.any(String) },
      message: 'ok',
      task: { id: expect.any(String) },
    })
    const event = await rio.getEvent(res.body.event.uuid)
    expect(event).toMatchObject({
      project: 'shop',
      name: 'comment-published',
      payload: { content: 'Spam', content_id: 1 },
    })
  })

  it('takes the payload from form fields on POST and query parameters on GET, a repeated key its first value', async () => {
    const { rio, url, authorization } = await startLegacyApi()
    const form = 'application/x-www-form-urlencoded'
    // As Werkzeug's request.form.to_dict() / request.args.to_dict() gave them to the original server.
    const cases: Array<[string, RequestInit & { path?: string }, unknown]> = [
      [
        'form',
        {
          method: 'POST',
          headers: { authorization, 'content-type': form },
          body: 'content=hi+there&tag=a&tag=b&__proto__=x',
        },
        { content: 'hi there', tag: 'a', ['__proto__']: 'x' },
      ],
      [
        'query',
        { method: 'GET', headers: { authorization }, path: '?ip=127.0.0.1&n=1&tag=a&tag=b' },
        { ip: '127.0.0.1', n: '1', tag: 'a' },
      ],
      [
        'query on a POST',
        { method: 'POST', headers: { authorization, 'content-type': form }, body: 'a=1', path: '?q=2&a=3' },
        { a: '1' },
      ],
      ['query on an empty POST', { method: 'POST', headers: { authorization }, path: '?q=2' }, {}],
      ['empty POST', { method: 'POST', headers: { authorization } }, {}],
      ['empty JSON', { method: 'POST', headers: { authorization, 'content-type': 'application/json' } }, {}],
      ['empty GET', { method: 'GET', headers: { authorization } }, {}],
    ]
    for (const [what, init, payload] of cases) {
      const res = await call(`${url}/event/shop/emit/x${init.path ?? ''}`, init)
      expect(res.status, what).toBe(200)
      const event = await rio.getEvent(res.body.event.uuid)
      expect(JSON.stringify(event.payload), what).toBe(JSON.stringify(payload))
    }
    // fetch sends no body with a GET; the original read one only when it was JSON.
    const gets: Array<[string, string, string, unknown]> = [
      ['form body on a GET', form, 'f=1', { q: '1' }],
      ['text body on a GET', 'text/plain', 'hello', { q: '1' }],
      ['JSON on a GET', 'application/json', '{"j":1}', { j: 1 }],
    ]
    for (const [what, type, body, payload] of gets) {
      const res = await raw(
        url,
        `GET /event/shop/emit/x?q=1 HTTP/1.1\r\nHost: rio\r\nAuthorization: ${authorization}\r\nContent-Type: ${type}\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
      )
      expect(res.status, what).toBe(200)
      const event = await rio.getEvent(JSON.parse(res.body).event.uuid)
      expect(JSON.stringify(event.payload), what).toBe(JSON.stringify(payload))
    }
  })

  it('takes multipart form fields as the original did (curl -F), leaving files out', async () => {
    const { rio, url, authorization } = await startLegacyApi()
    const form = new FormData()
    form.append('content', 'hi there')
    form.append('tag', 'a')
    form.append('tag', 'b')
    form.append('attachment', new Blob(['file bytes'], { type: 'text/plain' }), 'notes.txt')
    const res = await call(`${url}/event/shop/emit/x?q=1`, {
      method: 'POST',
      headers: { authorization },
      body: form,
    })
    expect(res.status).toBe(200)
    const event = await rio.getEvent(res.body.event.uuid)
    expect(JSON.stringify(event.payload)).toBe(JSON.stringify({ content: 'hi there', tag: 'a' }))
    const broken = await call(`${url}/event/shop/emit/x`, {
      method: 'POST',
      headers: { authorization, 'content-type': 'multipart/form-data; boundary=x' },
      body: 'not multipart at all',
    })
    expect(broken.status).toBe(400)
    expect(broken.body).toEqual({ message: expect.stringContaining('multipart') })
    expect(await eventCount(rio)).toBe(1)
  })

  it('refuses a multipart body of more than 1000 parts with 413 before parsing it, and takes 1000', async () => {
    const { rio, url, authorization } = await startLegacyApi()
    const multipart = (parts: number, file: boolean) =>
      `${Array.from(
        { length: parts },
        (_, i) =>
          `--b\r\nContent-Disposition: form-data; name="f${i}"${file ? `; filename="f${i}.txt"` : ''}\r\n\r\nv${i}\r\n`,
      ).join('')}--b--\r\n`
    const post = (body: string) =>
      call(`${url}/event/shop/emit/x`, {
        method: 'POST',
        headers: { authorization, 'content-type': 'multipart/form-data; boundary="b"' },
        body,
      })
    // Tiny file parts were the costly ones: an object each, thrown away.
    for (const file of [true, false]) {
      const started = performance.now()
      const refused = await post(multipart(10_000, file))
      expect(refused.status).toBe(413)
      expect(refused.body.message).toMatch(/more than 1000 parts/)
      expect(performance.now() - started).toBeLessThan(1000)
    }
    // The boundary is read as the parser reads it: quoted and long, escaped, or after a decoy.
    const long = 'q'.repeat(90)
    const bypasses: Array<[contentType: string, boundary: string]> = [
      [`multipart/form-data; boundary="${long}"`, long],
      ['multipart/form-data; boundary="\\b"', 'b'],
      ['multipart/form-data; x=";boundary=zz"; boundary=b', 'b'],
    ]
    for (const [contentType, boundary] of bypasses) {
      const refused = await call(`${url}/event/shop/emit/x`, {
        method: 'POST',
        headers: { authorization, 'content-type': contentType },
        body: multipart(5000, true).replaceAll('--b', `--${boundary}`),
      })
      expect(refused.status, contentType).toBe(413)
    }
    const unbounded = await call(`${url}/event/shop/emit/x`, {
      method: 'POST',
      headers: { authorization, 'content-type': 'multipart/form-data' },
      body: multipart(2, false),
    })
    expect(unbounded.status).toBe(400)
    expect(unbounded.body.message).toMatch(/no boundary/)
    expect(await eventCount(rio)).toBe(0)
    const taken = await post(multipart(1000, false))
    expect(taken.status).toBe(200)
    const event = await rio.getEvent(taken.body.event.uuid)
    expect(Object.keys(event.payload as object)).toHaveLength(1000)
  })

  it('answers as the original Flask jsonify wrote JSON, so scripts that grep the answer keep matching', async () => {
    const { url, authorization } = await startLegacyApi()
    const ok = await fetch(`${url}/event/shop/emit/x`, { method: 'POST', headers: { authorization } })
    expect(ok.headers.get('content-type')).toBe('application/json')
    const text = await ok.text()
    const { uuid } = JSON.parse(text).event
    expect(text).toBe(
      `{\n  "event": {\n    "uuid": "${uuid}"\n  }, \n  "message": "ok", \n  "task": {\n    "id": "${uuid}"\n  }\n}\n`,
    )
    const xhr = await fetch(`${url}/event/shop/emit/x`, {
      method: 'POST',
      headers: { authorization, 'x-requested-with': 'XMLHttpRequest' },
    })
    const compact = await xhr.text()
    const id = JSON.parse(compact).event.uuid
    expect(compact).toBe(`{"event":{"uuid":"${id}"},"message":"ok","task":{"id":"${id}"}}\n`)
    const denied = await fetch(`${url}/event/shop/emit/x`, { method: 'POST' })
    expect(denied.headers.get('content-type')).toBe('application/json')
    expect(await denied.text()).toBe('{\n  "message": "unauthorized"\n}\n')
    // Non-ASCII escaped, as Python's json.dumps did by default.
    const name = await fetch(`${url}/event/shop/emit/caf%C3%A9`, {
      method: 'POST',
      headers: { authorization },
    })
    expect(name.status).toBe(400)
    expect(await name.text()).toMatch(
      /^\{\n {2}"message": "invalid event name \\"caf\\u00e9\\"[^\u0080-\uffff]*"\n\}\n$/,
    )
  })

  it('uses X-Rio-Event-UUID as the event id, and a repeat of it is a retry that writes nothing', async () => {
    const { rio, url, authorization } = await startLegacyApi()
    const uuid = '6F9619FF-8B86-4011-B42D-00C04FC964FF'
    const send = () =>
      call(`${url}/event/shop/emit/x`, {
        method: 'POST',
        headers: { authorization, 'x-rio-event-uuid': uuid },
      })
    const first = await send()
    expect(first.body.event.uuid).toBe(uuid.toLowerCase())
    const again = await send()
    expect(again.status).toBe(200)
    expect(again.body.event.uuid).toBe(uuid.toLowerCase())
    expect(await eventCount(rio)).toBe(1)
    const other = await call(`${url}/event/shop/emit/y`, {
      method: 'POST',
      headers: { authorization, 'x-rio-event-uuid': uuid },
    })
    expect(other.status).toBe(409)
    expect(other.body).toEqual({ message: expect.stringContaining('already exists') })
  })

  it('formats a 128-bit X-B3-TraceId as the event id, and falls back to a fresh id when it is taken or invalid', async () => {
    const { rio, url, authorization } = await startLegacyApi()
    const trace = '463ac35c9f6413ad48485a3953bb6124'
    const send = (name: string, traceId: string) =>
      call(`${url}/event/shop/emit/${name}`, {
        method: 'POST',
        headers: { authorization, 'x-b3-traceid': traceId },
      })
    const first = await send('a', trace)
    expect(first.body.event.uuid).toBe('463ac35c-9f64-13ad-4848-5a3953bb6124')
    // Every event of a trace carries the same trace id.
    const second = await send('b', trace)
    expect(second.status).toBe(200)
    expect(second.body.event.uuid).not.toBe(first.body.event.uuid)
    const short = await send('c', '463ac35c9f6413ad')
    expect(short.status).toBe(200)
    expect(short.body.event.uuid).toMatch(/^[0-9a-f-]{36}$/)
    expect(await eventCount(rio)).toBe(3)
  })

  it('answers each failure with the original message and writes nothing', async () => {
    const { rio, url, authorization } = await startLegacyApi()
    await rio.createProject('other')
    const cases: Array<[string, string, Record<string, string>, number, string]> = [
      ['no credentials', '/event/shop/emit/x', {}, 401, 'unauthorized'],
      ['malformed credentials', '/event/shop/emit/x', { authorization: 'Basic %%%' }, 401, 'unauthorized'],
      [
        'bad secret',
        '/event/shop/emit/x',
        { authorization: basic('legacy', 'nope-nope') },
        401,
        'wrong token',
      ],
      [
        'unknown sender',
        '/event/shop/emit/x',
        { authorization: basic('ghost', 'legacy-secret') },
        401,
        'wrong token',
      ],
      ['unknown project', '/event/nowhere/emit/x', { authorization }, 404, 'not found'],
      // The original asked for credentials before it looked the project up.
      ['unknown project, no credentials', '/event/nowhere/emit/x', {}, 401, 'unauthorized'],
      ['bad project, no credentials', '/event/%2e%2e%2fshop/emit/x', {}, 401, 'unauthorized'],
      [
        'unknown project, malformed credentials',
        '/event/nowhere/emit/x',
        { authorization: 'Basic %%%' },
        401,
        'unauthorized',
      ],
      ['traversal project', '/event/%2e%2e%2fshop/emit/x', { authorization }, 404, 'not found'],
      ['other project', '/event/other/emit/x', { authorization }, 403, 'forbidden'],
    ]
    for (const [what, path, headers, status, message] of cases) {
      const res = await call(`${url}${path}`, { method: 'POST', headers })
      expect(res.status, what).toBe(status)
      expect(res.body, what).toEqual({ message })
    }
    const badName = await call(`${url}/event/shop/emit/bad%20name`, {
      method: 'POST',
      headers: { authorization },
    })
    expect(badName.status).toBe(400)
    expect(badName.body).toEqual({ message: expect.stringContaining('invalid event name') })
    // A body Rio cannot read is refused, where the original stored {} and dropped it.
    const text = await call(`${url}/event/shop/emit/x`, {
      method: 'POST',
      headers: { authorization, 'content-type': 'text/plain' },
      body: 'deploy finished',
    })
    expect(text.status).toBe(415)
    // GET writes on this route, so HEAD must not.
    const head = await call(`${url}/event/shop/emit/x`, { method: 'HEAD', headers: { authorization } })
    expect(head.status).toBe(405)
    expect(text.body).toEqual({ message: expect.stringContaining('unsupported media type') })
    expect(await eventCount(rio)).toBe(0)
  })

  it('answers a bad path and another method in the original shape, keeping status and Allow', async () => {
    const { rio, url, authorization } = await startLegacyApi()
    const badPath = await call(`${url}/event/shop/emit/%zz`, { method: 'POST', headers: { authorization } })
    expect(badPath.status).toBe(400)
    expect(badPath.body).toEqual({ message: expect.stringContaining('not valid percent-encoding') })
    const badProject = await call(`${url}/event/%E0%A4%A/emit/x`, {
      method: 'GET',
      headers: { authorization },
    })
    expect(badProject.status).toBe(400)
    expect(badProject.body).toEqual({ message: expect.stringContaining('not valid percent-encoding') })
    const put = await call(`${url}/event/shop/emit/x`, { method: 'PUT', headers: { authorization } })
    expect(put.status).toBe(405)
    expect(put.headers.get('allow')).toBe('GET, POST')
    expect(put.body).toEqual({ message: 'PUT is not allowed here; use GET, POST' })
    // The API's own routes keep their shape.
    const api = await call(`${url}/api/v1/projects/%zz/events`, {
      method: 'POST',
      headers: { authorization },
    })
    expect(api.status).toBe(400)
    expect(api.body.error.code).toBe('invalid_request')
    expect(await eventCount(rio)).toBe(0)
  })

  it('runs the original docs example as written', async () => {
    const { rio, url } = await startApi()
    await rio.createSender('example', 'example', { secret: 'example' })
    const { port } = new URL(url)
    let body: string
    if (CURL) {
      const { stdout } = await run(CURL, [
        '-s',
        `http://example:example@127.0.0.1:${port}/event/example/emit/example`,
        '-X',
        'POST',
      ])
      body = stdout
    } else {
      const res = await call(`http://127.0.0.1:${port}/event/example/emit/example`, {
        method: 'POST',
        headers: { authorization: basic('example', 'example') },
      })
      body = JSON.stringify(res.body)
    }
    const answer = JSON.parse(body)
    expect(answer).toMatchObject({ message: 'ok', event: { uuid: expect.any(String) } })
    expect(await rio.getEvent(answer.event.uuid)).toMatchObject({
      project: 'example',
      name: 'example',
      payload: {},
    })
  })
})
