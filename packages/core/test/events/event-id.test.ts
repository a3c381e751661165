import { describe, expect, it } from 'vitest'
import { eventId } from '../../src/events/event-id.js'

const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

/** The millisecond timestamp in a UUIDv7. */
const timeOf = (id: string) => Number.parseInt(id.replaceAll('-', '').slice(0, 12), 16)
/** The 74 random bits (rand_a and rand_b) as one number. */
const randomBitsOf = (id: string) => {
  const hex = id.replaceAll('-', '')
  const randA = BigInt(`0x${hex.slice(13, 16)}`)
  const randB = BigInt(`0x${hex.slice(16, 32)}`) & ((1n << 62n) - 1n)
  return (randA << 62n) | randB
}

describe('eventId', () => {
  it('keeps ids made in one millisecond in the order they were made', () => {
    const now = Date.parse('2026-11-27T12:00:00.000Z') + 7
    const ids = Array.from({ length: 10_000 }, () => eventId(now))
    for (const id of ids) {
      expect(id).toMatch(V7)
      expect(timeOf(id)).toBe(now)
    }
    expect([...ids].sort()).toEqual(ids)
    expect(new Set(ids).size).toBe(ids.length)
  })

  it('steps by random amounts, so the next id cannot be told from the last', () => {
    const now = Date.parse('2026-11-27T12:00:01.000Z')
    const ids = Array.from({ length: 200 }, () => eventId(now))
    const steps = ids.slice(1).map((id, i) => randomBitsOf(id) - randomBitsOf(ids[i]!))
    for (const step of steps) {
      expect(step).toBeGreaterThanOrEqual(1n)
      expect(step).toBeLessThanOrEqual(2n ** 32n)
    }
    expect(new Set(steps).size).toBeGreaterThan(190)
  })

  it('sorts later milliseconds after earlier ones, and goes on sorting after an earlier time', () => {
    const t = Date.parse('2026-11-27T12:00:02.000Z')
    const first = eventId(t)
    const later = eventId(t + 1)
    expect(later > first).toBe(true)
    expect(timeOf(later)).toBe(t + 1)
    // A clock stepped back (or an explicit older time): the id goes on from the last one's millisecond.
    const back = eventId(t)
    expect(back > later).toBe(true)
    expect(timeOf(back)).toBe(t + 1)
    expect(back).toMatch(V7)
  })

  it('makes strictly increasing ids at full speed on the real clock', () => {
    const ids = Array.from({ length: 50_000 }, () => eventId())
    let sorted = true
    for (let i = 1; i < ids.length; i++) if (ids[i]! <= ids[i - 1]!) sorted = false
    expect(sorted).toBe(true)
  })

  it('starts each millisecond with room to spare: the top random bit is clear', () => {
    // Later than any id made before in this process, or it would go on from the last one's bits.
    const now = Date.parse('2099-11-27T12:00:03.000Z')
    const first = eventId(now)
    expect(timeOf(first)).toBe(now)
    expect(randomBitsOf(first) < 1n << 73n).toBe(true)
  })
})
