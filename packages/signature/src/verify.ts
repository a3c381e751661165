import {
  createHmac,
  createPublicKey,
  type KeyObject,
  timingSafeEqual,
  verify as verifyEd25519,
} from 'node:crypto'
import { decodeCanonicalBase64 } from './base64.js'
import { WebhookVerificationError } from './errors.js'
import {
  noMatchingSignature,
  readWebhookHeaders,
  type SignatureEntry,
  type WebhookHeadersInput,
} from './headers.js'
import { decodeSecret, ed25519Spki, secretList } from './secret.js'
import { checkBody, checkTimestamp, resolveVerifyOptions, type VerifyOptions } from './verify-options.js'

/**
 * What a successful verification proves: this body, with this id and timestamp, was signed by a
 * holder of one of the secrets. The body comes back as it was given: nothing is parsed.
 */
export interface VerifiedWebhook<TBody extends string | Uint8Array = string | Uint8Array> {
  /** `webhook-id`: the same on every retry of one message; use it to drop duplicates. */
  id: string
  /** `webhook-timestamp` in Unix seconds. */
  timestamp: number
  /** The body passed in, unchanged. */
  body: TBody
}

type VerifyKey =
  | { readonly kind: 'hmac'; readonly key: Buffer }
  | { readonly kind: 'ed25519'; readonly key: KeyObject }

// Decoding a secret (base64, DER import) costs more than the HMAC of a small body, so each secret
// string is decoded once. Bounded: a process holds a handful of secrets, not thousands.
const keyCache = new Map<string, VerifyKey>()
const KEY_CACHE_LIMIT = 256

/**
 * Verifies a webhook request on Node (HMAC-SHA256 `v1` and ed25519 `v1a`, `node:crypto`,
 * constant-time comparison). Checks, in order: the options, the secrets, the body size, the three
 * headers, the timestamp's freshness, then the signatures.
 *
 * @param body - the raw request body, exactly as received (`string`, `Buffer` or `Uint8Array`);
 *   never a parsed object
 * @param headers - the request headers: a plain object (any key case), a `Headers`, or a Map-like
 * @param secret - one secret or several (during rotation, old and new): `whsec_…` or a raw string
 *   for `v1`, `whpk_…` public keys for `v1a`; a request passes if any signature matches any secret
 * @param options - `toleranceSeconds` (default 300), `now` (default `Date.now`), `maxBodyBytes`
 *   (default no limit)
 * @returns the id, timestamp and the body as given
 * @throws WebhookVerificationError for anything wrong with the body, headers or secrets; its
 *   `reason` says what
 * @throws WebhookUsageError `invalid_option` when an option has the wrong type or is out of range
 * @example
 * ```ts
 * const { id, body } = verify(rawBody, req.headers, process.env.RIO_WEBHOOK_SECRET!)
 * const event = JSON.parse(body.toString())
 * ```
 */
export function verify<TBody extends string | Uint8Array>(
  body: TBody,
  headers: WebhookHeadersInput,
  secret: string | readonly string[],
  options?: VerifyOptions,
): VerifiedWebhook<TBody> {
  const resolved = resolveVerifyOptions(options)
  const keys = verifyKeys(secret)
  checkBody(body, resolved.maxBodyBytes)
  const { id, timestamp, timestampText, signatures } = readWebhookHeaders(headers)
  checkTimestamp(timestamp, resolved)

  const prefix = `${id}.${timestampText}.`
  let signed: Buffer | undefined
  for (const key of keys) {
    if (key.kind === 'hmac') {
      const expected = createHmac('sha256', key.key).update(prefix).update(body).digest('base64')
      if (matchesAny(signatures, 'v1', expected)) return { id, timestamp, body }
    } else {
      signed ??= Buffer.concat([Buffer.from(prefix), typeof body === 'string' ? Buffer.from(body) : body])
      for (const entry of signatures) {
        if (entry.version !== 'v1a' || entry.value.length !== 88) continue
        const signature = decodeCanonicalBase64(entry.value)
        if (signature !== undefined && verifyEd25519(null, signed, key.key, signature))
          return { id, timestamp, body }
      }
    }
  }
  throw noMatchingSignature(signatures, keys)
}

// Compares base64 text, as the reference implementation does: an entry matches only in the exact
// canonical encoding, and both paths (Node and WebCrypto) accept exactly the same strings.
function matchesAny(signatures: readonly SignatureEntry[], version: string, expected: string): boolean {
  let wanted: Buffer | undefined
  for (const entry of signatures) {
    if (entry.version !== version || entry.value.length !== expected.length) continue
    wanted ??= Buffer.from(expected)
    // UTF-8, not Latin-1, which would keep only the low byte of "Ł" and match it to "A".
    const given = Buffer.from(entry.value)
    if (given.length === wanted.length && timingSafeEqual(wanted, given)) return true
  }
  return false
}

function verifyKeys(secret: unknown): readonly VerifyKey[] {
  if (typeof secret === 'string') return [verifyKey(secret)]
  const list = secretList(secret)
  if (list === undefined) {
    throw new WebhookVerificationError(
      'invalid_secret',
      'verify() needs a secret string or a non-empty array of secret strings',
    )
  }
  return list.map(verifyKey)
}

function verifyKey(secret: unknown): VerifyKey {
  const cached = typeof secret === 'string' ? keyCache.get(secret) : undefined
  if (cached !== undefined) return cached
  const decoded = decodeSecret(secret)
  let key: VerifyKey
  switch (decoded.kind) {
    case 'invalid':
      throw new WebhookVerificationError('invalid_secret', decoded.problem)
    case 'ed25519-private':
      throw new WebhookVerificationError(
        'invalid_secret',
        'verify() was given a whsk_ private key; give receivers the whpk_ public key from generateKeyPair()',
      )
    case 'hmac':
      key = { kind: 'hmac', key: Buffer.from(decoded.key) }
      break
    case 'ed25519-public':
      key = {
        kind: 'ed25519',
        key: createPublicKey({ key: Buffer.from(ed25519Spki(decoded.key)), format: 'der', type: 'spki' }),
      }
      break
  }
  if (keyCache.size >= KEY_CACHE_LIMIT) keyCache.clear()
  keyCache.set(secret as string, key)
  return key
}
