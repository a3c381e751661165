import { describe, expect, it } from 'vitest'
import { monotonicOf } from '../src/clock.js'
import { type Clock, ManualClock, systemClock } from '../src/index.js'

const T0 = Date.parse('2026-01-01T00:00:00Z')

describe('ManualClock', () => {
  it('steps the wall clock on jump() without moving monotonic time or timers', async () => {
    const clock = new ManualClock(T0)
    const fired: Array<[number, number]> = []
    clock.setTimeout(() => fired.push([clock.now(), clock.monotonic()]), 1000)

    clock.jump(3_600_000)
    expect(fired).toEqual([])
    expect(clock.monotonic()).toBe(0)
    clock.jump(-7_200_000)
    await clock.advance(999)
    expect(fired).toEqual([])
    await clock.advance(1)
    // Due after 1 s of monotonic time, as a host timer is, whatever the wall clock did.
    expect(fired).toEqual([[T0 - 3_600_000 + 1000, 1000]])
  })

  it('moves wall and monotonic time together on advance()', async () => {
    const clock = new ManualClock(T0)
    const fired: number[] = []
    clock.setTimeout(() => fired.push(clock.now()), 300)
    clock.setTimeout(() => fired.push(clock.now()), 100)
    await clock.advance(500)
    expect(fired).toEqual([T0 + 100, T0 + 300])
    expect([clock.now(), clock.monotonic()]).toEqual([T0 + 500, 500])
  })
})

describe('monotonicOf', () => {
  it("uses a clock's monotonic time, and its now() for a clock without one", () => {
    const manual = new ManualClock(T0)
    manual.jump(-1000)
    expect(monotonicOf(manual)()).toBe(0)
    const legacy: Clock = { now: () => 42, setTimeout: () => 0, clearTimeout: () => {} }
    expect(monotonicOf(legacy)()).toBe(42)
    expect(Math.abs(monotonicOf(systemClock)() - performance.now())).toBeLessThan(50)
  })
})
