import { describe, expect, it } from 'vitest'
import { FailedAuthLimiter } from '../../src/http/failed-auth-limiter.js'
import { basic, call, eventCount, postJson, startApi, withSender } from './api-server.js'

function tally(statuses: readonly number[]): Record<number, number> {
  const counts: Record<number, number> = {}
  for (const status of statuses) counts[status] = (counts[status] ?? 0) + 1
  return counts
}

describe('FailedAuthLimiter', () => {
  it('counts checks in progress as failures, except checks of the same credentials, until released', () => {
    let now = 0
    const limiter = new FailedAuthLimiter(2, 60_000, () => now)
    expect(limiter.acquire('a', 'guess-1')).toBe(0)
    expect(limiter.acquire('a', 'guess-2')).toBe(0)
    expect(limiter.acquire('a', 'guess-3')).toBe(1)
    // Joins the check already running for the same credentials.
    expect(limiter.acquire('a', 'guess-1')).toBe(0)
    expect(limiter.acquire('b', 'guess-3')).toBe(0)
    // guess-1 succeeded (twice): its place is free again, and no failure was counted.
    limiter.release('a', 'guess-1')
    limiter.release('a', 'guess-1')
    expect(limiter.acquire('a', 'guess-3')).toBe(0)
    // Both fail: the window is full until it ends.
    limiter.fail('a')
    limiter.release('a', 'guess-2')
    limiter.fail('a')
    limiter.release('a', 'guess-3')
    expect(limiter.retryAfter('a')).toBe(60)
    expect(limiter.acquire('a', 'guess-4')).toBe(60)
    now = 60_000
    expect(limiter.retryAfter('a')).toBe(0)
    expect(limiter.acquire('a', 'guess-4')).toBe(0)
  })
})

describe('failed authentication limit', () => {
  it('checks at most failedAuthLimit wrong secrets from one address sent all at once', async () => {
    const { rio, url } = await startApi({ api: { failedAuthLimit: 5 } })
    await withSender(rio)
    const guesses = Array.from({ length: 40 }, (_, i) => basic('checkout', `guess-${i}`))

    const emits = await Promise.all(
      guesses.map((authorization) =>
        postJson(`${url}/api/v1/projects/shop/events`, { name: 'x' }, { authorization }),
      ),
    )
    expect(tally(emits.map((res) => res.status))).toEqual({ 401: 5, 429: 35 })
    const refused = emits.find((res) => res.status === 429)!
    expect(refused.body.error.code).toBe('rate_limited')
    // The cause stays visible: a removed sender's service sees why it is now limited.
    expect(refused.body.error.message).toMatch(/answered 401.*check the credentials/)
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(await eventCount(rio)).toBe(0)
  })

  it('checks at most failedAuthLimit wrong secrets sent all at once to the original route', async () => {
    const { rio, url } = await startApi({ api: { failedAuthLimit: 5 } })
    await withSender(rio)
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        call(`${url}/event/shop/emit/x`, {
          method: 'POST',
          headers: { authorization: basic('checkout', `guess-${i}`) },
        }),
      ),
    )
    expect(tally(answers.map((res) => res.status))).toEqual({ 401: 5, 429: 35 })
    const refused = answers.find((res) => res.status === 429)!
    expect(refused.body).toEqual({ message: 'too many requests' })
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(await eventCount(rio)).toBe(0)
  })

  it('lets a burst of concurrent requests with the correct secret through, beyond the limit', async () => {
    const { rio, url } = await startApi({ api: { failedAuthLimit: 3 } })
    const { authorization } = await withSender(rio)
    const emits = await Promise.all(
      Array.from({ length: 32 }, (_, i) =>
        postJson(`${url}/api/v1/projects/shop/events`, { name: 'x', payload: i }, { authorization }),
      ),
    )
    expect(tally(emits.map((res) => res.status))).toEqual({ 202: 32 })
    expect(await eventCount(rio)).toBe(32)
    // None of them counted as a failure: three wrong secrets are still answered 401.
    for (let i = 0; i < 3; i++) {
      const wrong = await postJson(
        `${url}/api/v1/projects/shop/events`,
        { name: 'x' },
        { authorization: basic('checkout', `bad-${i}`) },
      )
      expect(wrong.status).toBe(401)
    }
  })
})
