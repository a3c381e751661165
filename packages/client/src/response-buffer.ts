/**
 * Collects a response body up to a byte cap, so a misbehaving server or proxy cannot make the
 * client buffer an unbounded answer.
 */
export class ResponseBuffer {
  readonly #max: number
  readonly #chunks: Uint8Array[] = []
  #size = 0
  #truncated = false

  /** @param maxBytes - the most bytes kept */
  constructor(maxBytes: number) {
    this.#max = maxBytes
  }

  /**
   * Whether a declared `Content-Length` already exceeds the cap; if so the buffer is marked
   * truncated and the body need not be read at all.
   *
   * @param contentLength - the header's value, if any
   * @returns true when the body is over the cap
   */
  declared(contentLength: string | undefined): boolean {
    if (contentLength !== undefined && Number(contentLength) > this.#max) this.#truncated = true
    return this.#truncated
  }

  /**
   * Adds a chunk.
   * @param chunk - the next bytes of the body
   * @returns false once the cap is passed: stop reading and cancel the body
   */
  push(chunk: Uint8Array): boolean {
    const room = this.#max - this.#size
    if (chunk.byteLength > room) {
      // A copy, not a view (nor `slice()`, a view on a Buffer): a view would keep the whole chunk
      // alive as long as the answer, and a fetch may hand over a large body in one.
      this.#chunks.push(new Uint8Array(chunk.subarray(0, room)))
      this.#size = this.#max
      this.#truncated = true
      return false
    }
    this.#chunks.push(chunk)
    this.#size += chunk.byteLength
    return true
  }

  /** The cap. */
  get maxBytes(): number {
    return this.#max
  }

  /** Whether the body was longer than the cap. */
  get truncated(): boolean {
    return this.#truncated
  }

  /** The bytes kept, in one array. */
  bytes(): Uint8Array {
    if (this.#chunks.length === 1) return this.#chunks[0]!
    const out = new Uint8Array(this.#size)
    let offset = 0
    for (const chunk of this.#chunks) {
      out.set(chunk, offset)
      offset += chunk.byteLength
    }
    return out
  }
}
