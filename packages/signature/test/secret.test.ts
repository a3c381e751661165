import { generateKeyPairSync } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { generateKeyPair, generateSecret, sign, verify, verifyAsync } from '../src/index.ts'
import { decodeSecret } from '../src/secret.ts'

const message = { id: 'msg_1', timestamp: 1_700_000_000, body: 'hello' }
const now = () => message.timestamp * 1000

describe('generateSecret', () => {
  it('makes a whsec_ secret of 32 random bytes that signs and verifies', () => {
    const secret = generateSecret()
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/)
    expect(generateSecret()).not.toBe(secret)
    expect(verify(message.body, sign({ ...message, secret }), secret, { now }).id).toBe('msg_1')
  })
})

describe('generateKeyPair', () => {
  it('makes whsk_/whpk_ keys whose v1a signatures verify with the public key only', async () => {
    const { secretKey, publicKey } = generateKeyPair()
    expect(secretKey).toMatch(/^whsk_[A-Za-z0-9+/]{43}=$/)
    expect(publicKey).toMatch(/^whpk_[A-Za-z0-9+/]{43}=$/)
    const headers = sign({ ...message, secret: secretKey })
    expect(headers['webhook-signature']).toMatch(/^v1a,[A-Za-z0-9+/]{86}==$/)
    expect(verify(message.body, headers, publicKey, { now }).id).toBe('msg_1')
    expect((await verifyAsync(message.body, headers, publicKey, { now })).id).toBe('msg_1')
    const other = generateKeyPair().publicKey
    expect(() => verify(message.body, headers, other, { now })).toThrow(/no signature matches/)
  })
})

describe('whsk_ key forms', () => {
  it('accepts the 32-byte seed, seed + public key (64 bytes) and PKCS#8 alike', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519')
    const pkcs8 = privateKey.export({ format: 'der', type: 'pkcs8' })
    const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32)
    const seed = pkcs8.subarray(-32)
    const forms = [seed, Buffer.concat([seed, raw]), pkcs8].map((bytes) => `whsk_${bytes.toString('base64')}`)
    const signatures = forms.map((secret) => sign({ ...message, secret })['webhook-signature'])
    expect(new Set(signatures).size).toBe(1)
    expect(
      verify(message.body, sign({ ...message, secret: forms[2]! }), `whpk_${raw.toString('base64')}`, { now })
        .id,
    ).toBe('msg_1')
  })

  it('refuses other lengths', () => {
    expect(decodeSecret(`whsk_${Buffer.alloc(31).toString('base64')}`).kind).toBe('invalid')
    expect(decodeSecret(`whsk_${Buffer.alloc(48).toString('base64')}`).kind).toBe('invalid')
  })
})

describe('decodeSecret', () => {
  it('reads whsec_ as base64, with or without padding', () => {
    expect(decodeSecret('whsec_AAEC')).toEqual({ kind: 'hmac', key: new Uint8Array([0, 1, 2]) })
    expect(decodeSecret('whsec_AAE=')).toEqual({ kind: 'hmac', key: new Uint8Array([0, 1]) })
    expect(decodeSecret('whsec_AAE')).toEqual({ kind: 'hmac', key: new Uint8Array([0, 1]) })
  })

  it('refuses base64url and stray characters rather than skipping them', () => {
    for (const secret of ['whsec_AA-_', 'whsec_AA AA', 'whsec_A', 'whsec_AA=A']) {
      expect(decodeSecret(secret).kind).toBe('invalid')
    }
  })
})
