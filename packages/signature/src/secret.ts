import { decodeBase64, encodeBase64 } from './base64.js'

/** Prefix of a symmetric (HMAC-SHA256, `v1`) secret: `whsec_<base64>`. */
export const SYMMETRIC_PREFIX = 'whsec_'
/** Prefix of an ed25519 private key (`v1a` signing): `whsk_<base64 of 32-byte seed or PKCS#8>`. */
export const PRIVATE_KEY_PREFIX = 'whsk_'
/** Prefix of an ed25519 public key (`v1a` verifying): `whpk_<base64 of the raw 32-byte key>`. */
export const PUBLIC_KEY_PREFIX = 'whpk_'

// DER header of a PKCS#8 ed25519 private key; the 32-byte seed follows it.
const PKCS8_ED25519_HEADER = [
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
]

/** A secret string, decoded to the key material it names. */
export type DecodedSecret =
  | { readonly kind: 'hmac'; readonly key: Uint8Array }
  | { readonly kind: 'ed25519-private'; readonly seed: Uint8Array }
  | { readonly kind: 'ed25519-public'; readonly key: Uint8Array }
  | { readonly kind: 'invalid'; readonly problem: string }

const utf8 = new TextEncoder()

/**
 * Decodes one secret. Never throws: an unusable secret comes back as `kind: 'invalid'` with a
 * `problem` that never quotes the secret, so `sign` and `verify` can each throw their own error.
 */
export function decodeSecret(secret: unknown): DecodedSecret {
  if (typeof secret !== 'string') return invalid(`a secret must be a string, got ${describe(secret)}`)
  if (secret.startsWith(SYMMETRIC_PREFIX)) {
    const key = decodeBase64(secret.slice(SYMMETRIC_PREFIX.length))
    if (key === undefined) return invalid('the whsec_ secret is not valid base64 after its prefix')
    if (key.length === 0) return invalid('the whsec_ secret is empty after its prefix')
    return { kind: 'hmac', key }
  }
  if (secret.startsWith(PRIVATE_KEY_PREFIX)) {
    const bytes = decodeBase64(secret.slice(PRIVATE_KEY_PREFIX.length))
    const seed = bytes === undefined ? undefined : ed25519Seed(bytes)
    if (seed === undefined) {
      return invalid(
        'the whsk_ key must be base64 of a 32-byte ed25519 seed, a 64-byte seed+public key or PKCS#8',
      )
    }
    return { kind: 'ed25519-private', seed }
  }
  if (secret.startsWith(PUBLIC_KEY_PREFIX)) {
    const key = decodeBase64(secret.slice(PUBLIC_KEY_PREFIX.length))
    if (key?.length !== 32) return invalid('the whpk_ key must be base64 of a raw 32-byte ed25519 public key')
    return { kind: 'ed25519-public', key }
  }
  if (secret.length === 0) return invalid('the secret is empty')
  // Unprefixed strings are used as they are (their UTF-8 bytes), unlike the standardwebhooks
  // package, which base64-decodes them: a plain password-like secret then works on both sides.
  return { kind: 'hmac', key: utf8.encode(secret) }
}

/**
 * Makes a new symmetric secret: 32 random bytes from the platform's CSPRNG, as `whsec_<base64>`.
 *
 * @returns a secret for both `sign()` and `verify()`
 * @example
 * ```ts
 * const secret = generateSecret() // 'whsec_…', store it with the endpoint
 * ```
 */
export function generateSecret(): string {
  const bytes = new Uint8Array(32)
  globalThis.crypto.getRandomValues(bytes)
  return `${SYMMETRIC_PREFIX}${encodeBase64(bytes)}`
}

function ed25519Seed(bytes: Uint8Array): Uint8Array | undefined {
  if (bytes.length === 32) return bytes
  // libsodium / NaCl secret keys are the seed followed by the public key.
  if (bytes.length === 64) return bytes.subarray(0, 32)
  if (bytes.length === 48 && PKCS8_ED25519_HEADER.every((byte, i) => bytes[i] === byte))
    return bytes.subarray(16)
  return undefined
}

/** Wraps a 32-byte ed25519 seed as PKCS#8 DER, the form `node:crypto` and WebCrypto import. */
export function ed25519Pkcs8(seed: Uint8Array): Uint8Array {
  const der = new Uint8Array(48)
  der.set(PKCS8_ED25519_HEADER)
  der.set(seed, 16)
  return der
}

// DER header of an SPKI ed25519 public key; the 32-byte key follows it.
const SPKI_ED25519_HEADER = [0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00]

/** Wraps a raw 32-byte ed25519 public key as SPKI DER, the form `node:crypto` imports. */
export function ed25519Spki(key: Uint8Array): Uint8Array {
  const der = new Uint8Array(44)
  der.set(SPKI_ED25519_HEADER)
  der.set(key, 12)
  return der
}

/**
 * The secrets of a `string | readonly string[]` argument as a list; `undefined` when the argument
 * is neither, or an empty list.
 */
export function secretList(secret: unknown): readonly unknown[] | undefined {
  if (typeof secret === 'string') return [secret]
  if (Array.isArray(secret) && secret.length > 0) return secret
  return undefined
}

function invalid(problem: string): DecodedSecret {
  return { kind: 'invalid', problem }
}

function describe(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  return typeof value
}
