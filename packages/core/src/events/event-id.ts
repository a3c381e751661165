import { randomFillSync } from 'node:crypto'

const pool = new Uint8Array(16 * 256)
let offset = pool.length
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

/** The bytes of the last id made, and the millisecond it carries. */
const last = new Uint8Array(16)
let lastMs = -1

function random(count: number): Uint8Array {
  if (offset + count > pool.length) {
    randomFillSync(pool)
    offset = 0
  }
  const bytes = pool.subarray(offset, offset + count)
  offset += count
  return bytes
}

/**
 * Adds a random amount from 1 to 2^32 to the 74 random bits of `b` (RFC 9562 §6.2, method 3), so ids
 * made in one millisecond keep their order without the next one being guessable from the last.
 * @returns false when the bits overflow (never in practice: a fresh id leaves 2^73 of room)
 */
function advance(b: Uint8Array): boolean {
  const step = random(4)
  let carry = 1 // the "+1" makes the step at least 1
  for (let i = 15; i >= 9; i--) {
    const sum = b[i]! + (i >= 12 ? step[i - 12]! : 0) + carry
    b[i] = sum & 0xff
    carry = sum >> 8
  }
  // Byte 8 keeps the variant in its top two bits; byte 6 the version in its top four.
  const low8 = (b[8]! & 0x3f) + carry
  b[8] = (b[8]! & 0xc0) | (low8 & 0x3f)
  carry = low8 >> 6
  const sum7 = b[7]! + carry
  b[7] = sum7 & 0xff
  const low6 = (b[6]! & 0x0f) + (sum7 >> 8)
  b[6] = (b[6]! & 0xf0) | (low6 & 0x0f)
  return low6 >> 4 === 0
}

/**
 * A UUIDv7 (RFC 9562): 48 bits of Unix milliseconds then 74 random bits, so ids sort by creation time
 * and new rows land at the end of the primary-key index. Ids made in one process sort in the order
 * they were made, whatever the clock does (RFC 9562 §6.2, method 3): in the same millisecond each
 * adds a random step to the previous one's random bits, and when the clock is stepped back (NTP, a
 * time given on purpose) the ids go on from the last one's millisecond until the clock catches up,
 * so an event emitted after the step never lists, or pages by cursor, before one emitted earlier.
 * The embedded time is then that of the last id, not `now`: the event's `createdAt` keeps `now`.
 * @param time - the timestamp in ms to embed, fractions dropped (default `Date.now()`); an earlier
 *   one than the last id's embeds the last id's
 */
export function eventId(time: number = Date.now()): string {
  // Whole milliseconds, as embedded: an injected clock may give fractions, and 1000.75 after
  // 1000.25 would otherwise start afresh in the same millisecond, sorting before it half the time.
  const now = Math.floor(time)
  const b = last
  if (now <= lastMs) {
    // The last id's millisecond, stepped; should its random bits ever run out, the next millisecond.
    if (!advance(b)) fresh(b, lastMs + 1)
  } else {
    fresh(b, now)
  }
  let s = ''
  for (let i = 0; i < 16; i++) {
    s += HEX[b[i]!]
    if (i === 3 || i === 5 || i === 7 || i === 9) s += '-'
  }
  return s
}

/** Fills `b` with a new id for millisecond `now`: fresh random bits, with room for steps. */
function fresh(b: Uint8Array, now: number): void {
  lastMs = now
  let ms = now
  for (let i = 5; i >= 0; i--) {
    b[i] = ms % 256
    ms = Math.floor(ms / 256)
  }
  b.set(random(10), 6)
  // Version 7; the top random bit starts clear, leaving room for 2^41 steps in one millisecond.
  b[6] = (b[6]! & 0x07) | 0x70
  b[8] = (b[8]! & 0x3f) | 0x80
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** True when `value` is a UUID in canonical 8-4-4-4-12 form (any version); used for ids supplied by senders. */
export function isUuid(value: string): boolean {
  return UUID.test(value)
}
