import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { mayAlterNumbers } from '../../src/http/exact-payloads.js'
import { JsonScanner, type JsonSpan } from '../../src/http/json-scanner.js'

const slice = (scanner: JsonScanner, span: JsonSpan | undefined) =>
  span && scanner.text.slice(span.start, span.end)

describe('JsonScanner', () => {
  it('spans each kind of value, skipping the whitespace before it', () => {
    for (const value of [
      '"a}\\"]{"',
      '{"a":[1,{"b":"]"}]}',
      '[[],{}]',
      '-1.5e+3',
      'true',
      'null',
      '{}',
      '[]',
    ]) {
      const scanner = new JsonScanner(` \n\t${value}\r\n`)
      expect(scanner.value(0)).toEqual({ start: 3, end: 3 + value.length })
    }
  })

  it("finds a member's value at its own level only, with brackets and quotes inside strings", () => {
    const scanner = new JsonScanner(
      '{ "a": {"payload": 1}, "s": "\\"payload\\": 2 }", "payload" : [ {"payload": 3} ] , "z": 0 }',
    )
    const body = scanner.value(0)
    expect(slice(scanner, scanner.member(body, 'payload'))).toBe('[ {"payload": 3} ]')
    expect(slice(scanner, scanner.member(body, 's'))).toBe('"\\"payload\\": 2 }"')
    expect(slice(scanner, scanner.member(body, 'z'))).toBe('0')
    expect(scanner.member(body, 'missing')).toBeUndefined()
    expect(scanner.member(scanner.member(body, 'payload')!, 'payload')).toBeUndefined()
    const empty = new JsonScanner(' { } ')
    expect(empty.member(empty.value(0), 'payload')).toBeUndefined()
  })

  it('gives the last of repeated keys, comparing keys unescaped, as JSON.parse does', () => {
    const text = '{"payload": 1, "p\\u0061yload": 2, "payload\\u0000": 3, "pay": 4}'
    const scanner = new JsonScanner(text)
    expect(JSON.parse(text).payload).toBe(2)
    expect(slice(scanner, scanner.member(scanner.value(0), 'payload'))).toBe('2')
  })

  it('lists the elements of an array in order', () => {
    const scanner = new JsonScanner('[ 1 ,"a,b" , [2, 3], {"c": [4]} ,null]')
    expect(scanner.elements(scanner.value(0)).map((span) => slice(scanner, span))).toEqual([
      '1',
      '"a,b"',
      '[2, 3]',
      '{"c": [4]}',
      'null',
    ])
    for (const text of ['[ ]', '[]', '{"a": 1}']) {
      const other = new JsonScanner(text)
      expect(other.elements(other.value(0)), text).toEqual([])
    }
  })

  it('tells numbers that do not read back as written, ignoring numbers in strings', () => {
    const roundTrips = (text: string) =>
      new JsonScanner(text).numbersRoundTrip({ start: 0, end: text.length })
    for (const text of [
      '[1, -2, 0.5, -0.5, 123456789012345, 0.000001, 1e+21, 5e-324]',
      '{"a": "1.0 -0 1e2 12345678901234567890"}',
      '[true,false,null]',
    ]) {
      expect(roundTrips(text), text).toBe(true)
    }
    for (const text of [
      '[1.0]',
      '[-0]',
      '[1e2]',
      '[1E2]',
      '[0.0000001]',
      '[1234567890123456789]',
      '{"a":[{"b":2.50}]}',
      '9007199254740993',
    ]) {
      expect(roundTrips(text), text).toBe(false)
    }
  })

  it('removes whitespace outside strings only, keeping escapes and numbers as written', () => {
    const text = ' {\n  "a b" : [ 1.0 ,\t-0 ] ,\r\n "c\\" \\\\" : "\\u00e9  \\n" }  '
    const scanner = new JsonScanner(text)
    expect(scanner.minified(scanner.value(0))).toBe('{"a b":[1.0,-0],"c\\" \\\\":"\\u00e9  \\n"}')
  })
})

/** JSON text with random whitespace and number spellings, with the number tokens it holds. */
type Generated = { text: string; numbers: string[] }

const space = fc.constantFrom('', '', ' ', '\n', '\t', '\r\n  ')
const numberToken = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
  fc.integer().map(String),
  fc.bigInt({ min: -(10n ** 25n), max: 10n ** 25n }).map(String),
  // Up to 24 digits around the point: 16 or more may not read back though no run of them is 16 long.
  fc
    .tuple(
      fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }),
      fc.bigInt({ min: 0n, max: 10n ** 12n }),
      fc.nat(3),
    )
    .map(([i, f, z]) => `${i}.${f}${'0'.repeat(z)}`),
  fc
    .tuple(fc.integer({ min: -99, max: 99 }), fc.constantFrom('e', 'E', 'e+', 'e-'), fc.nat(30))
    .map(([m, e, x]) => `${m}${e}${x}`),
  fc.constantFrom('0', '-0', '-0.0', '0.000001', '0.0000001', '100', '1.5', '9007199254740993'),
)
const stringToken = fc
  .oneof(
    fc.string().map((s) => JSON.stringify(s)),
    numberToken.map((n) => JSON.stringify(`: ${n}`)),
    fc.constantFrom('"a\\"b\\\\u00e9"', '"\\u00e9\\n"', '"\\/"', '"{[,]}"'),
  )
  .map((text): Generated => ({ text, numbers: [] }))
const scalar = fc.oneof(
  numberToken.map((text): Generated => ({ text, numbers: [text] })),
  stringToken,
  fc.constantFrom('true', 'false', 'null').map((text): Generated => ({ text, numbers: [] })),
)
const { json } = fc.letrec<{ json: Generated; array: Generated; object: Generated }>((tie) => ({
  json: fc.oneof({ depthSize: 'small' }, scalar, tie('array'), tie('object')),
  array: fc
    .tuple(space, fc.array(fc.tuple(space, tie('json'), space), { maxLength: 4 }))
    .map(([empty, items]) => ({
      text: `[${items.length === 0 ? empty : items.map(([a, item, b]) => a + item.text + b).join(',')}]`,
      numbers: items.flatMap(([, item]) => item.numbers),
    })),
  object: fc
    .tuple(space, fc.array(fc.tuple(space, stringToken, space, space, tie('json'), space), { maxLength: 4 }))
    .map(([empty, members]) => ({
      text: `{${members.length === 0 ? empty : members.map(([a, key, b, c, value, d]) => `${a}${key.text}${b}:${c}${value.text}${d}`).join(',')}}`,
      numbers: members.flatMap(([, , , , value]) => value.numbers),
    })),
}))
const document = fc.tuple(space, json, space).map(([a, value, b]) => ({ ...value, text: a + value.text + b }))

describe('mayAlterNumbers', () => {
  it('lets a typical body through with one regex test: times, addresses, ids, prices', () => {
    const body = {
      name: 'comment-published',
      payload: {
        id: 4242,
        at: ['2026-11-22T19:00:00.000Z', '12:30:00.000', 'at 10.0', '1e5'],
        ip: '127.0.0.1',
        ms: 1732302000000,
        event: '01966b1e-8a2c-7c4e-9d1a-3f0b2e6c5a10',
        price: 19.99,
        ratio: -0.5,
        zero: 0,
        list: [0, -1, 0.000001, 123456789012345],
      },
    }
    expect(mayAlterNumbers(JSON.stringify(body))).toBe(false)
    expect(mayAlterNumbers(JSON.stringify(body, null, 2))).toBe(false)
  })
})

describe('JsonScanner on random JSON', () => {
  it('minifies to text that parses to the same value, with no whitespace outside strings', () => {
    fc.assert(
      fc.property(document, ({ text }) => {
        const scanner = new JsonScanner(text)
        const minified = scanner.minified(scanner.value(0))
        expect(JSON.parse(minified)).toStrictEqual(JSON.parse(text))
        expect(minified.replace(/"(?:[^"\\]|\\.)*"/g, '""')).not.toMatch(/\s/)
      }),
      { numRuns: 500 },
    )
  })

  it('finds every number that does not read back, and the pre-check never misses one', () => {
    fc.assert(
      fc.property(document, ({ text, numbers }) => {
        const exact = numbers.every((token) => String(Number(token)) === token)
        const scanner = new JsonScanner(text)
        expect(scanner.numbersRoundTrip(scanner.value(0))).toBe(exact)
        // A miss would leave a number to JSON.stringify: the fast path must only give false alarms.
        if (!exact) expect(mayAlterNumbers(text)).toBe(true)
      }),
      { numRuns: 2000 },
    )
  })
})
