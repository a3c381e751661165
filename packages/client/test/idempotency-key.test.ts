import { describe, expect, it } from 'vitest'
import { newIdempotencyKey } from '../src/idempotency-key.js'

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

describe('newIdempotencyKey', () => {
  it('makes UUIDv7 keys carrying the time in their first 48 bits', () => {
    const now = Date.parse('2026-11-27T14:00:00.123Z')
    const key = newIdempotencyKey(now)
    expect(key).toMatch(UUID_V7)
    expect(Number.parseInt(key.replace(/-/g, '').slice(0, 12), 16)).toBe(now)
  })

  it('sorts keys made in a later millisecond after earlier ones, so they append to an index', () => {
    const start = Date.parse('2026-11-27T14:00:00Z')
    const keys = Array.from({ length: 2000 }, (_, i) => newIdempotencyKey(start + Math.floor(i / 10)))
    for (let i = 10; i < keys.length; i += 10) expect(keys[i]! > keys[i - 1]!).toBe(true)
  })

  it('never repeats, within a millisecond or across them', () => {
    const now = Date.now()
    const keys = new Set(Array.from({ length: 50_000 }, (_, i) => newIdempotencyKey(now + (i % 3))))
    expect(keys.size).toBe(50_000)
  })
})
