import { describe, expect, it } from 'vitest'
import { monotonicOf } from '../src/clock.js'
import { RateLimiter } from '../src/dispatch/rate-limiter.js'
import { ManualClock } from '../src/index.js'

const T0 = Date.parse('2026-01-01T00:00:00Z')

describe('ManualClock.set, as tests written before jump() use it', () => {
  it('lets timers due by a time set forward fire at the next advance(0)', async () => {
    const clock = new ManualClock(T0)
    const fired: number[] = []
    clock.setTimeout(() => fired.push(clock.now()), 5000)

    clock.set(T0 + 5000)
    expect(fired).toEqual([])
    await clock.advance(0)
    expect(fired).toEqual([T0 + 5000])
    expect(clock.monotonic()).toBe(5000)
  })

  it('moves durations measured on monotonic time when set forward, and leaves them when set back', () => {
    const clock = new ManualClock(T0)
    const now = monotonicOf(clock)
    const limiter = new RateLimiter(1)
    limiter.take(1, now())
    clock.set(T0 + 1000)
    expect(limiter.available(now())).toBe(1)
    limiter.take(1, now())
    clock.set(T0 - 3_600_000)
    expect(clock.monotonic()).toBe(1000)
    expect(limiter.waitMs(now())).toBe(1000)
  })
})
