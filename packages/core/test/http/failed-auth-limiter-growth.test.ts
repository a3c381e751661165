import { describe, expect, it } from 'vitest'
import { FailedAuthLimiter } from '../../src/http/failed-auth-limiter.js'

/** What the limiter tracks at most (MAX_TRACKED). */
const MAX = 10_000

describe('FailedAuthLimiter memory', () => {
  it('tracks at most 10000 addresses however many fail', () => {
    let now = 0
    const limiter = new FailedAuthLimiter(3, 60_000, () => now)
    for (let i = 0; i < 3 * MAX; i++) {
      now += 1
      limiter.fail(`2001:db8:${i.toString(16)}::/64`)
    }
    expect(limiter.tracked).toBe(MAX)
  })

  it('drops expired windows as new ones open, not only once the map is full', () => {
    let now = 0
    const limiter = new FailedAuthLimiter(3, 1000, () => now)
    for (let i = 0; i < 5000; i++) limiter.fail(`10.0.${i >> 8}.${i & 255}`)
    now = 1000
    limiter.fail('192.0.2.1')
    expect(limiter.tracked).toBe(1)
  })

  it('when full, drops the window that ends first rather than one an address just restarted', () => {
    let now = 0
    const limiter = new FailedAuthLimiter(2, 1000, () => now)
    limiter.fail('198.51.100.7')
    now = 500
    for (let i = 0; i < MAX - 2; i++) limiter.fail(`10.1.${i >> 8}.${i & 255}`)
    // The first window of 198.51.100.7 has ended; it fails again and is refused until 2000.
    now = 1000
    limiter.fail('198.51.100.7')
    limiter.fail('198.51.100.7')
    expect(limiter.retryAfter('198.51.100.7')).toBe(1)
    now = 1100
    limiter.fail('203.0.113.1') // the map is full now
    limiter.fail('203.0.113.2') // one window must go: one of those ending at 1500, not the one ending at 2000
    expect(limiter.retryAfter('198.51.100.7')).toBe(1)
  })
})
