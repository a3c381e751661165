import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { basic, call, eventCount, startApi, withSender } from './api-server.js'

const run = promisify(execFile)
const CURL = ['/usr/bin/curl', '/usr/local/bin/curl', '/bin/curl'].find((path) => existsSync(path))

async function legacyApi() {
  const { rio, url } = await startApi()
  const sender = await withSender(rio, 'shop', 'legacy', 'legacy-secret')
  return { rio, url, authorization: sender.authorization }
}

describe('GET|POST /event/:project/emit/:event (the original route)', () => {
  it('answers like the 2016 server, after the event is stored', async () => {
    const { rio, url, authorization } = await legacyApi()
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

  it('takes the payload from form fields, query parameters, or nothing', async () => {
    const { rio, url, authorization } = await legacyApi()
    const cases: Array<[string, RequestInit & { path?: string }, unknown]> = [
      [
        'form',
        {
          method: 'POST',
          headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' },
          body: 'content=hi+there&tag=a&tag=b&__proto__=x',
        },
        { content: 'hi there', tag: ['a', 'b'], ['__proto__']: 'x' },
      ],
      [
        'query',
        { method: 'GET', headers: { authorization }, path: '?ip=127.0.0.1&n=1' },
        { ip: '127.0.0.1', n: '1' },
      ],
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
  })

  it('uses X-Rio-Event-UUID as the event id, and a repeat of it is a retry that writes nothing', async () => {
    const { rio, url, authorization } = await legacyApi()
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
    const { rio, url, authorization } = await legacyApi()
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
    const { rio, url, authorization } = await legacyApi()
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
    const multipart = await call(`${url}/event/shop/emit/x`, {
      method: 'POST',
      headers: { authorization },
      body: (() => {
        const form = new FormData()
        form.set('a', 'b')
        return form
      })(),
    })
    expect(multipart.status).toBe(415)
    // GET writes on this route, so HEAD must not.
    const head = await call(`${url}/event/shop/emit/x`, { method: 'HEAD', headers: { authorization } })
    expect(head.status).toBe(405)
    expect(multipart.body).toEqual({ message: expect.stringContaining('unsupported media type') })
    expect(await eventCount(rio)).toBe(0)
  })

  it('answers a bad path and another method in the original shape, keeping status and Allow', async () => {
    const { rio, url, authorization } = await legacyApi()
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
