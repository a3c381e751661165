import { generateKeyPairSync } from 'node:crypto'
import { PRIVATE_KEY_PREFIX, PUBLIC_KEY_PREFIX } from './secret.js'

/** An ed25519 key pair for Standard Webhooks `v1a` signatures. */
export interface KeyPair {
  /** `whsk_<base64 32-byte seed>`: Rio signs with it; keep it on the sending side only. */
  secretKey: string
  /** `whpk_<base64 32-byte public key>`: receivers verify with it; it can be published. */
  publicKey: string
}

/**
 * Makes a new ed25519 key pair for asymmetric (`v1a`) signatures, so receivers hold only a public
 * key that cannot sign.
 *
 * @returns `{ secretKey: 'whsk_…', publicKey: 'whpk_…' }`
 * @example
 * ```ts
 * const { secretKey, publicKey } = generateKeyPair()
 * const headers = sign({ id, timestamp, body, secret: secretKey }) // 'v1a,…'
 * verify(body, headers, publicKey)
 * ```
 */
export function generateKeyPair(): KeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  // The raw seed and key are the last 32 bytes of the PKCS#8 and SPKI encodings.
  const seed = privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(-32)
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32)
  return {
    secretKey: `${PRIVATE_KEY_PREFIX}${seed.toString('base64')}`,
    publicKey: `${PUBLIC_KEY_PREFIX}${raw.toString('base64')}`,
  }
}
