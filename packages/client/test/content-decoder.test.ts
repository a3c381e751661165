import * as zlib from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { ContentDecoder } from '../src/content-decoder.ts'

const decoder = new ContentDecoder(zlib)
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes)
const JSON_BODY = '{"id":"evt_1","duplicate":false}'

describe('ContentDecoder', () => {
  it.each([
    ['gzip', zlib.gzipSync(JSON_BODY)],
    ['x-gzip', zlib.gzipSync(JSON_BODY)],
    ['deflate', zlib.deflateSync(JSON_BODY)],
    ['deflate', zlib.deflateRawSync(JSON_BODY)],
    ['br', zlib.brotliCompressSync(JSON_BODY)],
    [' Gzip ', zlib.gzipSync(JSON_BODY)],
    ['identity', Buffer.from(JSON_BODY)],
    ['deflate, gzip', zlib.gzipSync(zlib.deflateSync(JSON_BODY))],
    ['gzip, identity, br', zlib.brotliCompressSync(zlib.gzipSync(JSON_BODY))],
  ])('decodes a body encoded as "%s", last coding first', (coding, body) => {
    const decoded = decoder.decode(coding, body, 1024)
    expect(decoded?.over).toBe(false)
    expect(text(decoded!.body)).toBe(JSON_BODY)
  })

  it('leaves a body in a coding it does not know as it came (undefined), as fetch does', () => {
    expect(decoder.decode('compress', Buffer.from(JSON_BODY), 1024)).toBeUndefined()
    expect(decoder.decode('gzip, snappy', zlib.gzipSync(JSON_BODY), 1024)).toBeUndefined()
  })

  it('fails on a chain of more than five codings, as fetch does', () => {
    let body: Uint8Array = Buffer.from(JSON_BODY)
    for (let index = 0; index < 6; index++) body = zlib.gzipSync(body)
    expect(() => decoder.decode('gzip,gzip,gzip,gzip,gzip,gzip', body, 1024)).toThrow(
      /too many content codings in the answer: 6, at most 5/,
    )
    expect(text(decoder.decode('gzip,gzip,gzip,gzip,gzip', zlib.gunzipSync(body), 1024)!.body)).toBe(
      JSON_BODY,
    )
  })

  it.each([
    ['gzip', zlib.gzipSync],
    ['deflate', zlib.deflateSync],
    ['br', zlib.brotliCompressSync],
  ] as const)(
    'keeps a %s body of exactly the cap, and stops one byte past it with over and no bytes',
    (coding, encode) => {
      expect(decoder.decode(coding, encode(Buffer.alloc(4096)), 4096)).toMatchObject({ over: false })
      expect(decoder.decode(coding, encode(Buffer.alloc(4096)), 4096)!.body.byteLength).toBe(4096)
      expect(decoder.decode(coding, encode(Buffer.alloc(4097)), 4096)).toEqual({
        body: new Uint8Array(0),
        over: true,
      })
    },
  )

  it('holds every step of a chain to the cap', () => {
    // The inner gzip alone is over the cap, though what it holds is not.
    const inner = zlib.gzipSync(Buffer.from(crypto.getRandomValues(new Uint8Array(2048))))
    expect(decoder.decode('gzip, gzip', zlib.gzipSync(inner), 1024)).toMatchObject({ over: true })
  })

  it('reads a stream cut short as far as it goes', () => {
    const cut = zlib.gzipSync(JSON_BODY).subarray(0, -8)
    expect(text(decoder.decode('gzip', cut, 1024)!.body)).toBe(JSON_BODY)
  })

  it('leaves an empty body empty', () => {
    expect(decoder.decode('gzip', new Uint8Array(0), 1024)).toEqual({ body: new Uint8Array(0), over: false })
  })

  it('throws the zlib error for a body that is not in its coding', () => {
    expect(() => decoder.decode('gzip', Buffer.from(JSON_BODY), 1024)).toThrow(
      expect.objectContaining({ code: 'Z_DATA_ERROR' }),
    )
  })
})
