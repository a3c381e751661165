import { decodeCanonicalBase64, encodeBase64 } from './base64.js'
import { WebhookVerificationError } from './errors.js'
import { noMatchingSignature, readWebhookHeaders, type WebhookHeadersInput } from './headers.js'
import { secretList } from './secret.js'
import type { VerifiedWebhook } from './verify.js'
import { checkBody, checkTimestamp, resolveVerifyOptions, type VerifyOptions } from './verify-options.js'
import { verifyingKey, type WebCryptoKey } from './web-crypto-keys.js'

const utf8 = new TextEncoder()

/**
 * Verifies a webhook request with WebCrypto (`crypto.subtle`), for runtimes without `node:crypto`
 * (Workers, Deno, Bun, browsers). Accepts and refuses exactly what {@link verify} does, with the
 * same `reason`; only the result is a promise.
 *
 * @param body - the raw request body, exactly as received (`string` or `Uint8Array`)
 * @param headers - the request headers: a `Headers`, a plain object (any key case) or a Map-like
 * @param secret - one secret or several: `whsec_…`/raw strings for `v1`, `whpk_…` for `v1a`
 * @param options - `toleranceSeconds` (default 300), `now` (default `Date.now`), `maxBodyBytes`
 *   (default no limit)
 * @returns the id, timestamp and the body as given
 * @throws WebhookVerificationError (as a rejection) for anything wrong with body, headers or secrets
 * @throws WebhookUsageError (as a rejection) `invalid_option` when an option has the wrong type or
 *   is out of range
 * @example
 * ```ts
 * const bytes = new Uint8Array(await request.arrayBuffer())
 * const { id } = await verifyAsync(bytes, request.headers, env.RIO_WEBHOOK_SECRET)
 * ```
 */
export async function verifyAsync<TBody extends string | Uint8Array>(
  body: TBody,
  headers: WebhookHeadersInput,
  secret: string | readonly string[],
  options?: VerifyOptions,
): Promise<VerifiedWebhook<TBody>> {
  const resolved = resolveVerifyOptions(options)
  const list = secretList(secret)
  if (list === undefined) {
    throw new WebhookVerificationError(
      'invalid_secret',
      'verifyAsync() needs a secret string or a non-empty array of secret strings',
    )
  }
  // One at a time, in order, so the first bad secret is the one reported, as in verify().
  const keys: WebCryptoKey[] = []
  for (const item of list) keys.push(await verifyingKey(item))
  checkBody(body, resolved.maxBodyBytes)
  const { id, timestamp, timestampText, signatures } = readWebhookHeaders(headers)
  checkTimestamp(timestamp, resolved)

  const prefix = utf8.encode(`${id}.${timestampText}.`)
  const raw: string | Uint8Array = body
  const bytes = typeof raw === 'string' ? utf8.encode(raw) : raw
  const signed = new Uint8Array(prefix.length + bytes.length)
  signed.set(prefix)
  signed.set(bytes, prefix.length)

  const subtle = globalThis.crypto.subtle
  for (const { kind, key } of keys) {
    if (kind === 'hmac') {
      const expected = encodeBase64(new Uint8Array(await subtle.sign('HMAC', key, signed)))
      for (const entry of signatures) {
        if (entry.version === 'v1' && constantTimeEqual(entry.value, expected)) return { id, timestamp, body }
      }
    } else {
      for (const entry of signatures) {
        if (entry.version !== 'v1a' || entry.value.length !== 88) continue
        const signature = decodeCanonicalBase64(entry.value)
        if (signature !== undefined && (await subtle.verify('Ed25519', key, signature, signed))) {
          return { id, timestamp, body }
        }
      }
    }
  }
  throw noMatchingSignature(signatures, keys)
}

// WebCrypto has no timingSafeEqual: compare every character whatever the first difference.
function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false
  let difference = 0
  for (let i = 0; i < a.length; i++) difference |= a.charCodeAt(i) ^ b.charCodeAt(i)
  return difference === 0
}
