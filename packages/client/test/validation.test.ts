import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { Client, ValidationError, type ValidationErrorCode } from '../src/index.ts'
import { FakeRio } from './support/fake-rio.ts'

const cycle: Record<string, unknown> = { a: 1 }
cycle.self = cycle

/** `levels` arrays, one inside the other, around `1`. */
function nested(levels: number): unknown {
  let value: unknown = 1
  for (let level = 0; level < levels; level++) value = [value]
  return value
}

describe('emit validation', () => {
  let rio: FakeRio
  let client: Client
  beforeEach(async () => {
    rio = await FakeRio.start()
    client = new Client({ dsn: rio.dsn(), maxPayloadBytes: 1024 })
  })
  afterEach(async () => {
    await client.close()
    await rio.close()
    // Whatever was refused, nothing reached the server.
    expect(rio.requests).toHaveLength(0)
  })

  const cases: [string, () => Promise<unknown>, ValidationErrorCode, string][] = [
    [
      'a name with a space',
      () => client.emit('comment published', {}),
      'invalid_event_name',
      'name "comment published" is invalid: an event name starts with a letter or digit',
    ],
    ['an empty name', () => client.emit('', {}), 'invalid_event_name', 'name "" is invalid'],
    [
      'a name over 128 characters',
      () => client.emit('a'.repeat(129), {}),
      'invalid_event_name',
      'is invalid',
    ],
    [
      'a name that is not a string',
      () => client.emit(42 as unknown as string, {}),
      'invalid_event_name',
      'name of type number is invalid',
    ],
    [
      'a name that is an object without a string form',
      () => client.emit(Object.create(null) as string, {}),
      'invalid_event_name',
      'name of type object is invalid',
    ],
    [
      'a BigInt',
      () => client.emit('a', { order: { total: 10n } }),
      'invalid_payload',
      'event "a": payload.order.total is a BigInt (10n), which JSON cannot represent; convert it to a string or a number',
    ],
    [
      'NaN in an array',
      () => client.emit('a', { values: [1, Number.NaN] }),
      'invalid_payload',
      'payload.values[1] is NaN, which JSON writes as null',
    ],
    [
      'a Map',
      () => client.emit('a', { 'tag-map': new Map() }),
      'invalid_payload',
      'payload["tag-map"] is a Map, which JSON turns into {}; convert it with Object.fromEntries(map)',
    ],
    [
      'a Uint8Array',
      () => client.emit('a', { bytes: new Uint8Array([1, 2]) }),
      'invalid_payload',
      'payload.bytes is a Uint8Array, which JSON turns into an object of indexes; send an array (Array.from()) or a base64 string',
    ],
    [
      'an invalid Date',
      () => client.emit('a', { at: new Date(Number.NaN) }),
      'invalid_payload',
      'payload.at is an invalid Date, which JSON writes as null',
    ],
    ['a function', () => client.emit('a', { fn: () => 1 }), 'invalid_payload', 'payload.fn is a function'],
    [
      'a cycle',
      () => client.emit('a', cycle),
      'invalid_payload',
      'event "a" cannot be written as JSON (Converting circular structure to JSON',
    ],
    [
      'undefined',
      () => client.emit('a', undefined),
      'invalid_payload',
      'event "a" is undefined, which JSON cannot represent; pass null for an event without data',
    ],
    [
      'a payload over maxPayloadBytes',
      () => client.emit('a', { text: 'é'.repeat(600) }),
      'payload_too_large',
      'event "a": the payload is 1211 bytes (1.2 KiB) as JSON, over maxPayloadBytes (1024 bytes)',
    ],
    [
      'a payload one byte over maxPayloadBytes',
      () => client.emit('a', 'x'.repeat(1023)),
      'payload_too_large',
      'event "a": the payload is 1025 bytes (1.0 KiB) as JSON, over maxPayloadBytes (1024 bytes)',
    ],
    [
      'a payload nested 62 levels deep',
      () => client.emit('a', nested(62)),
      'invalid_payload',
      `event "a": payload${'[0]'.repeat(61)} is nested 62 levels deep, over the 61 a payload may have (Rio's HTTP API reads JSON nested at most 64 levels`,
    ],
    [
      'an emitMany event nested 62 levels deep in objects',
      () =>
        client.emitMany([
          { name: 'a', payload: 1 },
          { name: 'b', payload: { a: nested(61) } },
        ]),
      'invalid_payload',
      `events[1] ("b"): payload.a${'[0]'.repeat(60)} is nested 62 levels deep`,
    ],
    [
      'an idempotency key with a space',
      () => client.emit('a', 1, { idempotencyKey: 'order 1' }),
      'invalid_idempotency_key',
      'idempotencyKey "order 1" is invalid: use 1 to 200 visible ASCII characters',
    ],
    [
      'an empty idempotency key',
      () => client.emit('a', 1, { idempotencyKey: '' }),
      'invalid_idempotency_key',
      'idempotencyKey "" is invalid',
    ],
    [
      'a signal that is not one',
      () => client.emit('a', 1, { signal: {} as AbortSignal }),
      'invalid_argument',
      'emit options.signal must be an AbortSignal',
    ],
    [
      'a header with a newline',
      () => client.emit('a', 1, { headers: { 'x-a': 'b\r\nc' } }),
      'invalid_argument',
      'emit options.headers: headers.x-a: a header value holds only tabs, spaces, visible ASCII and U+0080–U+00FF, not U+000D (at index 1)',
    ],
    [
      'a header beyond Latin-1',
      () => client.emit('a', 1, { headers: { 'x-trace': '☃' } }),
      'invalid_argument',
      'emit options.headers: headers.x-trace: a header value holds only tabs, spaces, visible ASCII and U+0080–U+00FF, not U+2603 (at index 0); encode it',
    ],
    [
      'a header with an emoji',
      () => client.emitMany([], { headers: { 'x-trace': 'ok 🚀' } }),
      'invalid_argument',
      'emitMany options.headers: headers.x-trace: a header value holds only tabs, spaces, visible ASCII and U+0080–U+00FF, not U+1F680 (at index 3)',
    ],
    [
      'a header with a control character',
      () => client.emit('a', 1, { headers: { 'x-trace': 'a\x01b' } }),
      'invalid_argument',
      'headers.x-trace: a header value holds only tabs, spaces, visible ASCII and U+0080–U+00FF, not U+0001 (at index 1)',
    ],
    [
      'a header with DEL',
      () => client.emit('a', 1, { headers: { 'x-trace': 'a\x7f' } }),
      'invalid_argument',
      'not U+007F (at index 1)',
    ],
  ]

  it.each(cases)('refuses %s before sending anything', async (_what, call, code, message) => {
    const error = await call().catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(ValidationError)
    expect(error).toMatchObject({ code })
    expect((error as Error).message).toContain(message)
  })

  it('accepts a payload nested 61 levels deep, as emit and in a batch', async () => {
    await client.emit('a', nested(61))
    await client.emitMany([{ name: 'a', payload: { a: nested(60) } }])
    expect(rio.requests).toHaveLength(2)
    rio.requests.length = 0
  })

  it('accepts what JSON represents faithfully, dropping undefined properties as JSON does', async () => {
    await client.emit('a', { at: new Date(0), list: [1, 'two', null, true], nested: { gone: undefined } })
    expect(JSON.parse(rio.requests[0]!.body).payload).toEqual({
      at: '1970-01-01T00:00:00.000Z',
      list: [1, 'two', null, true],
      nested: {},
    })
    rio.requests.length = 0
  })
})
