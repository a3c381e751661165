import { describe, expect, it } from 'vitest'
import { type Receiver, startReceiver } from '../../../../test/support/receiver.js'
import { type Rio, SqliteStore } from '../../src/index.js'
import { onCleanup, waitUntil } from '../helpers.js'
import { call, eventCount, startApi, withSender } from './api-server.js'

const BIG = '1234567890123456789'

/** The payload as stored: the text webhooks are sent. */
function storedText(rio: Rio, id: string): string {
  const store = rio.store as SqliteStore
  expect(store).toBeInstanceOf(SqliteStore)
  return store.db.prepare('SELECT payload FROM events WHERE id = ?').pluck().get(id) as string
}

async function api() {
  const { rio, url } = await startApi()
  const sender = await withSender(rio)
  const post = (path: string, body: string, headers: Record<string, string> = {}) =>
    call(`${url}${path}`, {
      method: 'POST',
      headers: { authorization: sender.authorization, 'content-type': 'application/json', ...headers },
      body,
    })
  const emit = (body: string, headers?: Record<string, string>) =>
    post('/api/v1/projects/shop/events', body, headers)
  return { rio, url, post, emit }
}

describe('payload numbers over HTTP', () => {
  it('stores each number as sent when JSON.stringify would write it differently', async () => {
    const { rio, emit } = await api()
    const cases: Array<[payload: string, stored: string]> = [
      [`{"id": ${BIG}}`, `{"id":${BIG}}`],
      ['{"price": 1.0}', '{"price":1.0}'],
      ['{"n": 1e2, "m": 2.5E-3}', '{"n":1e2,"m":2.5E-3}'],
      ['{"z": -0}', '{"z":-0}'],
      ['{"tiny": 0.0000001}', '{"tiny":0.0000001}'],
      [`{"a": {"b": [1, [${BIG}, 2.50]]}}`, `{"a":{"b":[1,[${BIG},2.50]]}}`],
      [`[ ${BIG} , true , null ]`, `[${BIG},true,null]`],
      [BIG, BIG],
    ]
    for (const [payload, stored] of cases) {
      const res = await emit(`{"name": "x", "payload": ${payload}}`)
      expect(res.status, payload).toBe(202)
      expect(storedText(rio, res.body.id), payload).toBe(stored)
    }
  })

  it('keeps JSON.stringify for payloads whose numbers all read back, big ones inside strings too', async () => {
    const { rio, emit } = await api()
    const cases: Array<[payload: string, stored: string]> = [
      [`{"id": "${BIG}", "n": 1.5}`, `{"id":"${BIG}","n":1.5}`],
      ['{ "e": "1e2 \\u00e9", "at": ": 1.0" }', '{"e":"1e2 é","at":": 1.0"}'],
      [
        '{"max": 123456789012345, "neg": -0.5, "small": 0.000001}',
        '{"max":123456789012345,"neg":-0.5,"small":0.000001}',
      ],
    ]
    for (const [payload, stored] of cases) {
      const res = await emit(`{"name": "x", "payload": ${payload}}`)
      expect(res.status, payload).toBe(202)
      expect(storedText(rio, res.body.id), payload).toBe(stored)
    }
  })

  it('drops the whitespace of a pretty-printed body and keeps strings with escapes byte for byte', async () => {
    const { rio, emit } = await api()
    const payload = `{\n  "before": "a\\"b\\\\u00e9",\n\t"id": ${BIG},\r\n  "after": [ "x y", "\\u00e9\\n" ]\n}`
    const res = await emit(`{\n  "name": "x",\n  "payload": ${payload}\n}\n`)
    expect(res.status).toBe(202)
    expect(storedText(rio, res.body.id)).toBe(
      `{"before":"a\\"b\\\\u00e9","id":${BIG},"after":["x y","\\u00e9\\n"]}`,
    )
    expect((await rio.getEvent(res.body.id)).payload).toEqual({
      before: 'a"b\\u00e9',
      id: Number(BIG),
      after: ['x y', 'é\n'],
    })
  })

  it('takes the last payload of a body that repeats the key, as JSON.parse does', async () => {
    const { rio, emit } = await api()
    const res = await emit(`{"payload": {"old": 1.0}, "name": "x", "payl\\u006fad": {"id": ${BIG}}}`)
    expect(res.status).toBe(202)
    expect(storedText(rio, res.body.id)).toBe(`{"id":${BIG}}`)
  })

  it('keeps only the affected events of a batch as sent', async () => {
    const { rio, emit } = await api()
    const res = await emit(
      `{"events": [
        {"name": "a", "payload": {"n": 1.50, "s": "${BIG}"}},
        {"payload": {"id": ${BIG}}, "name": "b"},
        {"name": "c"},
        {"name": "d", "payload": { "n" : 2 }}
      ]}`,
    )
    expect(res.status).toBe(202)
    expect(res.body.ids.map((id: string) => storedText(rio, id))).toEqual([
      `{"n":1.50,"s":"${BIG}"}`,
      `{"id":${BIG}}`,
      'null',
      '{"n":2}',
    ])
  })

  it('refuses a number beyond a 64-bit float (JSON.parse reads Infinity) with 422, as rio.emit() does, storing nothing', async () => {
    const { rio, emit, post } = await api()
    const huge = `1${'0'.repeat(400)}`
    for (const [body, where] of [
      ['{"name":"x","payload":{"big":1e400}}', ''],
      [`{"name":"x","payload":[${huge}, 1.0]}`, ''],
      ['{"name":"x","payload":{"small":-1e400}}', ''],
      ['{"events":[{"name":"x","payload":{"n":1.0}},{"name":"x","payload":{"big":1e400}}]}', 'events[1]: '],
    ] as const) {
      const res = await emit(body)
      expect(res.status, body).toBe(422)
      expect(res.body.error.code).toBe('invalid_payload')
      expect(res.body.error.message).toContain(`${where}the payload holds the number`)
      expect(res.body.error.message.length).toBeLessThan(200)
    }
    const legacy = await post('/event/shop/emit/comment-published', '{"big": 1E400}')
    expect(legacy.status).toBe(422)
    expect(legacy.body.message).toMatch(/the number 1E400, beyond what a 64-bit float can hold/)
    // Underflow reads as 0 for every reader alike: kept as sent.
    const tiny = await emit('{"name":"x","payload":{"t":1e-400}}')
    expect(tiny.status).toBe(202)
    expect(storedText(rio, tiny.body.id)).toBe('{"t":1e-400}')
    expect(await eventCount(rio)).toBe(1)
  })

  it('stores the JSON body of the original route as sent', async () => {
    const { rio, post } = await api()
    const res = await post('/event/shop/emit/comment-published', `{ "content_id": ${BIG}, "score": 1.0 }`)
    expect(res.status).toBe(200)
    expect(storedText(rio, res.body.event.uuid)).toBe(`{"content_id":${BIG},"score":1.0}`)
    const plain = await post('/event/shop/emit/comment-published', '{ "content_id": 12, "score": 1.5 }')
    expect(storedText(rio, plain.body.event.uuid)).toBe('{"content_id":12,"score":1.5}')
  })

  it('sends a webhook receiver the numbers as sent, byte for byte', async () => {
    const receiver: Receiver = await startReceiver()
    onCleanup(() => receiver.close())
    const { rio, emit } = await api()
    await rio.webhook('order-paid', { url: `${receiver.url}/hook`, project: 'shop' })
    await rio.start()
    const payload = `{"id":${BIG},"price":1.0,"ratio":1e2,"zero":-0,"note":"a\\"b\\\\u00e9"}`
    const res = await emit(`{"name": "order-paid", "payload": ${payload.replaceAll(',', ', ')}}`)
    expect(res.status).toBe(202)
    const [request] = await waitUntil(
      () => (receiver.requests.length > 0 ? receiver.requests : undefined),
      'a delivery',
    )
    expect(request!.body).toBe(payload)
  })

  it('answers a retried body with the same id as a duplicate', async () => {
    const { rio, emit } = await api()
    const body = `{"name": "x", "idempotencyKey": "k1", "payload": {"id": ${BIG}, "price": 1.0}}`
    const first = await emit(body)
    const again = await emit(body)
    expect(first.body).toEqual({ id: expect.any(String), duplicate: false })
    expect(again.status).toBe(202)
    expect(again.body).toEqual({ id: first.body.id, duplicate: true })
    // Another text of the number is another payload.
    const other = await emit(
      `{"name": "x", "idempotencyKey": "k1", "payload": {"id": ${BIG}, "price": 1.00}}`,
    )
    expect(other.status).toBe(422)
    expect(other.body.error.code).toBe('idempotency_key_reused')
    expect(await rio.listEvents({ limit: 10 })).toHaveLength(1)
  })

  it('counts the stored text against maxPayloadBytes', async () => {
    const { rio, url } = await startApi({ rio: { maxPayloadBytes: 64 } })
    const sender = await withSender(rio)
    const emit = (payload: string) =>
      call(`${url}/api/v1/projects/shop/events`, {
        method: 'POST',
        headers: { authorization: sender.authorization, 'content-type': 'application/json' },
        body: `{"name": "x", "payload": ${payload}}`,
      })
    // 64 bytes once the spaces are gone, however many were sent.
    const fits = `{"id":${BIG},"pad":"${'x'.repeat(64 - 35)}"}`
    expect(Buffer.byteLength(fits)).toBe(64)
    const ok = await emit(fits.replaceAll(':', ' :   ').replaceAll(',', ' , '))
    expect(ok.status).toBe(202)
    expect(storedText(rio, ok.body.id)).toBe(fits)
    const over = await emit(fits.replace('"pad"', '"padd"'))
    expect(over.status).toBe(413)
    expect(over.body.error.code).toBe('payload_too_large')
  })
})
