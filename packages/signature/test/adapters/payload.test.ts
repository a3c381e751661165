import { describe, expect, it } from 'vitest'
import { parsePayload } from '../../src/adapters/payload.ts'
import { WebhookVerificationError } from '../../src/index.ts'

const bytes = (text: string) => new TextEncoder().encode(text)

describe('parsePayload', () => {
  it.each([
    ['application/json', '{"a":[1,2]}', { a: [1, 2] }],
    ['Application/JSON; charset=UTF-8', '"text"', 'text'],
    ['application/cloudevents+json', '{"specversion":"1.0"}', { specversion: '1.0' }],
    ['application/json', '', null],
    ['application/x-www-form-urlencoded', '', {}],
    ['application/x-www-form-urlencoded', 'payload=%7B%22a%22%3A1%7D', { a: 1 }],
    ['application/x-www-form-urlencoded', 'payload=not-json', { payload: 'not-json' }],
    ['application/x-www-form-urlencoded', 'payload=%7B%7D&other=1', { payload: '{}', other: '1' }],
    ['application/x-www-form-urlencoded; charset=utf-8', 'name=J%C3%BCrgen+M', { name: 'Jürgen M' }],
    ['text/plain', 'plain words', 'plain words'],
    [undefined, '{"a":1}', '{"a":1}'],
    [['application/json'], '{"a":1}', { a: 1 }],
  ])('parses a %j body %j', (contentType, body, expected) => {
    expect(parsePayload(bytes(body), contentType)).toEqual(expected)
  })

  it('keeps a form field named __proto__ as a field, not a prototype', () => {
    const fields = parsePayload(bytes('__proto__=x&a=1'), 'application/x-www-form-urlencoded') as Record<
      string,
      unknown
    >
    expect(Object.getPrototypeOf(fields)).toBe(Object.prototype)
    expect(Object.keys(fields)).toEqual(['__proto__', 'a'])
  })

  it('refuses JSON that does not parse with malformed_body', () => {
    const attempt = () => parsePayload(bytes('{"a":'), 'application/json')
    expect(attempt).toThrow(WebhookVerificationError)
    expect(attempt).toThrow(/signed correctly but is not valid JSON/)
  })
})
