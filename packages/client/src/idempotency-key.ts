const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))
const random = new Uint8Array(10 * 64)
let offset = random.length

/**
 * A new idempotency key: a UUIDv7 (RFC 9562), 48 bits of Unix milliseconds then 74 random bits.
 * As unique as a random UUID, but keys made later sort later, so the server's idempotency index
 * grows at its end: a batch of emits writes a page or two of it, not one page each.
 */
export function newIdempotencyKey(now: number = Date.now()): string {
  if (offset + 10 > random.length) {
    globalThis.crypto.getRandomValues(random)
    offset = 0
  }
  const bytes = new Uint8Array(16)
  let ms = now
  for (let i = 5; i >= 0; i--) {
    bytes[i] = ms % 256
    ms = Math.floor(ms / 256)
  }
  bytes.set(random.subarray(offset, offset + 10), 6)
  offset += 10
  bytes[6] = (bytes[6]! & 0x0f) | 0x70
  bytes[8] = (bytes[8]! & 0x3f) | 0x80
  let key = ''
  for (let i = 0; i < 16; i++) {
    key += HEX[bytes[i]!]
    if (i === 3 || i === 5 || i === 7 || i === 9) key += '-'
  }
  return key
}
