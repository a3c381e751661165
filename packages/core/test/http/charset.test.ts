import { TextDecoder } from 'node:util'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodeCharset, urlencodedFields } from '../../src/http/charset.js'

/** windows-1252 as the WHATWG Encoding standard maps it (Node 20's decoder reads 0x80–0x9F as ISO-8859-1). */
const C1 = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ'
const windows1252 = (bytes: Uint8Array) =>
  Array.from(bytes, (b) => (b >= 0x80 && b <= 0x9f ? C1[b - 0x80]! : String.fromCharCode(b))).join('')

/** The obvious reading of a form: split on "&" and the first "=", "+" a space, `%XX` a byte, then decode. */
function reference(bytes: Buffer, charset: string): Array<[string, string]> {
  const decoder = new TextDecoder(charset)
  const text = (part: string) => {
    const raw = Buffer.from(
      part
        .replaceAll('+', ' ')
        .replace(/%([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16))),
      'latin1',
    )
    return decoder.encoding === 'windows-1252' ? windows1252(raw) : decoder.decode(raw)
  }
  return bytes
    .toString('latin1')
    .split('&')
    .filter((part) => part !== '')
    .map((part) => {
      const eq = part.indexOf('=')
      return [text(eq < 0 ? part : part.slice(0, eq)), text(eq < 0 ? '' : part.slice(eq + 1))]
    })
}

describe('urlencodedFields', () => {
  it('reads any bytes as the obvious split, unescape and decode would, in single- and multi-byte charsets', () => {
    const byte = fc.oneof(fc.constantFrom(...Buffer.from('&=+%%ab9Fz ')), fc.integer({ min: 0, max: 255 }))
    fc.assert(
      fc.property(
        fc.array(byte, { maxLength: 60 }),
        fc.constantFrom('iso-8859-1', 'windows-1252', 'shift_jis', 'euc-kr', 'koi8-r'),
        (values, charset) => {
          const bytes = Buffer.from(values)
          expect([...urlencodedFields(bytes, charset)]).toEqual(reference(bytes, charset))
        },
      ),
      { numRuns: 500 },
    )
  })
})

describe('decodeCharset', () => {
  it('reads every windows-1252 byte as the standard maps it, in a body longer than one chunk', () => {
    const bytes = Buffer.from(Array.from({ length: 20_000 }, (_, i) => i % 256))
    for (const label of ['iso-8859-1', 'latin1', 'us-ascii', 'windows-1252']) {
      expect(decodeCharset(bytes, label)).toBe(windows1252(bytes))
    }
  })
})
