import { describe, expect, it } from 'vitest'
import { call, eventCount, raw, startApi, startLegacyApi } from './api-server.js'

describe('the original route reads text in the charset the request names', () => {
  it('reads a urlencoded form in the charset its Content-Type names, UTF-8 when none', async () => {
    const { rio, url, authorization } = await startLegacyApi()
    const post = async (contentType: string, body: Buffer | string) => {
      const res = await call(`${url}/event/shop/emit/form`, {
        method: 'POST',
        headers: { authorization, 'content-type': contentType },
        body,
      })
      expect(res.status, JSON.stringify(res.body)).toBe(200)
      return (await rio.getEvent(res.body.event.uuid)).payload
    }
    const form = 'application/x-www-form-urlencoded'
    // Escaped and raw Latin-1 bytes, "+" and "%20" as spaces, a repeated key its first value.
    expect(await post(`${form}; charset=ISO-8859-1`, 'name=caf%E9&note=x+y%20z&name=2')).toEqual({
      name: 'café',
      note: 'x y z',
    })
    expect(
      await post(`${form}; charset="iso-8859-1"`, Buffer.from('name=caf\xe9+cr%E8me', 'latin1')),
    ).toEqual({
      name: 'café crème',
    })
    // Every Latin-1 label is windows-1252 (WHATWG Encoding): 0x80 is the euro sign, not a C1 control.
    expect(await post(`${form}; charset=windows-1252`, 'price=%8010&q=%93hi%94')).toEqual({
      price: '€10',
      q: '“hi”',
    })
    expect(await post(`${form}; charset=latin1`, 'price=%80%81')).toEqual({ price: '€\u0081' })
    expect(await post(`${form}; charset=shift_jis`, 'k=%82%A0')).toEqual({ k: 'あ' })
    expect(await post(`${form}; charset=utf-8`, 'name=caf%C3%A9')).toEqual({ name: 'café' })
    expect(await post(form, 'name=caf%C3%A9&%E2%80%AE=rlo')).toEqual({ name: 'café', '\u202e': 'rlo' })
    // As the original's Werkzeug: what is not text in the charset becomes U+FFFD, the rest is kept.
    expect(await post(form, 'bad=caf%E9&tail=%E0%A4%A')).toEqual({ bad: 'caf\ufffd', tail: '\ufffd%A' })
  })

  it('refuses a form in a charset it does not know, or in UTF-16, with 415 and writes nothing', async () => {
    const { rio, url, authorization } = await startLegacyApi()
    for (const charset of ['klingon', 'utf-16le', 'iso-2022-kr', `${'x'.repeat(500)}`]) {
      const res = await call(`${url}/event/shop/emit/form`, {
        method: 'POST',
        headers: { authorization, 'content-type': `application/x-www-form-urlencoded; charset=${charset}` },
        body: 'a=1',
      })
      expect(res.status, charset).toBe(415)
      expect(res.body.message).toMatch(/^unsupported charset ".{1,40}": send the body in UTF-8/)
    }
    expect(await eventCount(rio)).toBe(0)
  })

  it('reads a JSON body in the charset its Content-Type names, as Flask did, and refuses bytes that are not', async () => {
    const { rio, url, authorization } = await startLegacyApi()
    const post = (contentType: string, body: Buffer) =>
      call(`${url}/event/shop/emit/json`, {
        method: 'POST',
        headers: { authorization, 'content-type': contentType },
        body,
      })
    const latin1 = await post(
      'application/json; charset=iso-8859-1',
      Buffer.from('{"name":"caf\xe9"}', 'latin1'),
    )
    expect(latin1.status).toBe(200)
    expect((await rio.getEvent(latin1.body.event.uuid)).payload).toEqual({ name: 'café' })
    const utf16 = await post('application/json; charset=utf-16le', Buffer.from('{"name":"漢字"}', 'utf16le'))
    expect(utf16.status).toBe(200)
    expect((await rio.getEvent(utf16.body.event.uuid)).payload).toEqual({ name: '漢字' })
    const bad = await post('application/json', Buffer.from('{"name":"caf\xe9"}', 'latin1'))
    expect(bad.status).toBe(400)
    expect(bad.body).toEqual({ message: 'the request body is not valid UTF-8' })
    expect(await eventCount(rio)).toBe(2)
  })

  it('answers percent-encoded path segments with a clean 400 or 404, never another match', async () => {
    const { rio, url, authorization } = await startLegacyApi()
    const get = (path: string) =>
      raw(
        url,
        `GET ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: ${authorization}\r\nConnection: close\r\n\r\n`,
      )
    const cases: Array<[string, number, RegExp]> = [
      ['/event/shop/emit/a%2Fb', 400, /invalid event name \\"a\/b\\"/],
      ['/event/shop/emit/a%00b', 400, /invalid event name \\"a\\\\u0000b\\"/],
      ['/event/shop/emit/%E0%A4%A', 400, /is not valid percent-encoding/],
      // Overlong UTF-8 for "." and "/": not UTF-8 at all, so not a way to a dot segment.
      ['/event/shop/emit/%C0%AE%C0%AE', 400, /is not valid percent-encoding/],
      ['/event/shop/emit/%C0%AF', 400, /is not valid percent-encoding/],
      ['/event/shop/emit/caf%C3%A9', 400, /invalid event name \\"caf\\u00e9\\"/],
      ['/event/shop/emit/e%CC%81', 400, /invalid event name \\"e\\u0301\\"/],
      ['/event/sh%00op/emit/x', 404, /"not found"/],
      ['/event/%E2%80%AEshop/emit/x', 404, /"not found"/],
      ['/event/shop%2F..%2Fother/emit/x', 404, /"not found"/],
      ['/event/%73hop/emit/percent-decoded', 200, /"ok"/],
    ]
    for (const [path, status, body] of cases) {
      const res = await get(path)
      expect(res.status, path).toBe(status)
      expect(res.body, path).toMatch(body)
    }
    expect(await eventCount(rio)).toBe(1)
  })

  it('quotes a bad event name in its error cut to 100 characters, however long the path', async () => {
    const { url, authorization } = await startLegacyApi()
    const res = await call(`${url}/event/shop/emit/${'é'.repeat(1500)}`, { headers: { authorization } })
    expect(res.status).toBe(400)
    expect(res.body.message.length).toBeLessThan(400)
    expect(res.body.message).toMatch(/^invalid event name "é{100}"… \(1500 characters\): /)
  })
})

describe('the API answers hostile path segments cleanly', () => {
  it('answers bad percent-encoding with 400 and a name no project can have with 404', async () => {
    const { url } = await startApi()
    const admin = { authorization: 'Bearer test-admin-token-0123456789abcdef' }
    for (const [segment, status] of [
      ['%E0%A4%A', 400],
      ['%C0%AE', 400],
      ['%ED%A0%80', 400], // an encoded lone surrogate
      ['a%00b', 404],
      ['a%2F..%2Fb', 404],
      ['caf%C3%A9', 404],
      ['%E2%80%AEx', 404],
    ] as const) {
      const res = await call(`${url}/api/v1/projects/${segment}/handlers`, { headers: admin })
      expect(res.status, segment).toBe(status)
      expect(res.body.error.code, segment).toBe(status === 400 ? 'invalid_request' : 'not_found')
    }
  })
})
