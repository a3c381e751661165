type Zlib = typeof import('node:zlib')
type Decode = (body: Uint8Array, maxBytes: number) => Uint8Array

/** A decoded body; `over` when it reached past the cap (the body is then empty). */
export interface DecodedBody {
  readonly body: Uint8Array
  readonly over: boolean
}

// As undici's decompress interceptor and curl do: a longer chain is an attack, not an encoding.
const MAX_CODINGS = 5

/**
 * Decodes a response body by its `Content-Encoding` (gzip, deflate, br, and zstd where Node has
 * it), as `fetch` does, for the undici transport, which receives the bytes as sent. Without an
 * `Accept-Encoding` any coding is acceptable (RFC 9110 §12.5.3), so a proxy in front of Rio may
 * compress its answers.
 *
 * Decoding is synchronous and stops at the cap (zlib's `maxOutputLength`): a small body that
 * inflates without end (a "zip bomb") costs at most `maxBytes` of memory and the time to inflate
 * that much, about what the `JSON.parse` of a body that size that follows takes anyway. Truncated
 * streams are read as far as they go, as browsers and `fetch` read them.
 */
export class ContentDecoder {
  readonly #decoders: ReadonlyMap<string, Decode>

  /** @param zlib - `node:zlib`, loaded with undici so that bundles for other runtimes never import it */
  constructor(zlib: Zlib) {
    const { constants } = zlib
    const lenient = { finishFlush: constants.Z_SYNC_FLUSH }
    const gunzip: Decode = (body, maxBytes) =>
      zlib.gunzipSync(body, { ...lenient, maxOutputLength: maxBytes })
    const decoders = new Map<string, Decode>([
      ['gzip', gunzip],
      ['x-gzip', gunzip],
      // "deflate" is the zlib format (RFC 9110 §8.4.1.2), but some servers send raw deflate: its
      // first byte never has the zlib header's method nibble (8), as fetch's decoder tells them apart.
      [
        'deflate',
        (body, maxBytes) =>
          ((body[0]! & 0x0f) === 0x08 ? zlib.inflateSync : zlib.inflateRawSync)(body, {
            ...lenient,
            maxOutputLength: maxBytes,
          }),
      ],
      [
        'br',
        (body, maxBytes) =>
          zlib.brotliDecompressSync(body, {
            finishFlush: constants.BROTLI_OPERATION_FLUSH,
            maxOutputLength: maxBytes,
          }),
      ],
    ])
    // Node ≥ 22.15 (and Node's fetch there) decodes zstd; @types/node 20 does not know it.
    const zstd = (zlib as { zstdDecompressSync?: (body: Uint8Array, options: object) => Uint8Array })
      .zstdDecompressSync
    if (zstd !== undefined)
      decoders.set('zstd', (body, maxBytes) => zstd(body, { maxOutputLength: maxBytes }))
    this.#decoders = decoders
  }

  /**
   * Decodes a body, last coding applied first.
   *
   * @param contentEncoding - the header's value, e.g. `gzip` or `deflate, br`
   * @param body - the body as received
   * @param maxBytes - the most decoded bytes kept, at each step of a chain
   * @returns the decoded body; undefined when a coding is unknown (the body stays as it came, as
   *   `fetch` leaves it)
   * @throws the zlib error when the body is not valid in its coding; an error for a chain of more
   *   than five codings (counted as `fetch` counts them)
   */
  decode(contentEncoding: string, body: Uint8Array, maxBytes: number): DecodedBody | undefined {
    const codings = contentEncoding.toLowerCase().split(',')
    // As fetch: an answer with a longer chain is a failure (retried), not a body left encoded.
    if (codings.length > MAX_CODINGS) {
      throw new Error(`too many content codings in the answer: ${codings.length}, at most ${MAX_CODINGS}`)
    }
    let decoded = body
    for (let index = codings.length - 1; index >= 0; index--) {
      const coding = codings[index]!.trim()
      if (coding === 'identity' || coding === '') continue
      const decode = this.#decoders.get(coding)
      if (decode === undefined) return undefined
      if (decoded.byteLength === 0) break
      try {
        decoded = decode(decoded, maxBytes)
      } catch (error) {
        if ((error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') {
          return { body: new Uint8Array(0), over: true }
        }
        throw error
      }
    }
    return { body: decoded, over: false }
  }
}
