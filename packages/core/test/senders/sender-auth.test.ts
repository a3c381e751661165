import { describe, expect, it } from 'vitest'
import { hashSecret, verifySecret } from '../../src/senders/secret-hash.js'
import { type SecretCheck, SecretVerifier } from '../../src/senders/sender-auth.js'

/** The real scrypt check, counting its calls and the most that ran at once. */
function countingCheck(): SecretCheck & { calls: number; peak: number } {
  let running = 0
  const check = Object.assign(
    async (secret: string, stored: string) => {
      check.calls++
      check.peak = Math.max(check.peak, ++running)
      try {
        return await verifySecret(secret, stored)
      } finally {
        running--
      }
    },
    { calls: 0, peak: 0 },
  )
  return check
}

describe('SecretVerifier', () => {
  it('runs one scrypt for a burst of concurrent requests with the same credentials', async () => {
    const stored = await hashSecret('s3cret')
    const check = countingCheck()
    const verifier = new SecretVerifier(100, check)
    const results = await Promise.all(
      Array.from({ length: 32 }, () => verifier.verify('shop/checkout', 's3cret', stored)),
    )
    expect(results).toEqual(Array(32).fill(true))
    expect(check.calls).toBe(1)
    // Remembered afterwards: no scrypt at all.
    expect(await verifier.verify('shop/checkout', 's3cret', stored)).toBe(true)
    expect(check.calls).toBe(1)
  })

  it('shares a failing check too, but never remembers a failure', async () => {
    const stored = await hashSecret('s3cret')
    const check = countingCheck()
    const verifier = new SecretVerifier(100, check)
    const wrong = await Promise.all(
      Array.from({ length: 8 }, () => verifier.verify('shop/checkout', 'guess', stored)),
    )
    expect(wrong).toEqual(Array(8).fill(false))
    expect(check.calls).toBe(1)
    expect(await verifier.verify('shop/checkout', 'guess', stored)).toBe(false)
    expect(check.calls).toBe(2)
  })

  it('checks different secrets, senders and hashes separately, even at the same time', async () => {
    const stored = await hashSecret('s3cret')
    const rotated = await hashSecret('n3w-secret')
    const check = countingCheck()
    const verifier = new SecretVerifier(100, check)
    const [right, wrong, otherSender, oldSecretNewHash, newSecret] = await Promise.all([
      verifier.verify('shop/checkout', 's3cret', stored),
      verifier.verify('shop/checkout', 'guess', stored),
      verifier.verify('shop/billing', 's3cret', stored),
      verifier.verify('shop/checkout', 's3cret', rotated),
      verifier.verify('shop/checkout', 'n3w-secret', rotated),
    ])
    expect([right, wrong, otherSender, oldSecretNewHash, newSecret]).toEqual([true, false, true, false, true])
    expect(check.calls).toBe(5)
  })

  it('passes a failing check on to every waiter and then tries again', async () => {
    let calls = 0
    const verifier = new SecretVerifier(100, async () => {
      calls++
      if (calls === 1) throw new Error('scrypt: out of memory')
      return true
    })
    const first = await Promise.allSettled([
      verifier.verify('a/b', 'x', 'h'),
      verifier.verify('a/b', 'x', 'h'),
    ])
    expect(first.map((r) => r.status)).toEqual(['rejected', 'rejected'])
    expect(await verifier.verify('a/b', 'x', 'h')).toBe(true)
    expect(calls).toBe(2)
  })
})
