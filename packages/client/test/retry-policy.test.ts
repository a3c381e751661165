import { describe, expect, it } from 'vitest'
import { RetryPolicy } from '../src/retry-policy.ts'

const options = { retries: 4, retryBudgetMs: 30_000, retryDelayMs: 500, retryMaxDelayMs: 8_000 }

describe('RetryPolicy', () => {
  it('doubles the backoff from retryDelayMs up to retryMaxDelayMs, with 50–100 % jitter', () => {
    const high = new RetryPolicy(options, () => 0.999_999)
    expect([1, 2, 3, 4, 5, 6, 40].map((retry) => high.backoff(retry))).toEqual([
      500, 1000, 2000, 4000, 8000, 8000, 8000,
    ])
    const low = new RetryPolicy(options, () => 0)
    expect([1, 2, 3, 4, 5].map((retry) => low.backoff(retry))).toEqual([250, 500, 1000, 2000, 4000])
  })

  it('retries up to `retries` times', () => {
    const policy = new RetryPolicy(options, () => 0)
    expect(policy.decide(1, 0)).toEqual({ retry: true, delayMs: 250 })
    expect(policy.decide(4, 0)).toEqual({ retry: true, delayMs: 2000 })
    expect(policy.decide(5, 0)).toEqual({ retry: false, reason: 'attempts' })
    expect(new RetryPolicy({ ...options, retries: 0 }).decide(1, 0)).toEqual({
      retry: false,
      reason: 'attempts',
    })
  })

  it('never waits less than Retry-After', () => {
    const policy = new RetryPolicy(options, () => 0)
    expect(policy.decide(1, 0, 3_000)).toEqual({ retry: true, delayMs: 3_000 })
    expect(policy.decide(1, 0, 0)).toEqual({ retry: true, delayMs: 250 })
  })

  it('spreads a Retry-After over up to half as long again, so clients shed together come back apart', () => {
    expect(new RetryPolicy(options, () => 0).decide(1, 0, 2_000)).toEqual({ retry: true, delayMs: 2_000 })
    expect(new RetryPolicy(options, () => 0.5).decide(1, 0, 2_000)).toEqual({ retry: true, delayMs: 2_500 })
    expect(new RetryPolicy(options, () => 0.999_999).decide(1, 0, 2_000)).toEqual({
      retry: true,
      delayMs: 3_000,
    })
    // Never past the budget, never under Retry-After, never under the backoff.
    expect(new RetryPolicy(options, () => 0.999_999).decide(1, 28_000, 1_500)).toEqual({
      retry: true,
      delayMs: 2_000,
    })
    expect(new RetryPolicy(options, () => 0.999_999).decide(4, 0, 100)).toEqual({
      retry: true,
      delayMs: 4_000,
    })
  })

  it('cuts the backoff to the budget left, and stops when none is left', () => {
    const policy = new RetryPolicy({ ...options, retryBudgetMs: 1_000 }, () => 0.999_999)
    expect(policy.decide(3, 900)).toEqual({ retry: true, delayMs: 100 })
    expect(policy.decide(3, 1_000)).toEqual({ retry: false, reason: 'budget' })
  })

  it('blames the budget, not a Retry-After of 0, once the budget is spent', () => {
    const policy = new RetryPolicy({ ...options, retryBudgetMs: 1_000 })
    expect(policy.decide(1, 1_500, 0)).toEqual({ retry: false, reason: 'budget' })
    expect(policy.decide(1, 1_000, 0)).toEqual({ retry: false, reason: 'budget' })
    expect(policy.decide(1, 1_500, 5_000)).toEqual({ retry: false, reason: 'budget' })
  })

  it('stops at once when Retry-After reaches past the budget', () => {
    const policy = new RetryPolicy(options)
    expect(policy.decide(1, 10_000, 20_001)).toEqual({ retry: false, reason: 'retry_after' })
    expect(policy.decide(1, 10_000, 20_000)).toEqual({ retry: true, delayMs: 20_000 })
  })
})
