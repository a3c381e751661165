import { afterEach, describe, expect, it, vi } from 'vitest'
import { FailedAuthLimiter } from '../../src/http/failed-auth-limiter.js'

const HOUR = 3_600_000

afterEach(() => {
  vi.useRealTimers()
})

describe('FailedAuthLimiter when the wall clock is stepped', () => {
  it('keeps an address out for its window, not for as long as the clock was stepped back', () => {
    // Only Date is faked: the wall clock steps, monotonic time runs on.
    vi.useFakeTimers({ toFake: ['Date'], now: Date.parse('2026-01-01T00:00:00Z') })
    const limiter = new FailedAuthLimiter(2, 60_000)
    limiter.fail('10.0.0.1')
    limiter.fail('10.0.0.1')
    expect(limiter.retryAfter('10.0.0.1')).toBe(60)

    vi.setSystemTime(Date.now() - HOUR)
    expect(limiter.retryAfter('10.0.0.1')).toBeLessThanOrEqual(60)
  })

  it('does not let an address guess again early when the clock is stepped forward', () => {
    vi.useFakeTimers({ toFake: ['Date'], now: Date.parse('2026-01-01T00:00:00Z') })
    const limiter = new FailedAuthLimiter(2, 60_000)
    limiter.fail('10.0.0.1')
    limiter.fail('10.0.0.1')

    vi.setSystemTime(Date.now() + HOUR)
    expect(limiter.retryAfter('10.0.0.1')).toBeGreaterThan(0)
    expect(limiter.acquire('10.0.0.1', 'guess')).toBeGreaterThan(0)
  })
})
