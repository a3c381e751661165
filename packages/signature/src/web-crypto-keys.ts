import { WebhookVerificationError } from './errors.js'
import { decodeSecret, ed25519Pkcs8 } from './secret.js'
import { decodeSigningSecret } from './sign-input.js'

type CryptoKey = Awaited<ReturnType<SubtleCrypto['importKey']>>
type SubtleCrypto = typeof globalThis.crypto.subtle

/** A secret imported into WebCrypto. */
export type WebCryptoKey =
  | { readonly kind: 'hmac'; readonly key: CryptoKey }
  | { readonly kind: 'ed25519'; readonly key: CryptoKey }

// Importing is asynchronous and costs more than signing a small body: import each secret once.
// Failed imports are dropped from the cache so a transient failure is not remembered.
const verifyCache = new Map<string, Promise<WebCryptoKey>>()
const signCache = new Map<string, Promise<WebCryptoKey>>()
const KEY_CACHE_LIMIT = 256

const HMAC = { name: 'HMAC', hash: 'SHA-256' } as const
const ED25519 = { name: 'Ed25519' } as const

/**
 * Imports a secret for verifying.
 *
 * @throws WebhookVerificationError `invalid_secret` (as a rejection)
 */
export function verifyingKey(secret: unknown): Promise<WebCryptoKey> {
  return cached(verifyCache, secret, () => {
    const decoded = decodeSecret(secret)
    switch (decoded.kind) {
      case 'invalid':
        throw new WebhookVerificationError('invalid_secret', decoded.problem)
      case 'ed25519-private':
        throw new WebhookVerificationError(
          'invalid_secret',
          'verifyAsync() was given a whsk_ private key; give receivers the whpk_ public key from generateKeyPair()',
        )
      case 'hmac':
        // The HMAC is computed and compared as base64 text, like verify() does, so: 'sign'.
        return importKey('hmac', 'raw', decoded.key, HMAC, 'sign')
      case 'ed25519-public':
        return importKey('ed25519', 'raw', decoded.key, ED25519, 'verify')
    }
  })
}

/**
 * Imports a secret for signing.
 *
 * @throws WebhookUsageError `invalid_secret` (as a rejection)
 */
export function signingKey(secret: string): Promise<WebCryptoKey> {
  return cached(signCache, secret, () => {
    const decoded = decodeSigningSecret(secret)
    return decoded.kind === 'hmac'
      ? importKey('hmac', 'raw', decoded.key, HMAC, 'sign')
      : importKey('ed25519', 'pkcs8', ed25519Pkcs8(decoded.seed), ED25519, 'sign')
  })
}

async function importKey(
  kind: WebCryptoKey['kind'],
  format: 'raw' | 'pkcs8',
  bytes: Uint8Array,
  algorithm: typeof HMAC | typeof ED25519,
  usage: 'sign' | 'verify',
): Promise<WebCryptoKey> {
  const key = await globalThis.crypto.subtle.importKey(format, bytes, algorithm, false, [usage])
  return { kind, key }
}

function cached(
  cache: Map<string, Promise<WebCryptoKey>>,
  secret: unknown,
  load: () => Promise<WebCryptoKey>,
): Promise<WebCryptoKey> {
  if (typeof secret !== 'string') return Promise.resolve().then(load)
  const hit = cache.get(secret)
  if (hit !== undefined) return hit
  const promise = Promise.resolve().then(load)
  if (cache.size >= KEY_CACHE_LIMIT) cache.clear()
  cache.set(secret, promise)
  promise.catch(() => cache.delete(secret))
  return promise
}
