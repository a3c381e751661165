import { randomBytes, scryptSync } from 'node:crypto'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/clock.js'
import { hashSecret, verifySecret } from '../../src/senders/secret-hash.js'
import { makeRio, tempDir } from '../helpers.js'

/** A hash as Rio wrote it before the cost was stored: `scrypt$<salt>$<hash>`, N=2^14, r=8, p=1. */
function legacyHash(secret: string): string {
  const salt = randomBytes(16)
  const hash = scryptSync(secret, salt, 32, { N: 16384, r: 8, p: 1, maxmem: 64 * 1024 * 1024 })
  return `scrypt$${salt.toString('base64url')}$${hash.toString('base64url')}`
}

describe('sender secret hashes', () => {
  it('are stored with their cost, a 16-byte salt and a 32-byte scrypt hash, never the secret', async () => {
    const rio = makeRio()
    const { secret } = await rio.createSender('shop', 'checkout', { secret: 'example' })
    const [stored] = await rio.listSenders('shop')
    const parts = stored!.secretHash.split('$')
    expect(parts.slice(0, 2)).toEqual(['scrypt', 'ln=14,r=8,p=1'])
    expect(Buffer.from(parts[2]!, 'base64url')).toHaveLength(16)
    expect(Buffer.from(parts[3]!, 'base64url')).toHaveLength(32)
    expect(stored!.secretHash).not.toContain(secret)
    // Salted: the same secret hashes differently each time.
    expect(await hashSecret('example')).not.toBe(await hashSecret('example'))
  })

  it('still checks a hash written before the cost was stored', async () => {
    const stored = legacyHash('example')
    expect(await verifySecret('example', stored)).toBe(true)
    expect(await verifySecret('exampl3', stored)).toBe(false)
  })

  it.each([
    ['another scheme', 'bcrypt$abc$def'],
    ['no salt', 'scrypt$$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
    [
      'a cost field it cannot read',
      'scrypt$N=16384$c2FsdHNhbHRzYWx0$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    ],
    // 128 × 2^24 × 8 bytes: 16 GiB for one check, from a database edited by hand.
    [
      'a cost out of bounds',
      'scrypt$ln=24,r=8,p=1$c2FsdHNhbHRzYWx0$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    ],
    ['a hash too short to mean anything', 'scrypt$ln=14,r=8,p=1$c2FsdHNhbHRzYWx0$AAAA'],
    [
      'too many fields',
      'scrypt$ln=14,r=8,p=1$x$c2FsdHNhbHRzYWx0$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    ],
  ])('refuses a stored hash with %s', async (_, stored) => {
    expect(await verifySecret('example', stored)).toBe(false)
  })

  it('checks a hash made with another cost by the cost it holds', async () => {
    const salt = randomBytes(16)
    const hash = scryptSync('example', salt, 32, { N: 2 ** 12, r: 4, p: 2 })
    const stored = `scrypt$ln=12,r=4,p=2$${salt.toString('base64url')}$${hash.toString('base64url')}`
    expect(await verifySecret('example', stored)).toBe(true)
    expect(await verifySecret('example', stored.replace('ln=12', 'ln=13'))).toBe(false)
  })

  it('refuses the old secret once a sender removed and created again elsewhere is looked up again', async () => {
    const clock = new ManualClock(Date.parse('2026-11-28T12:00:00Z'))
    const file = join(tempDir(), 'shared.db')
    const web = makeRio({ database: file, clock })
    const admin = makeRio({ database: file, clock })
    const { secret: old } = await admin.createSender('shop', 'checkout')
    expect(await web.authenticateSender('shop', 'checkout', old)).toMatchObject({ ok: true })
    await admin.removeSender('shop', 'checkout')
    const { secret: rotated } = await admin.createSender('shop', 'checkout')
    clock.advance(1001)
    expect(await web.authenticateSender('shop', 'checkout', old)).toEqual({
      ok: false,
      reason: 'unauthorized',
    })
    expect(await web.authenticateSender('shop', 'checkout', rotated)).toMatchObject({ ok: true })
  })
})
