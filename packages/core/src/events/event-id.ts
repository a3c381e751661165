import { randomFillSync } from 'node:crypto'

const pool = new Uint8Array(16 * 256)
let offset = pool.length
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

/**
 * A UUIDv7 (RFC 9562): 48 bits of Unix milliseconds then randomness, so ids sort by creation time
 * and new rows land at the end of the primary-key index.
 * @param now - the timestamp in ms to embed (default `Date.now()`)
 */
export function eventId(now: number = Date.now()): string {
  if (offset + 10 > pool.length) {
    randomFillSync(pool)
    offset = 0
  }
  const b = new Uint8Array(16)
  let ms = now
  for (let i = 5; i >= 0; i--) {
    b[i] = ms % 256
    ms = Math.floor(ms / 256)
  }
  b.set(pool.subarray(offset, offset + 10), 6)
  offset += 10
  b[6] = (b[6]! & 0x0f) | 0x70
  b[8] = (b[8]! & 0x3f) | 0x80
  let s = ''
  for (let i = 0; i < 16; i++) {
    s += HEX[b[i]!]
    if (i === 3 || i === 5 || i === 7 || i === 9) s += '-'
  }
  return s
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** True when `value` is a UUID in canonical 8-4-4-4-12 form (any version); used for ids supplied by senders. */
export function isUuid(value: string): boolean {
  return UUID.test(value)
}
