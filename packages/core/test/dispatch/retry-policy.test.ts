import { describe, expect, it } from 'vitest'
import { RetryPolicy } from '../../src/dispatch/retry-policy.js'
import { RioValidationError } from '../../src/errors.js'

const SVIX = [0, 5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000]
const exact = (options: ConstructorParameters<typeof RetryPolicy>[0] = {}) =>
  new RetryPolicy({ jitter: 0, ...options })

describe('RetryPolicy', () => {
  it('follows the default Svix schedule and gives up after 8 attempts', () => {
    const policy = exact()
    const delays: number[] = []
    for (let attempts = 1; ; attempts++) {
      const decision = policy.next({ attempts, status: 500 })
      if (!decision.retry) break
      delays.push(decision.delayMs)
    }
    expect(delays).toEqual(SVIX.slice(1))
    expect(delays.length + 1).toBe(8)
    // about 27 hours from the first attempt to the last
    expect(delays.reduce((a, b) => a + b, 0) / 3_600_000).toBeCloseTo(27.6, 1)
    expect(policy.next({ attempts: 8, status: 500 })).toEqual({ retry: false })
    expect(policy.next({ attempts: 50 })).toEqual({ retry: false })
  })

  it('adds jitter that is never early and at most +20 %', () => {
    const low = new RetryPolicy({ random: () => 0 })
    const high = new RetryPolicy({ random: () => 0.999 })
    for (let attempts = 1; attempts < SVIX.length; attempts++) {
      const step = SVIX[attempts]!
      expect(low.next({ attempts, status: 500 })).toEqual({ retry: true, delayMs: step })
      const jittered = high.next({ attempts, status: 500 })
      expect(jittered.retry && jittered.delayMs).toBeGreaterThanOrEqual(step)
      expect(jittered.retry && jittered.delayMs).toBeLessThanOrEqual(Math.ceil(step * 1.2))
      expect(jittered.retry && jittered.delayMs).toBeGreaterThan(step * 1.19)
    }
  })

  it('keeps jitter within bounds even when random() misbehaves', () => {
    for (const r of [-1, 2, Number.NaN]) {
      const decision = new RetryPolicy({ schedule: [0, 1000], random: () => r }).next({ attempts: 1 })
      expect(decision.retry && decision.delayMs).toBeGreaterThanOrEqual(1000)
      expect(decision.retry && decision.delayMs).toBeLessThanOrEqual(1200)
    }
  })

  it('lengthens the wait for a Retry-After hint on 429 and 503, capped', () => {
    const policy = exact({ maxRetryAfterMs: 3_600_000, throttleMinDelayMs: 0 })
    expect(policy.next({ attempts: 1, status: 503, retryAfterMs: 120_000 })).toEqual({
      retry: true,
      delayMs: 120_000,
    })
    expect(policy.next({ attempts: 1, status: 429, retryAfterMs: 120_000 })).toEqual({
      retry: true,
      delayMs: 120_000,
    })
    // capped at maxRetryAfterMs
    expect(policy.next({ attempts: 1, status: 503, retryAfterMs: 86_400_000 })).toEqual({
      retry: true,
      delayMs: 3_600_000,
    })
    // never shortens the schedule's step
    expect(policy.next({ attempts: 3, status: 503, retryAfterMs: 1_000 })).toEqual({
      retry: true,
      delayMs: 1_800_000,
    })
    // a capped hint below a long step does not shorten it either
    expect(policy.next({ attempts: 6, status: 503, retryAfterMs: 86_400_000 })).toEqual({
      retry: true,
      delayMs: 36_000_000,
    })
    // ignored with other statuses
    expect(policy.next({ attempts: 1, status: 500, retryAfterMs: 120_000 })).toEqual({
      retry: true,
      delayMs: 5_000,
    })
    // still bounded by the schedule's length
    expect(policy.next({ attempts: 8, status: 503, retryAfterMs: 1_000 })).toEqual({ retry: false })
  })

  it('waits at least a minute after a timeout or a 429', () => {
    const policy = exact()
    expect(policy.next({ attempts: 1, timedOut: true })).toEqual({ retry: true, delayMs: 60_000 })
    expect(policy.next({ attempts: 1, status: 429 })).toEqual({ retry: true, delayMs: 60_000 })
    expect(policy.next({ attempts: 1, status: 429, retryAfterMs: 1_000 })).toEqual({
      retry: true,
      delayMs: 60_000,
    })
    expect(policy.next({ attempts: 1, status: 503 })).toEqual({ retry: true, delayMs: 5_000 })
    expect(policy.next({ attempts: 2, timedOut: true })).toEqual({ retry: true, delayMs: 300_000 })
  })

  it('uses a per-handler schedule when given one', () => {
    const policy = exact()
    const schedule = [0, 10, 20]
    expect(policy.next({ attempts: 1, schedule })).toEqual({ retry: true, delayMs: 10 })
    expect(policy.next({ attempts: 2, schedule })).toEqual({ retry: true, delayMs: 20 })
    expect(policy.next({ attempts: 3, schedule })).toEqual({ retry: false })
    expect(policy.next({ attempts: 3, schedule: null })).toEqual({ retry: true, delayMs: 1_800_000 })
  })

  it("lets a function handler's requested delay replace the step, within the cap and the attempt count", () => {
    const policy = exact({ maxRetryAfterMs: 100_000 })
    expect(policy.next({ attempts: 3, requestedDelayMs: 30_000 })).toEqual({ retry: true, delayMs: 30_000 })
    expect(policy.next({ attempts: 1, requestedDelayMs: 30_000 })).toEqual({ retry: true, delayMs: 30_000 })
    expect(policy.next({ attempts: 1, requestedDelayMs: 999_999 })).toEqual({ retry: true, delayMs: 100_000 })
    expect(policy.next({ attempts: 1, requestedDelayMs: -5 })).toEqual({ retry: true, delayMs: 5_000 })
    expect(policy.next({ attempts: 8, requestedDelayMs: 30_000 })).toEqual({ retry: false })
  })

  it.each([
    ['an empty schedule', { schedule: [] }, 'schedule'],
    ['a negative step', { schedule: [0, -1] }, 'schedule.1'],
    ['an infinite step', { schedule: [0, Number.POSITIVE_INFINITY] }, 'schedule.1'],
    ['a NaN step', { schedule: [0, Number.NaN] }, 'schedule.1'],
    ['over 100 steps', { schedule: Array.from({ length: 101 }, () => 0) }, 'schedule'],
    ['negative jitter', { jitter: -0.1 }, 'jitter'],
    ['a NaN cap', { maxRetryAfterMs: Number.NaN }, 'maxRetryAfterMs'],
    ['a negative throttle minimum', { throttleMinDelayMs: -1 }, 'throttleMinDelayMs'],
    ['a random that is not a function', { random: 0.5 as unknown as () => number }, 'random'],
  ])('refuses %s, naming the field', (_, options, field) => {
    let error: unknown
    try {
      new RetryPolicy(options)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(RioValidationError)
    expect((error as RioValidationError).code).toBe('invalid_options')
    expect((error as RioValidationError).message).toMatch(
      new RegExp(`retry policy options: ${field.replace('.', '\\.')}:`),
    )
    expect((error as RioValidationError).issues?.length).toBeGreaterThan(0)
  })

  it('accepts a schedule of exactly 100 steps and no jitter', () => {
    expect(() => new RetryPolicy({ schedule: Array.from({ length: 100 }, () => 1), jitter: 0 })).not.toThrow()
  })
})
