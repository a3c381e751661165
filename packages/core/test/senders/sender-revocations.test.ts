import { describe, expect, it } from 'vitest'
import { SenderRevocations } from '../../src/senders/sender-revocations.js'

describe('SenderRevocations', () => {
  it('tells a check that a removal of its sender overlapped, and only of its sender', () => {
    const revocations = new SenderRevocations()
    const shop = revocations.watch('shop/checkout')
    const blog = revocations.watch('blog/checkout')
    revocations.revoke('shop/checkout')
    expect({ shop: shop(), blog: blog() }).toEqual({ shop: false, blog: true })
    // A check that began after the removal is current until the next one.
    const later = revocations.watch('shop/checkout')
    expect(later()).toBe(true)
    revocations.revoke('shop/checkout')
    expect(later()).toBe(false)
  })

  it('starts over past its bound, reading every check under way as overlapped', () => {
    const revocations = new SenderRevocations(3)
    const watched = revocations.watch('p/kept')
    for (const name of ['a', 'b', 'c']) revocations.revoke(`p/${name}`)
    expect(watched()).toBe(true)
    // The fourth name would grow past the bound: the counts start over.
    revocations.revoke('p/d')
    expect(watched()).toBe(false)
    const fresh = revocations.watch('p/kept')
    revocations.revoke('p/e')
    expect(fresh()).toBe(true)
  })
})
