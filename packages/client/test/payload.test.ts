import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ValidationError } from '../src/index.ts'
import { serializePayload, utf8Length } from '../src/payload.ts'

describe('serializePayload', () => {
  it('writes what JSON.stringify writes for plain JSON values', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(serializePayload(value, 'event "a"')).toBe(JSON.stringify(value))
      }),
    )
  })

  it('names the path of the first value JSON would lose', () => {
    const refuse = (payload: unknown) => {
      try {
        serializePayload(payload, 'event "a"')
      } catch (error) {
        expect(error).toBeInstanceOf(ValidationError)
        return (error as ValidationError).issues[0]!.path
      }
      throw new Error('expected a refusal')
    }
    expect(refuse(1n)).toBe('payload')
    expect(refuse({ a: [{ b: Symbol('x') }] })).toBe('payload.a[0].b')
    expect(refuse({ 'a b': { c: new Set() } })).toBe('payload["a b"].c')
    expect(refuse([Number.POSITIVE_INFINITY])).toBe('payload[0]')
    expect(refuse({ p: Promise.resolve() })).toBe('payload.p')
  })
})

describe('utf8Length', () => {
  it('equals the UTF-8 byte length of any string JSON.stringify produces', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        const json = JSON.stringify(text)
        expect(utf8Length(json)).toBe(Buffer.byteLength(json))
      }),
    )
    expect(utf8Length('aé€😀')).toBe(1 + 2 + 3 + 4)
  })
})
