import { describe, expect, it } from 'vitest'
import { systemClock } from '../../src/clock.js'
import { SenderCache } from '../../src/senders/sender-cache.js'
import type { Sender } from '../../src/store/store.js'

const sender = { project: 'shop', name: 'checkout' } as Sender

/** A load that answers `value` when `finish()` is called. */
function pending(value: Sender | null): {
  load: () => Promise<Sender | null>
  finish: () => void
  calls: () => number
} {
  let finish = () => {}
  let calls = 0
  const answer = new Promise<Sender | null>((resolve) => {
    finish = () => resolve(value)
  })
  return {
    load: () => {
      calls++
      return answer
    },
    finish: () => finish(),
    calls: () => calls,
  }
}

describe('SenderCache', () => {
  it('keeps a sender it found for later lookups', async () => {
    const cache = new SenderCache(systemClock)
    const first = pending(sender)
    first.finish()
    expect(await cache.get('shop', 'checkout', first.load)).toBe(sender)
    const second = pending(null)
    expect(await cache.get('shop', 'checkout', second.load)).toBe(sender)
    expect(second.calls()).toBe(0)
  })

  it('does not keep a lookup a forget overlapped: the row it read may have been deleted since', async () => {
    const cache = new SenderCache(systemClock)
    const racing = pending(sender)
    const lookup = cache.get('shop', 'checkout', racing.load)
    // A removal: forgotten, then deleted, while the lookup's read is still on its way.
    cache.forget('shop', 'checkout')
    racing.finish()
    expect(await lookup).toBe(sender)
    const after = pending(null)
    after.finish()
    expect(await cache.get('shop', 'checkout', after.load)).toBeNull()
    expect(after.calls()).toBe(1)
  })
})
